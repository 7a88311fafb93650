"""Settings, read once from the environment (prefix ``SHOPLENS_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where ShopLens keeps its warehouse and which engine it uses.

    Examples
    --------
    >>> Settings(home="/tmp/shop").warehouse_path.name
    'shoplens.duckdb'
    """

    model_config = SettingsConfigDict(env_prefix="SHOPLENS_")

    home: Path = Field(default_factory=lambda: Path.cwd() / ".shoplens")
    engine: Literal["duckdb", "spark"] = "duckdb"
    spark_master: str = "local[2]"

    @property
    def warehouse_path(self) -> Path:
        """The DuckDB file of the default warehouse."""
        return Path(self.home) / "shoplens.duckdb"

    @property
    def spark_dir(self) -> Path:
        """Where a local Spark session keeps its managed tables."""
        return Path(self.home) / "spark-warehouse"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read from the environment once)."""
    return Settings()
