"""Settings of the HTTP service, read from the environment (prefix ``SHOPLENS_SERVE_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shoplens.settings import get_settings


class ServiceSettings(BaseSettings):
    """Where the service finds its warehouse, keys and event journal, and its limits.

    Every path defaults to a file under ``$SHOPLENS_HOME``.

    Examples
    --------
    >>> s = ServiceSettings(home="/tmp/shop")
    >>> s.keys_path.name, s.journal_dir.name
    ('keys.json', 'journal')
    """

    model_config = SettingsConfigDict(env_prefix="SHOPLENS_SERVE_")

    home: Path | None = None
    warehouse: Path | None = None
    keys_file: Path | None = None
    journal: Path | None = None
    #: open the warehouse read-only (several workers): live events wait in the journal
    read_only: bool = False
    #: largest request body accepted, in bytes
    max_body_bytes: int = 1_000_000
    #: most events in one ``POST /v1/events``
    max_events: int = 5_000
    #: sustained requests per second per key, and the burst above it
    rate_per_second: float = 100.0
    rate_burst: int = 200
    cors_origins: list[str] = Field(default_factory=list)
    #: seconds between two drains of the event journal into the warehouse
    drain_interval: float = 0.5
    #: seconds a dashboard login lasts
    session_seconds: int = 8 * 3600
    #: send the session cookie only over HTTPS (set behind a TLS proxy)
    secure_cookies: bool = False
    #: the fitted recommender (default ``$SHOPLENS_HOME/models/recommender``, where
    #: ``shoplens recommend fit`` and the main job save it)
    recommender_dir: Path | None = None
    #: the assistant's hybrid retrieval with e5 embeddings (off: BM25 only)
    assistant_embed: bool = True
    #: the assistant's sentiment handoff rule with the text analyzer (off: keywords only)
    assistant_sentiment: bool = True

    @property
    def base(self) -> Path:
        """The folder of the default files (``$SHOPLENS_HOME``)."""
        return Path(self.home) if self.home else Path(get_settings().home)

    @property
    def warehouse_path(self) -> Path:
        """The DuckDB file the service reads."""
        return Path(self.warehouse) if self.warehouse else self.base / "shoplens.duckdb"

    @property
    def keys_path(self) -> Path:
        """The file of hashed API keys."""
        return Path(self.keys_file) if self.keys_file else self.base / "keys.json"

    @property
    def recommender_path(self) -> Path:
        """The folder of the fitted recommender."""
        if self.recommender_dir:
            return Path(self.recommender_dir)
        return self.base / "models" / "recommender"

    @property
    def journal_dir(self) -> Path:
        """The folder of the durable event journal."""
        return Path(self.journal) if self.journal else self.base / "journal"
