"""Dashboard login: a signed session cookie backed by the API keys, CSRF-safe.

The cookie holds ``<key id>.<expiry>.<HMAC-SHA256>`` signed with the key file's secret;
it is ``HttpOnly`` and ``SameSite=Strict``. A revoked key ends its sessions at once (the
key is looked up on every request). Requests that change something and authenticate by
the cookie must also carry the session's CSRF token (form field ``csrf`` or header
``X-CSRF-Token``), which a page of another site cannot read.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from fastapi import Request, Response

from shoplens.service.keys import ApiKey, KeyStore

COOKIE = "shoplens_session"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


def _sign(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def make_session(keys: KeyStore, key: ApiKey, seconds: int) -> str:
    """The cookie value of a session for ``key`` lasting ``seconds``."""
    body = f"{key.id}.{int(time.time()) + seconds}"
    return f"{body}.{_sign(keys.session_secret(), body)}"


def csrf_token(keys: KeyStore, cookie: str) -> str:
    """The CSRF token that goes with a session cookie."""
    return _sign(keys.session_secret(), "csrf:" + cookie)


def session_key(keys: KeyStore, cookie: str | None) -> ApiKey | None:
    """The live key of a valid, unexpired session cookie, else ``None``."""
    if not cookie or cookie.count(".") != 2 or len(cookie) > 200:
        return None
    key_id, expiry, sig = cookie.split(".")
    if not hmac.compare_digest(sig, _sign(keys.session_secret(), f"{key_id}.{expiry}")):
        return None
    if not expiry.isdigit() or int(expiry) < time.time():
        return None
    return keys.get(key_id)


def read_session(request: Request, keys: KeyStore) -> ApiKey | None:
    """The session's key; for unsafe methods only with the matching CSRF token."""
    cookie = request.cookies.get(COOKIE)
    key = session_key(keys, cookie)
    if key is None or cookie is None:
        return None
    if request.method not in SAFE:
        token = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(token, csrf_token(keys, cookie)):
            return None
    return key


def set_session(response: Response, value: str, seconds: int, secure: bool) -> None:
    """Put the session cookie on ``response``."""
    response.set_cookie(
        COOKIE, value, max_age=seconds, httponly=True, samesite="strict", secure=secure, path="/"
    )
