"""Stored row order: keep ``events`` sorted by customer and time in a DuckDB warehouse.

Sessions and funnels look at each customer's events in ``(ts, event_id)`` order. When
the warehouse stores the rows in that order (customer after customer), DuckDB can read
them as they lie, with *streaming* window functions, instead of sorting every event for
every question: the same idea as ClickHouse's ``ORDER BY`` key. :func:`cluster_table`
rewrites a table in that order and records it in the ``table_layout`` system table;
ingestion does the same (:func:`sort_stored`) inside the transaction that loads each
file into ``events``. :func:`is_clustered` tells the analytics whether an Ibis table
can be read that way: a DuckDB table recorded in
``table_layout`` with the same sort keys, the same row count (rows added or removed
outside ShopLens void the entry) and ``preserve_insertion_order`` on (DuckDB's default;
without it DuckDB may return rows in any order). On other engines, and whenever the
check fails, the analytics sort as before; the results are the same either way.

Examples
--------
>>> import shoplens, pandas as pd
>>> con = shoplens.connect("duckdb", ":memory:")
>>> con.insert("events", pd.DataFrame({"event_id": ["b", "a"], "customer_id": ["u", "u"],
...     "ts": pd.to_datetime(["2024-01-02", "2024-01-01"], utc=True), "type": ["view"] * 2}))
>>> is_clustered(con.table("events"))
False
>>> cluster_table(con)
True
>>> is_clustered(con.table("events")), con.table("events").event_id.to_list()
(True, ['a', 'b'])
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import pairwise

import duckdb
import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from shoplens.data.schema import LAYOUT
from shoplens.warehouse import ensure_tables, quote_name

#: the order sessions and funnels need: customer after customer, then time, then id
EVENT_ORDER: tuple[str, ...] = ("customer_id", "ts", "event_id")
#: most ranges a stored table is cut into for parallel streaming (see stored_parts)
MAX_PARTS = 16


def cluster_table(
    con: BaseBackend, name: str = "events", keys: Sequence[str] = EVENT_ORDER
) -> bool:
    """Rewrite table ``name`` sorted by ``keys`` and record it in ``table_layout``.

    One DuckDB transaction: on any error the table and the record stay as they were.
    Returns ``False`` (and changes nothing) on other engines or when the connection has
    ``preserve_insertion_order`` off, since the order would not be kept.
    """
    if not can_cluster(con):
        return False
    db = con.con
    db.begin()
    try:
        sort_stored(db, name, keys)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return True


def can_cluster(con: BaseBackend) -> bool:
    """Whether ``con`` can keep a table in order (DuckDB keeping insertion order).

    Creates the ``table_layout`` record table when it is missing, so that
    :func:`sort_stored` can then run inside the caller's own transaction.
    """
    if con.name != "duckdb" or not _keeps_order(con.con):
        return False
    ensure_tables(con, {LAYOUT.name: LAYOUT})
    return True


def sort_stored(
    db: duckdb.DuckDBPyConnection, name: str = "events", keys: Sequence[str] = EVENT_ORDER
) -> None:
    """The body of :func:`cluster_table`, in whatever transaction ``db`` has open.

    Ingestion calls it before committing the rows it appends, so the load and the new
    order land together or not at all. Needs :func:`can_cluster` first.
    """
    order = ", ".join(quote_name(k) for k in keys)
    table = quote_name(name)
    db.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {table} ORDER BY {order}")
    (rows,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
    marks = [rows * i // MAX_PARTS + 1 for i in range(1, MAX_PARTS)]
    first = quote_name(keys[0])
    splits = db.execute(  # the first key at every 1/MAX_PARTS of the rows (streamed)
        f"SELECT DISTINCT {first} FROM (SELECT {first}, row_number() OVER () AS _n "
        f"FROM {table}) WHERE _n IN ({', '.join(map(str, marks))}) "
        f"AND {first} IS NOT NULL ORDER BY 1"
    ).fetchall()
    db.execute(f"DELETE FROM {LAYOUT.name} WHERE table_name = ?", [name])
    db.execute(
        f"INSERT INTO {LAYOUT.name} VALUES (?, ?, ?, ?, now())",
        [name, ",".join(keys), rows, json.dumps([v for (v,) in splits])],
    )


def _keeps_order(db) -> bool:
    (keep,) = db.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    return bool(keep)


def is_clustered(table: ir.Table, keys: Sequence[str] = EVENT_ORDER) -> bool:
    """Whether ``table`` is a whole DuckDB table stored sorted by ``keys`` (see above).

    Only an unmodified table qualifies (not a filter or projection of one): the callers
    add their own filters after the streaming pass.
    """
    return _record(table, keys) is not None


def stored_parts(
    table: ir.Table, keys: Sequence[str] = EVENT_ORDER
) -> list[tuple[object, object]] | None:
    """Consecutive ranges of ``keys[0]`` that cut ``table`` into parts to stream in parallel.

    ``None`` unless :func:`is_clustered`. Otherwise ``(low, high)`` bounds (``None``: open)
    for :func:`part_of`, as many as DuckDB has threads (at most :data:`MAX_PARTS`); the
    parts hold every row once, and no value of ``keys[0]`` spans two of them. DuckDB runs
    one streaming pass per part on its own thread (a streaming window is single-threaded).

    Examples
    --------
    >>> import shoplens, pandas as pd
    >>> con = shoplens.connect("duckdb", ":memory:")
    >>> con.insert("events", pd.DataFrame({"event_id": list("abcd"),
    ...     "customer_id": list("uvwx"), "ts": pd.to_datetime(["2024-01-01"] * 4, utc=True),
    ...     "type": ["view"] * 4}))
    >>> _ = con.raw_sql("SET threads = 2"); cluster_table(con)
    True
    >>> events = con.table("events")
    >>> stored_parts(events)
    [(None, 'w'), ('w', None)]
    >>> [part_of(events, b).customer_id.to_list() for b in stored_parts(events)]
    [['u', 'v'], ['w', 'x']]
    """
    record = _record(table, keys)
    if record is None:
        return None
    db = table.op().source.con
    (threads,) = db.execute("SELECT current_setting('threads')").fetchone()
    splits = json.loads(record[2] or "[]")
    parts = max(1, min(int(threads), len(splits) + 1))
    bounds = [splits[len(splits) * i // parts] for i in range(1, parts)] if splits else []
    return list(pairwise([None, *dict.fromkeys(bounds), None]))


def union_parts(pieces: Sequence[ir.Table]) -> ir.Table:
    """The rows of all ``pieces`` (one per stored part), kept as they are (``UNION ALL``)."""
    return ibis.union(*pieces) if len(pieces) > 1 else pieces[0]


def part_of(t: ir.Table, bounds: tuple[object, object], key: str = EVENT_ORDER[0]) -> ir.Table:
    """The rows of ``t`` with ``low <= t[key] < high`` (nulls go with the first part)."""
    low, high = bounds
    col = t[key]
    cond = [] if low is None else [col >= low]
    cond += [] if high is None else [col < high]
    if low is None and cond:  # null keys (none after ingestion) go to the first part
        cond = [cond[0] | col.isnull()]
    return t.filter(*cond) if cond else t


def _record(table: ir.Table, keys: Sequence[str]) -> tuple | None:
    """The ``table_layout`` row (n_rows, sort_keys, split_points) if it holds for ``table``."""
    op = table.op()
    if not isinstance(op, ops.DatabaseTable) or getattr(op.source, "name", None) != "duckdb":
        return None
    if any(getattr(op.namespace, part, None) for part in ("catalog", "database")):
        return None
    db = op.source.con
    if not _keeps_order(db):
        return None
    found = db.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
        [LAYOUT.name],
    ).fetchone()[0]
    if not found:
        return None
    try:
        row = db.execute(
            f"SELECT n_rows, sort_keys, split_points FROM {LAYOUT.name} WHERE table_name = ?",
            [op.name],
        ).fetchone()
    except duckdb.Error:  # written by another version: treat as not recorded
        return None
    if row is None or row[1] != ",".join(keys):
        return None
    (rows,) = db.execute(f"SELECT count(*) FROM {quote_name(op.name)}").fetchone()
    return row if rows == row[0] else None
