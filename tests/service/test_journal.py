"""The event journal: torn lines dropped, replays kept once, SIGKILL loses no accepted event."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

import shoplens
from shoplens.service.db import Warehouse
from shoplens.service.journal import Drainer, EventJournal


def _events(n, customer="c1"):
    return [
        {
            "event_id": uuid.uuid4().hex,
            "customer_id": customer,
            "ts": "2024-03-01T10:00:00Z",
            "type": "view",
        }
        for _ in range(n)
    ]


def _stored(path, ids):
    w = Warehouse(path)
    try:
        with w.reader() as con:
            t = con.table("events")
            got = t.filter(t.event_id.isin(list(ids))).event_id.execute().tolist()
    finally:
        w.close()
    return got


def test_torn_last_line_is_dropped(tmp_path):
    j = EventJournal(tmp_path)
    j.append(_events(2))
    j.close()
    with open(tmp_path / "events.journal", "ab") as fh:
        fh.write(b'0badc0de [{"event_id": "half')  # a crash in the middle of a write
    j = EventJournal(tmp_path)
    events, _ = j.pending()
    assert len(events) == 2
    assert (tmp_path / "events.journal").read_bytes().endswith(b"]\n")


def test_corrupt_line_is_refused(tmp_path):
    j = EventJournal(tmp_path)
    j.append(_events(1))
    data = (tmp_path / "events.journal").read_bytes()
    (tmp_path / "events.journal").write_bytes(data.replace(b"view", b"vieW"))
    try:
        j.pending()
    except OSError as exc:
        assert "corrupt" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("a line whose checksum fails was read")


def test_crash_between_store_and_offset_keeps_events_once(tmp_path):
    path = tmp_path / "w.duckdb"
    w = Warehouse(path)
    j = EventJournal(tmp_path / "journal")
    batch = _events(5)
    j.append(batch)
    events, _ = j.pending()
    w.store_events(events)  # stored, but the offset was never written: a crash here
    drained = Drainer(j, w.store_events).drain_once()  # the restart replays the line
    assert drained == 5 and j.backlog_bytes() == 0
    w.close()
    assert sorted(_stored(path, [e["event_id"] for e in batch])) == sorted(
        e["event_id"] for e in batch
    )


def test_stale_position_changes_nothing(tmp_path):
    j = EventJournal(tmp_path)
    j.append(_events(1))
    _, pos = j.pending()
    assert j.mark_drained(pos) and j.backlog_bytes() == 0
    j.append(_events(1))
    assert not j.mark_drained(pos)  # a second drainer with the old position
    assert j.backlog_bytes() > 0


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sigkill_loses_no_accepted_event(tmp_path, service_home, keys):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(service_home[0] / "shoplens.duckdb", home / "shoplens.duckdb")
    shutil.copy(service_home[0] / "keys.json", home / "keys.json")
    port = _free_port()
    env = {**os.environ, "SHOPLENS_HOME": str(home), "SHOPLENS_SERVE_DRAIN_INTERVAL": "0.2"}
    src = str(Path(shoplens.__file__).resolve().parents[1])  # this checkout's package
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "shoplens.service.app:create_app",
        "--factory",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
    accepted: list[str] = []
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        headers = {"Authorization": f"Bearer {keys['writer']}"}
        with httpx.Client(base_url=url, headers=headers, timeout=10) as c:
            for _ in range(15):
                batch = _events(40, customer="kill-test")
                r = c.post("/v1/events", json={"events": batch})
                assert r.status_code == 202
                accepted += r.json()["event_ids"]
    finally:
        os.kill(proc.pid, signal.SIGKILL)  # mid-load: the drain thread may be mid-write
        proc.wait(timeout=10)
    # the restart drains what the journal holds before it serves
    from fastapi.testclient import TestClient

    from shoplens.service import ServiceSettings, create_app

    with TestClient(create_app(ServiceSettings(home=home))) as c:
        assert c.get("/readyz").json()["checks"]["journal_backlog_bytes"] == 0
    got = _stored(home / "shoplens.duckdb", accepted)
    assert len(got) == len(accepted) == 600 and len(set(got)) == 600
