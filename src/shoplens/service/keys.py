"""API keys with scopes, stored hashed (argon2id) in one JSON file.

A key reads ``slk_<id>_<secret>``. The file keeps the id, name, scopes, the customer a
key is bound to, and the argon2id hash of the whole key, never the key itself. Verifying
an argon2 hash takes tens of milliseconds on purpose, so a verified key is remembered in
memory (by its SHA-256) until the file changes: a revocation is seen on the next
request (docs/decisions/0023-service-keys-and-limits.md).

Examples
--------
>>> import tempfile, pathlib
>>> store = KeyStore(pathlib.Path(tempfile.mkdtemp()) / "keys.json")
>>> token, key = store.create("shop frontend", ["events:write"])
>>> store.verify(token).scopes
('events:write',)
>>> store.revoke(key.id).revoked
True
>>> store.verify(token) is None
True
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from shoplens.errors import InputError

ANALYTICS_READ = "analytics:read"
EVENTS_WRITE = "events:write"
ASSISTANT = "assistant"
ADMIN = "admin"
#: every scope a key may hold, with what it allows
SCOPES: dict[str, str] = {
    ANALYTICS_READ: "read analytics, customers and the dashboard",
    EVENTS_WRITE: "send live events",
    ASSISTANT: "recommendations, text analysis and the assistant for the bound customer",
    ADMIN: "everything",
}
PREFIX = "slk_"


@dataclass(frozen=True)
class ApiKey:
    """One stored key (without its secret)."""

    id: str
    name: str
    scopes: tuple[str, ...]
    customer_id: str | None = None
    created_at: str = ""
    revoked_at: str | None = None
    hash: str = field(default="", repr=False)

    @property
    def revoked(self) -> bool:
        """Whether the key was revoked."""
        return self.revoked_at is not None

    def allows(self, scope: str) -> bool:
        """Whether the key holds ``scope`` (``admin`` holds every scope)."""
        return scope in self.scopes or ADMIN in self.scopes

    def public(self) -> dict[str, object]:
        """The key's fields without its hash."""
        out = asdict(self)
        out.pop("hash")
        out["scopes"] = list(self.scopes)
        return out


def _hasher():  # type: ignore[no-untyped-def]
    from argon2 import PasswordHasher

    return PasswordHasher()


class KeyStore:
    """The key file: create, list, revoke and verify keys.

    Parameters
    ----------
    path
        The JSON file (created on the first key; written atomically, mode 0600).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._keys: dict[str, ApiKey] = {}
        self._secret = ""
        self._verified: dict[str, str] = {}

    # -- file -------------------------------------------------------------
    def _load(self) -> None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._keys, self._secret, self._verified, self._stamp = {}, "", {}, None
            return
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == self._stamp:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read the key file {self.path}: {exc}") from exc
        keys = {}
        for row in data.get("keys", []):
            row = dict(row)
            row["scopes"] = tuple(row.get("scopes", ()))
            keys[row["id"]] = ApiKey(**row)
        self._keys, self._secret = keys, data.get("session_secret", "")
        self._verified, self._stamp = {}, stamp

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self._secret:
            self._secret = secrets.token_hex(32)
        data = {
            "version": 1,
            "session_secret": self._secret,
            "keys": [asdict(k) for k in self._keys.values()],
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.path)
        self._stamp = None
        self._load()

    # -- commands -----------------------------------------------------------
    def create(
        self, name: str, scopes: list[str] | tuple[str, ...], customer_id: str | None = None
    ) -> tuple[str, ApiKey]:
        """Make a key; returns ``(the key to hand out, its stored record)``.

        The key itself is shown once: only its hash is kept.
        """
        scopes = tuple(dict.fromkeys(scopes))
        unknown = [s for s in scopes if s not in SCOPES]
        if unknown or not scopes:
            raise InputError(
                f"unknown or no scope {', '.join(unknown)!r}; choose from {', '.join(SCOPES)}"
            )
        if ASSISTANT in scopes and not customer_id:
            raise InputError("an assistant key is bound to one customer: give --customer ID")
        if customer_id is not None and ADMIN in scopes:
            raise InputError("an admin key cannot be bound to one customer")
        with self._lock:
            self._load()
            key_id = secrets.token_hex(4)
            while key_id in self._keys:  # pragma: no cover - 1 in 4 billion
                key_id = secrets.token_hex(4)
            token = f"{PREFIX}{key_id}_{secrets.token_urlsafe(24)}"
            key = ApiKey(
                id=key_id,
                name=name,
                scopes=scopes,
                customer_id=customer_id,
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                hash=_hasher().hash(token),
            )
            self._keys[key_id] = key
            self._save()
        return token, key

    def list(self) -> list[ApiKey]:
        """Every key, revoked ones included, oldest first."""
        with self._lock:
            self._load()
            return sorted(self._keys.values(), key=lambda k: (k.created_at, k.id))

    def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key by its id; it stops working on the next request."""
        with self._lock:
            self._load()
            if key_id not in self._keys:
                raise InputError(f"no key with id {key_id!r}; see `shoplens keys list`")
            key = self._keys[key_id]
            if not key.revoked:
                key = ApiKey(**{**asdict(key), "revoked_at": datetime.now(UTC).isoformat()})
                self._keys[key_id] = key
                self._save()
            return key

    def verify(self, token: str | None) -> ApiKey | None:
        """The live key ``token`` stands for, or ``None`` (unknown, wrong or revoked)."""
        if not token or not token.startswith(PREFIX) or len(token) > 200:
            return None
        key_id = token[len(PREFIX) :].split("_", 1)[0]
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        with self._lock:
            self._load()
            key = self._keys.get(key_id)
            if key is None or key.revoked:
                return None
            if self._verified.get(digest) == key_id:
                return key
        from argon2.exceptions import InvalidHashError, VerifyMismatchError

        try:
            _hasher().verify(key.hash, token)
        except (VerifyMismatchError, InvalidHashError):
            return None
        with self._lock:
            if self._keys.get(key_id) is key:
                self._verified[digest] = key_id
        return key

    def get(self, key_id: str) -> ApiKey | None:
        """The live key with this id (used by dashboard sessions), else ``None``."""
        with self._lock:
            self._load()
            key = self._keys.get(key_id)
        return None if key is None or key.revoked else key

    def session_secret(self) -> bytes:
        """The secret that signs dashboard session cookies (made with the first key)."""
        with self._lock:
            self._load()
            if not self._secret:
                self._save()
            return self._secret.encode("ascii")
