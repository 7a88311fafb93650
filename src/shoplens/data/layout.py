"""Stored row order: ``events`` kept as a sorted base run plus an appended tail.

Sessions and funnels look at each customer's events in ``(ts, event_id)`` order. When
the rows are stored in that order (customer after customer), DuckDB reads them as they
lie with *streaming* window functions instead of sorting every event for every
question: ClickHouse's ``ORDER BY`` key. Rewriting the whole table on every load would
cost time proportional to the table, so a stored table is kept the way column stores
keep their parts (docs/decisions/0012-sorted-base-and-tail.md):

* the **base**: the first ``base_rows`` rows in stored order, sorted by the keys
  (written by :func:`sort_stored`, the body of :func:`cluster_table` and :func:`compact`);
* the **tail**: the batches appended since (:func:`append_stored`), each sorted on its
  own, and the set of customers they touch (``table_layout_tail``).

A customer without tail rows ("clean") has all its events in the base, consecutive and
in order, so the streamed pass gives its exact result. The customers in the tail are
dropped from the streamed result and computed by the sorted plan on their events alone
(:func:`streamed_or_sorted`). :func:`compact` merges the tail into a new base.

The fast path never trusts a record alone. :func:`stored_plan` verifies, every time it
is asked, that the stored rows still have the order it needs: one streamed comparison
of each base row with the one before it (per part, in parallel) and a check that every
tail row's customer is in the tail set. An ``UPDATE``, ``DELETE`` or ``INSERT`` made
outside ShopLens that breaks the order makes the analytics take the sorted plans; the
results are the same either way. Every write ShopLens makes bumps the record's
``generation`` in its own transaction.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import duckdb
import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from shoplens.data.schema import LAYOUT, LAYOUT_TAIL
from shoplens.warehouse import ensure_tables, quote_name

#: the order sessions and funnels need: customer after customer, then time, then id
EVENT_ORDER: tuple[str, ...] = ("customer_id", "ts", "event_id")
#: most ranges a stored table is cut into for parallel streaming (see stored_parts)
MAX_PARTS = 16
#: the streamed plan is used while the tail touches at most this share of the customers
MAX_TAIL_SHARE = 0.25

_COLUMNS = ", ".join(LAYOUT.columns)
#: the record's columns as read back (the time as text: no time-zone module needed)
_READ = _COLUMNS.replace("clustered_at", "CAST(clustered_at AS VARCHAR)")


@dataclass(frozen=True)
class StoredPlan:
    """How to read a verified stored table (see :func:`stored_plan`).

    ``parts``: customer ranges to stream in parallel (:func:`part_of`); ``tail``: the
    first-key values (column ``key``) with rows in the tail, whose results come from
    the sorted plan, or ``None`` when the tail is empty.
    """

    parts: list[tuple[object, object]]
    tail: ir.Table | None
    key: str = EVENT_ORDER[0]


def cluster_table(
    con: BaseBackend, name: str = "events", keys: Sequence[str] = EVENT_ORDER
) -> bool:
    """Rewrite table ``name`` sorted by ``keys`` (one base, no tail) and record it.

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


def compact(
    con: BaseBackend,
    name: str = "events",
    *,
    min_tail_rows: int = 1,
    keys: Sequence[str] = EVENT_ORDER,
) -> bool:
    """Merge the tail of stored table ``name`` into a new sorted base, when needed.

    Rewrites the table (:func:`cluster_table`) when its tail holds at least
    ``min_tail_rows`` rows, when it has no layout record yet, or when the stored order
    no longer verifies (a write outside ShopLens). Costs time proportional to the
    table: run it on demand or in the background, not per batch. Returns whether it
    rewrote the table.

    Examples
    --------
    >>> import shoplens, pandas as pd
    >>> con = shoplens.connect("duckdb", ":memory:")
    >>> ev = pd.DataFrame({"event_id": ["a"], "customer_id": ["u"],
    ...     "ts": pd.to_datetime(["2024-01-01"], utc=True), "type": ["view"]})
    >>> con.insert("events", ev)
    >>> compact(con), compact(con)  # the second time there is nothing to merge
    (True, False)
    """
    if not can_cluster(con):
        return False
    state = storage_state(con, name)
    if state["recorded"] and state["verified"] and state["tail_rows"] < max(1, min_tail_rows):
        return False
    return cluster_table(con, name, keys)


