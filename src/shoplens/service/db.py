"""The service's one warehouse connection: a writer for live events, readers on cursors.

DuckDB allows one process to open a file for writing. The service opens it once; the
drain thread writes through that connection, and each request reads through a cursor
of it (a connection to the same database with its own MVCC snapshot per query), so
readers and the writer never block or see half a write. With several worker processes
each opens the file read-only and live events wait in the journal
(docs/decisions/0022-service-event-journal.md).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from ibis.backends import BaseBackend

from shoplens.errors import WarehouseError

T = TypeVar("T")


class Warehouse:
    """The warehouse file behind the service.

    Parameters
    ----------
    path
        DuckDB file.
    read_only
        Open it read-only (live events are then not drained).
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        import ibis

        from shoplens.warehouse import connect

        self.path = Path(path)
        self.read_only = read_only
        if read_only:
            if not self.path.exists():
                raise WarehouseError(f"no warehouse at {self.path}; run `shoplens demo` first")
            try:
                self.con = ibis.duckdb.connect(str(self.path), read_only=True)
            except Exception as exc:
                raise WarehouseError(f"cannot open warehouse {self.path}: {exc}") from exc
            self.con.raw_sql("SET TimeZone = 'UTC'")
        else:
            self.con = connect("duckdb", self.path)
        self._write_lock = threading.Lock()
        self._readers: queue.SimpleQueue[BaseBackend] = queue.SimpleQueue()

    @contextmanager
    def reader(self) -> Iterator[BaseBackend]:
        """An Ibis backend over a cursor of the connection, for one request."""
        import ibis

        try:
            backend = self._readers.get_nowait()
        except queue.Empty:
            cursor = self.con.con.cursor()
            cursor.execute("SET TimeZone = 'UTC'")
            backend = ibis.duckdb.from_connection(cursor)
        try:
            yield backend
        finally:
            self._readers.put(backend)

    def store_events(self, events: list[dict[str, Any]]) -> Any:
        """Load live events like a file (validation, dedup by ``event_id``), one transaction."""
        from shoplens.data.ingest import load_frame

        if self.read_only:
            raise WarehouseError("the warehouse is open read-only; events stay in the journal")
        frame = pd.DataFrame(events)
        with self._write_lock:
            return load_frame(self.con, frame, "events", source="api:/v1/events", fmt="api")

    def write(self, fn: Callable[[BaseBackend], T]) -> T:
        """Run ``fn(connection)`` on the writer connection, under the writer lock.

        The one way besides the journal drain that the service writes (the assistant's
        turns): the same connection and lock, so there is still one writer.
        """
        if self.read_only:
            raise WarehouseError("the warehouse is open read-only")
        with self._write_lock:
            return fn(self.con)

    def dedicated_reader(self) -> BaseBackend:
        """An Ibis backend over a cursor of its own (for a long-lived, locked user)."""
        import ibis

        cursor = self.con.con.cursor()
        cursor.execute("SET TimeZone = 'UTC'")
        return ibis.duckdb.from_connection(cursor)

    def ping(self) -> bool:
        """Whether a query runs."""
        with self.reader() as con:
            return con.raw_sql("SELECT 1").fetchone()[0] == 1

    def close(self) -> None:
        """Close every cursor and the connection."""
        while True:
            try:
                backend = self._readers.get_nowait()
            except queue.Empty:
                break
            backend.con.close()
        self.con.disconnect()
