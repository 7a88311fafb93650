"""The durable event journal: live events are fsynced here before the service says 2xx.

DuckDB lets one process write a database file. The service therefore never writes live
events from the request: it appends them to an append-only journal file, fsyncs it,
answers, and one writer thread drains the journal into the warehouse through
:func:`shoplens.data.ingest.load_frame` (the same validation, deduplication by
``event_id`` and reconciliation as file ingestion). The drained byte offset is stored
after the warehouse commit; a crash between the two replays the batch, and the
deduplication by ``event_id`` keeps every event once
(docs/decisions/0022-service-event-journal.md).

Each line is ``<crc32 hex> <JSON list of events>``. A line cut short by a crash was never
acknowledged (its fsync had not returned) and is dropped when the journal is opened.

Examples
--------
>>> import tempfile
>>> j = EventJournal(tempfile.mkdtemp())
>>> j.append([{"event_id": "e1", "customer_id": "c1", "ts": "2024-01-01", "type": "view"}])
1
>>> [e["event_id"] for e in j.pending()[0]]
['e1']
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

JOURNAL = "events.journal"
OFFSET = "events.offset"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class EventJournal:
    """Append-only, fsynced file of accepted events; several processes may append.

    Parameters
    ----------
    folder
        Where ``events.journal`` and its drained offset ``events.offset`` live.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / JOURNAL
        self.offset_path = self.folder / OFFSET
        self._lock = threading.Lock()
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        _fsync_dir(self.folder)
        with self._locked():
            self._recover()

    def close(self) -> None:
        """Close the file (appending afterwards fails)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    # -- locking: a thread lock and an flock, so that worker processes share the file
    def _locked(self):  # type: ignore[no-untyped-def]
        journal = self

        class _Ctx:
            def __enter__(self) -> None:
                journal._lock.acquire()
                fcntl.flock(journal._fd, fcntl.LOCK_EX)

            def __exit__(self, *exc: object) -> None:
                fcntl.flock(journal._fd, fcntl.LOCK_UN)
                journal._lock.release()

        return _Ctx()

    def _recover(self) -> None:
        """Drop a torn last line (never acknowledged) and clamp a stale offset."""
        size = os.fstat(self._fd).st_size
        if size:
            with open(self.path, "rb") as fh:
                data = fh.read()
            good = data.rfind(b"\n") + 1
            if good != size:
                os.ftruncate(self._fd, good)
                os.fsync(self._fd)
        gen, offset = self._position()
        if offset > os.fstat(self._fd).st_size:
            self._write_offset(0, gen + 1)

    def _position(self) -> tuple[int, int]:
        """``(generation, offset)``: the generation grows each time the file is emptied."""
        try:
            gen, _, off = self.offset_path.read_text().partition(":")
            return int(gen), int(off)
        except (FileNotFoundError, ValueError):
            return 0, 0

    def read_offset(self) -> int:
        """Bytes of the journal already in the warehouse."""
        return self._position()[1]

    def _write_offset(self, offset: int, generation: int | None = None) -> None:
        gen = self._position()[0] if generation is None else generation
        tmp = self.offset_path.with_suffix(".tmp")
        with open(tmp, "w") as fh:
            fh.write(f"{gen}:{offset}")
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.offset_path)
        _fsync_dir(self.folder)

    def append(self, events: list[dict[str, Any]]) -> int:
        """Write ``events`` as one line and fsync; returns how many were written."""
        payload = json.dumps(events, ensure_ascii=False, separators=(",", ":"), default=str)
        body = payload.encode("utf-8")
        line = f"{zlib.crc32(body):08x} ".encode() + body + b"\n"
        with self._locked():
            os.write(self._fd, line)
            os.fsync(self._fd)
        return len(events)

    def pending(
        self, limit_bytes: int = 64 << 20
    ) -> tuple[list[dict[str, Any]], tuple[int, int, int]]:
        """``(events not drained yet, their position)``, up to about ``limit_bytes``.

        Hand the position to :meth:`mark_drained` once the events are stored.
        """
        with self._locked():
            gen, start = self._position()
            with open(self.path, "rb") as fh:
                fh.seek(start)
                data = fh.read(limit_bytes)
        end = data.rfind(b"\n") + 1
        events: list[dict[str, Any]] = []
        for raw in data[:end].splitlines():
            crc, _, body = raw.partition(b" ")
            if f"{zlib.crc32(body):08x}".encode() != crc:
                raise OSError(f"event journal {self.path} is corrupt at a line after {start}")
            events.extend(json.loads(body))
        return events, (gen, start, start + end)

    def mark_drained(self, position: tuple[int, int, int]) -> bool:
        """Record that the lines of ``position`` (from :meth:`pending`) are in the warehouse.

        The file is emptied once everything in it is drained. A position that is no longer
        current (another drainer got there first) changes nothing and returns False.
        """
        gen, start, end = position
        with self._locked():
            if self._position() != (gen, start):
                return False
            if end == os.fstat(self._fd).st_size:
                os.ftruncate(self._fd, 0)
                os.fsync(self._fd)
                self._write_offset(0, gen + 1)
            else:
                self._write_offset(end, gen)
            return True

    def backlog_bytes(self) -> int:
        """Bytes accepted but not yet drained."""
        return max(0, os.fstat(self._fd).st_size - self.read_offset())


class Drainer:
    """One writer thread: moves journal lines into the warehouse every ``interval`` s.

    ``store`` receives a list of events and must store them in one transaction.
    """

    def __init__(
        self,
        journal: EventJournal,
        store: Callable[[list[dict[str, Any]]], Any],
        interval: float = 0.5,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.journal, self.store, self.interval = journal, store, interval
        self.on_error = on_error
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.drained = 0

    def drain_once(self) -> int:
        """Drain what is pending now; returns the number of events handed to ``store``."""
        total = 0
        while True:
            events, position = self.journal.pending()
            if position[2] == position[1]:
                return total
            if events:
                self.store(events)
            if self.journal.mark_drained(position):
                total += len(events)
                self.drained += len(events)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.drain_once()
            except Exception as exc:  # keep the thread alive; the journal keeps the events
                if self.on_error:
                    self.on_error(exc)
            self._wake.wait(self.interval)
            self._wake.clear()

    def start(self) -> None:
        """Start the writer thread."""
        self._thread = threading.Thread(target=self._run, name="shoplens-drain", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Drain now instead of at the next interval."""
        self._wake.set()

    def stop(self) -> None:
        """Stop the thread after its current drain, then drain what is left."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.drain_once()
