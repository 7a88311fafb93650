"""Load many files at once: each file's table from its name, tables in dependency order.

A file is *canonical* when it is named after a warehouse table: ``events.parquet``,
``orders.csv``, ``orders-2024-01.csv`` (the table, optionally ``-`` and anything, then a
format's extension). :func:`canonical_table` is that rule, written once: the main job's
folder scan (:func:`shoplens.pipeline.canonical_files`) and ``shoplens ingest FILE...``
both use it. :func:`ingest_files` loads a list of files (globs allowed) in the order the
tables depend on each other (customers and items first, then events, orders, order
items, reviews and messages) and returns one reconciliation per file.

Examples
--------
>>> canonical_table("demo-shop/orders-2024-01.csv"), canonical_table("events.parquet")
('orders', 'events')
>>> canonical_table("order_items.jsonl"), canonical_table("sales.csv") is None
('order_items', True)
"""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from shoplens.data.readers import FORMATS
from shoplens.data.schema import TABLES
from shoplens.errors import InputError

__all__ = ["canonical_table", "expand_paths", "ingest_files", "order_files"]

_GLOB = set("*?[")


def canonical_table(path: str | Path) -> str | None:
    """The table a file is named after, or ``None`` (see the module docstring)."""
    p = Path(path)
    if p.suffix.lower().lstrip(".") not in FORMATS:
        return None
    stem = p.name[: -len(p.suffix)]
    for table in TABLES:
        if stem == table or stem.startswith(f"{table}-"):
            return table
    return None


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Paths with globs (``shop/*.parquet``) expanded, sorted, repeats dropped.

    A pattern that matches nothing raises :class:`~shoplens.errors.InputError`; a plain
    path is kept as it is (a missing file is reported when it is read).
    """
    out: list[Path] = []
    for raw in paths:
        text = str(raw)
        if _GLOB & set(text) and not Path(text).exists():
            hits = sorted(glob.glob(text, recursive=True))
            if not hits:
                raise InputError(f"no file matches {text!r}")
            out.extend(Path(h) for h in hits)
        else:
            out.append(Path(text))
    seen: set[Path] = set()
    return [p for p in out if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]


def order_files(paths: Iterable[str | Path], table: str | None = None) -> list[tuple[str, Path]]:
    """``(table, file)`` pairs in dependency order; ``table`` given means every file is it.

    Without ``table`` each file's table comes from its name (:func:`canonical_table`);
    a file that names no table raises :class:`~shoplens.errors.InputError` before any
    file is loaded. Files of one table keep the order given.

    Examples
    --------
    >>> [t for t, _ in order_files(["orders.csv", "events.parquet", "customers.csv"])]
    ['customers', 'events', 'orders']
    """
    files = expand_paths(paths)
    if table is not None:
        return [(table, p) for p in files]
    pairs, unknown = [], []
    for p in files:
        t = canonical_table(p)
        if t is None:
            unknown.append(p.name)
        else:
            pairs.append((t, p))
    if unknown:
        raise InputError(
            f"say which table {', '.join(unknown)} is for: --table "
            + "|".join(TABLES)
            + ", or name the file after its table (events.parquet, orders-2024-01.csv)"
        )
    rank = {name: i for i, name in enumerate(TABLES)}
    return sorted(pairs, key=lambda pair: rank[pair[0]])


def ingest_files(
    con: Any,
    paths: Iterable[str | Path],
    table: str | None = None,
    *,
    fmt: str | None = None,
    mapping: str | None = None,
    timezone: str | None = None,
    progress: Callable[[Path, str], None] | None = None,
) -> list[Any]:
    """Load many files; returns one :class:`~shoplens.data.ingest.Reconciliation` per file.

    With ``mapping`` (a public layout) the files go to ``table`` or the layout's main
    table; otherwise to ``table`` or the table each file is named after, in dependency
    order. ``progress(path, stage)`` is called as each file moves through its stages.

    Examples
    --------
    >>> import shoplens, tempfile, pathlib
    >>> con = shoplens.connect("duckdb", ":memory:")
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "orders.csv").write_text("order_id,customer_id,ts,total\\n1,c1,2024-05-01,10\\n")
    >>> _ = (d / "customers.csv").write_text("customer_id\\nc1\\n")
    >>> [r.table for r in ingest_files(con, [d / "*.csv"])]
    ['customers', 'orders']
    """
    from shoplens.data.ingest import ingest_file
    from shoplens.data.readers import check_file

    pairs = [(table, p) for p in expand_paths(paths)] if mapping else order_files(paths, table)
    if not pairs:
        raise InputError("no files given")
    for _, p in pairs:
        check_file(p)
    recs = []
    for t, p in pairs:

        def say(stage: str, p: Path = p) -> None:
            if progress is not None:
                progress(p, stage)

        recs.append(
            ingest_file(con, p, t, fmt=fmt, mapping=mapping, timezone=timezone, progress=say)
        )
    return recs