def can_cluster(con: BaseBackend) -> bool:
    """Whether ``con`` can keep a table in order (DuckDB keeping insertion order).

    Creates the ``table_layout`` record tables when they are missing (and replaces a
    record table of an older layout: it only caches what a rewrite recomputes), so that
    :func:`sort_stored` and :func:`append_stored` can run in the caller's transaction.
    """
    if con.name != "duckdb" or not _keeps_order(con.con):
        return False
    db = con.con
    have = [
        c
        for (c,) in db.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
            "AND schema_name = current_schema() AND NOT internal ORDER BY column_index",
            [LAYOUT.name],
        ).fetchall()
    ]
    if have and have != list(LAYOUT.columns):
        db.execute(f"DROP TABLE {LAYOUT.name}")
    ensure_tables(con, {LAYOUT.name: LAYOUT, LAYOUT_TAIL.name: LAYOUT_TAIL})
    return True


def sort_stored(
    db: duckdb.DuckDBPyConnection, name: str = "events", keys: Sequence[str] = EVENT_ORDER
) -> None:
    """The body of :func:`cluster_table`, in whatever transaction ``db`` has open.

    The whole table becomes the sorted base; the tail is emptied and the generation
    bumped. Needs :func:`can_cluster` first.
    """
    order = ", ".join(quote_name(k) for k in keys)
    table = quote_name(name)
    generation = _generation(db, name) + 1
    db.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {table} ORDER BY {order}")
    first = quote_name(keys[0])
    (rows, distinct) = db.execute(
        f"SELECT count(*), count(DISTINCT {first}) FROM {table}"
    ).fetchone()
    marks = [rows * i // MAX_PARTS + 1 for i in range(1, MAX_PARTS)]
    splits = db.execute(  # the first key at every 1/MAX_PARTS of the rows (streamed)
        f"SELECT DISTINCT {first} FROM (SELECT {first}, row_number() OVER () AS _n "
        f"FROM {table}) WHERE _n IN ({', '.join(map(str, marks))}) "
        f"AND {first} IS NOT NULL ORDER BY 1"
    ).fetchall()
    db.execute(f"DELETE FROM {LAYOUT.name} WHERE table_name = ?", [name])
    db.execute(f"DELETE FROM {LAYOUT_TAIL.name} WHERE table_name = ?", [name])
    db.execute(
        f"INSERT INTO {LAYOUT.name} ({_COLUMNS}) VALUES (?, ?, ?, ?, now(), ?, ?, ?, 0, 0)",
        [
            name,
            ",".join(keys),
            rows,
            json.dumps([v for (v,) in splits], default=str),
            generation,
            rows,
            distinct,
        ],
    )


def append_stored(
    db: duckdb.DuckDBPyConnection,
    name: str,
    source: str,
    keys: Sequence[str] = EVENT_ORDER,
) -> bool:
    """Append the rows of relation ``source`` to ``name`` as one sorted tail run.

    Runs in the caller's transaction and costs time proportional to the batch: the
    batch is sorted on its own, its first-key values join the tail set, the record's
    counts and generation move on. When the table has no record with these ``keys``,
    or holds no more rows than the batch, the whole table is rewritten instead
    (:func:`sort_stored`: cheap then, and it starts the layout). Returns whether it
    rewrote the table. Needs :func:`can_cluster` first.
    """
    table = quote_name(name)
    (batch,) = db.execute(f"SELECT count(*) FROM {source}").fetchone()
    row = db.execute(
        f"SELECT sort_keys, base_rows FROM {LAYOUT.name} WHERE table_name = ?", [name]
    ).fetchone()
    (before,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
    order = ", ".join(quote_name(k) for k in keys)
    db.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {source} ORDER BY {order}")
    if row is None or row[0] != ",".join(keys) or before <= batch:
        sort_stored(db, name, keys)
        return True
    first = quote_name(keys[0])
    db.execute(
        f"INSERT INTO {LAYOUT_TAIL.name} SELECT DISTINCT ?, CAST({first} AS VARCHAR) "
        f"FROM {source} s WHERE {first} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
        f"{LAYOUT_TAIL.name} t WHERE t.table_name = ? AND t.key = CAST(s.{first} AS VARCHAR))",
        [name, name],
    )
    db.execute(
        f"UPDATE {LAYOUT.name} SET generation = generation + 1, n_rows = ?, "
        "tail_rows = tail_rows + ?, tail_runs = tail_runs + 1 WHERE table_name = ?",
        [before + batch, batch, name],
    )
    return False


def _generation(db, name: str) -> int:
    row = db.execute(
        f"SELECT generation FROM {LAYOUT.name} WHERE table_name = ?", [name]
    ).fetchone()
    return int(row[0] or 0) if row else 0


def _keeps_order(db) -> bool:
    (keep,) = db.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    return bool(keep)


def is_clustered(table: ir.Table, keys: Sequence[str] = EVENT_ORDER) -> bool:
    """Whether ``table`` is a whole DuckDB table verified sorted by ``keys``, no tail.

    Only an unmodified table qualifies (not a filter or projection of one): the callers
    add their own filters after the streaming pass.
    """
    plan = stored_plan(table, keys)
    return plan is not None and plan.tail is None


def stored_parts(
    table: ir.Table, keys: Sequence[str] = EVENT_ORDER
) -> list[tuple[object, object]] | None:
    """The parts of :func:`stored_plan` when ``table`` has no tail, else ``None``.

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
    plan = stored_plan(table, keys)
    return plan.parts if plan is not None and plan.tail is None else None


def stored_plan(table: ir.Table, keys: Sequence[str] = EVENT_ORDER) -> StoredPlan | None:
    """How to stream ``table``, or ``None`` when the sorted plans must be used.

    Not ``None`` only for a whole DuckDB table (``preserve_insertion_order`` on) with a
    layout record for ``keys`` whose order verifies now: the base rows are sorted and
    every tail row's first key is in the tail set (two scans, the first streamed per
    part in parallel), and the tail touches at most :data:`MAX_TAIL_SHARE` of the base's
    customers (beyond that the sorted plan is cheaper). The parts are customer ranges,
    as many as DuckDB has threads (at most :data:`MAX_PARTS`); they hold every row once,
    and no value of ``keys[0]`` spans two of them. DuckDB runs one streaming pass per
    part on its own thread (a streaming window is single-threaded).
    """
    found = _record(table, keys)
    if found is None:
        return None
    db, record = found
    if record["tail_keys"] > MAX_TAIL_SHARE * max(record["base_keys"], 1):
        return None
    threads = record["threads"]
    splits = json.loads(record["split_points"] or "[]")
    n = max(1, min(int(threads), len(splits) + 1))
    bounds = [splits[len(splits) * i // n] for i in range(1, n)] if splits else []
    parts = list(pairwise([None, *dict.fromkeys(bounds), None]))
    if not _verify(db, table.op().name, keys, record, parts):
        return None
    tail = None
    if record["tail_rows"]:
        source = table.op().source
        t = source.table(LAYOUT_TAIL.name)
        tail = t.filter(t.table_name == table.op().name).select("key")
    return StoredPlan(parts, tail, keys[0])


def streamed_or_sorted(
    events: ir.Table,
    plan: StoredPlan | None,
    streamed: Callable[[ir.Table, list[tuple[object, object]]], ir.Table],
    sort: Callable[[ir.Table], ir.Table],
) -> ir.Table:
    """The rows of an analytic computed per customer, streamed where the order allows.

    ``streamed(events, parts)`` reads the stored parts in order, ``sort(events)`` is the
    sorted plan; both return rows with the customer column. Without a plan this is
    ``sort(events)``. With a tail, the streamed rows of the tail's customers (whose
    events are not consecutive) are dropped and those customers' rows come from
    ``sort`` on their events alone: each customer's result depends only on its events,
    so the union equals ``sort(events)``.
    """
    if plan is None:
        return sort(events)
    out = streamed(events, plan.parts)
    if plan.tail is None:
        return out
    tail, key = plan.tail, plan.key
    clean = out.anti_join(tail, out[key] == tail.key)
    rest = sort(events.semi_join(tail, events[key] == tail.key))
    return ibis.union(clean, rest.select(*out.columns).cast(out.schema()))


def storage_state(con: BaseBackend, name: str = "events") -> dict[str, object]:
    """The layout record of ``name`` and whether its order verifies now.

    Keys: ``recorded``, ``verified``, ``generation``, ``base_rows``, ``tail_rows``,
    ``tail_runs``, ``tail_keys``, ``rows``.

    Examples
    --------
    >>> import shoplens
    >>> con = shoplens.connect("duckdb", ":memory:")
    >>> storage_state(con)["recorded"]
    False
    """
    out: dict[str, object] = {"recorded": False, "verified": False, "generation": 0}
    out.update(base_rows=0, tail_rows=0, tail_runs=0, tail_keys=0, rows=0)
    if con.name != "duckdb":
        return out
    table = con.table(name)
    out["rows"] = int(table.count().execute())
    found = _record(table, EVENT_ORDER)
    if found is None:
        return out
    db, record = found
    out.update({k: record[k] for k in ("generation", "base_rows", "tail_rows", "tail_runs")})
    out["tail_keys"] = record["tail_keys"]
    out["recorded"] = True
    out["verified"] = _verify(db, name, EVENT_ORDER, record, [(None, None)])
    return out


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


def _verify(db, name: str, keys: Sequence[str], record: dict, parts) -> bool:
    """Whether the stored rows of ``name`` still have the order ``record`` describes.

    The base (rows with ``rowid < base_rows``: DuckDB's row ids follow the stored order)
    must be sorted by ``keys`` with no null key, compared row by row with a streamed
    ``lag`` in each part; every later row must have its first key in the tail set.
    """
    table = quote_name(name)
    cols = [quote_name(k) for k in keys]
    lags = ", ".join(f"lag({c}) OVER () AS _p{i}" for i, c in enumerate(cols))
    # the row is before the previous one: compare the keys lexicographically
    before = "FALSE"
    for i in reversed(range(len(cols))):
        c, p = cols[i], f"_p{i}"
        before = f"({c} < {p} OR ({c} = {p} AND {before}))"
    nulls = " OR ".join(f"{c} IS NULL" for c in cols)
    checks, params = [], []
    for low, high in parts:
        cond, args = ["rowid < ?"], [record["base_rows"]]
        if low is not None:
            cond.append(f"{cols[0]} >= ?")
            args.append(low)
        if high is not None:
            cond.append(f"{cols[0]} < ?")
            args.append(high)
        checks.append(
            f"SELECT count(*) AS bad FROM (SELECT {', '.join(cols)}, {lags} FROM {table} "
            f"WHERE {' AND '.join(cond)}) WHERE {nulls} OR (_p0 IS NOT NULL AND {before})"
        )
        params += args
    stray = (  # tail rows of a customer the tail set does not name
        f"SELECT count(*) FROM {table} e WHERE rowid >= ? AND ({cols[0]} IS NULL OR NOT "
        f"EXISTS (SELECT 1 FROM {LAYOUT_TAIL.name} t WHERE t.table_name = ? "
        f"AND t.key = CAST(e.{cols[0]} AS VARCHAR)))"
    )
    params += [record["base_rows"], name]
    try:
        (bad,) = db.execute(
            f"SELECT (SELECT sum(bad) FROM ({' UNION ALL '.join(checks)})) + ({stray})", params
        ).fetchone()
    except duckdb.Error:  # e.g. a key compared with a split point of another type
        return False
    return bad == 0


def _record(table: ir.Table, keys: Sequence[str]) -> tuple[object, dict] | None:
    """The DuckDB connection and ``table_layout`` record of ``table``, if it has one."""
    op = table.op()
    if not isinstance(op, ops.DatabaseTable) or getattr(op.source, "name", None) != "duckdb":
        return None
    if any(getattr(op.namespace, part, None) for part in ("catalog", "database")):
        return None
    db = op.source.con
    keep, found, threads = db.execute(
        "SELECT current_setting('preserve_insertion_order'), (SELECT count(*) FROM "
        "duckdb_tables() WHERE table_name IN (?, ?) AND NOT temporary "
        "AND schema_name = current_schema()), current_setting('threads')",
        [LAYOUT.name, LAYOUT_TAIL.name],
    ).fetchone()
    if not keep or found != 2:
        return None
    try:
        row = db.execute(
            f"SELECT {_READ}, (SELECT count(*) FROM {LAYOUT_TAIL.name} t "
            f"WHERE t.table_name = l.table_name) FROM {LAYOUT.name} l WHERE table_name = ?",
            [op.name],
        ).fetchone()
    except duckdb.Error:  # written by another version: treat as not recorded
        return None
    if row is None or row[1] != ",".join(keys):
        return None
    record = dict(zip([*LAYOUT.columns, "tail_keys"], row, strict=True), threads=int(threads))
    for k in ("base_rows", "base_keys", "tail_rows", "tail_runs", "generation"):
        record[k] = int(record[k] or 0)
    return db, record
