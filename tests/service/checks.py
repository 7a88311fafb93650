"""Checks the API test files share (loaded with ``runpy``, as tests/insight/paraphrases.py is)."""

from __future__ import annotations

import time


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error_body(r, status, code=None):
    """A JSON error with a reason and no internals; returns its ``error`` object."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()["error"]
    assert body["status"] == status and body["message"] and body["request_id"]
    if code:
        assert body["code"] == code
    text = r.text.lower()
    for leak in ("traceback", "select ", ".py", "/tmp", "duckdb"):
        assert leak not in text
    return body


def drained(client, timeout=20.0):
    """Wait until the service's writer has emptied the event journal."""
    st = client.app.state.service
    deadline = time.monotonic() + timeout
    while st.journal.backlog_bytes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert st.journal.backlog_bytes() == 0
