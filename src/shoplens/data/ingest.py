"""Load a file into a canonical table: validate, deduplicate, quarantine, reconcile.

Every data row of the file ends up in exactly one place, so that
``read == loaded + duplicates + quarantined`` always holds:

* **loaded** into the table;
* **duplicate**: its natural key is already in the table or earlier in the same file
  (re-ingesting a file changes nothing);
* **quarantined** in ``ingest_quarantine`` with the reason and the raw record.

A file is loaded all-or-nothing: on DuckDB every write of a file happens in one
transaction, rolled back on any error or Ctrl-C.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa
from ibis.backends import BaseBackend

from shoplens.data.formats import Mapped, get_adapter
from shoplens.data.layout import append_stored, can_cluster
from shoplens.data.readers import check_file, detect_format, read_frame
from shoplens.data.schema import BATCHES, QUARANTINE, SYSTEM_TABLES, TABLES, TableSpec, get_spec
from shoplens.data.validate import ERROR_COLUMN, content_key, validate
from shoplens.errors import InputError, SchemaError
from shoplens.warehouse import quote_name

Progress = Callable[[str], None]


@dataclass
class Reconciliation:
    """Where every row of one ingested file went.

    Examples
    --------
    >>> r = Reconciliation("events", "e.csv", read=10, loaded=7, duplicates=2, quarantined=1)
    >>> r.balanced
    True
    """

    table: str
    source: str
    read: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    #: quarantine reasons and how many rows each
    reasons: dict[str, int] = field(default_factory=dict)
    #: rows loaded into other tables implied by the file (customers behind orders, ...)
    derived: dict[str, int] = field(default_factory=dict)
    #: columns of the file that no canonical column takes
    ignored_columns: list[str] = field(default_factory=list)
    batch_id: str = ""

    @property
    def balanced(self) -> bool:
        """Whether ``read == loaded + duplicates + quarantined``."""
        return self.read == self.loaded + self.duplicates + self.quarantined

    def summary(self) -> str:
        """One line: ``read = loaded + duplicates + quarantined``."""
        return (
            f"{self.source} -> {self.table}: read {self.read:,} = loaded {self.loaded:,}"
            f" + duplicates {self.duplicates:,} + quarantined {self.quarantined:,}"
        )


def ingest_file(
    con: BaseBackend,
    path: str | Path,
    table: str | None = None,
    *,
    fmt: str | None = None,
    mapping: str | None = None,
    timezone: str | None = None,
    progress: Progress | None = None,
) -> Reconciliation:
    """Load one file into a canonical table and return the reconciliation.

    Parameters
    ----------
    con
        Warehouse from :func:`shoplens.connect`.
    path
        csv, tsv, parquet, jsonl, json or xlsx file (or a public layout with ``mapping``).
    table
        Target canonical table; with a mapping it defaults to the layout's main table.
    fmt
        File format; by default from the file name.
    mapping
        Public-layout adapter: ``cdnow``, ``uci_online_retail``, ``retailrocket``,
        ``olist``, ``amazon_reviews_2023``.
    timezone
        Timezone of naive timestamps (default: the layout's, else UTC).
    progress
        Called with the name of each stage as it starts.

    Examples
    --------
    >>> import shoplens, tempfile, pathlib
    >>> con = shoplens.connect("duckdb", ":memory:")
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "orders.csv"
    >>> row = "1,c1,2024-05-01,10\\n"
    >>> _ = f.write_text("order_id,customer_id,ts,total\\n" + row + row)
    >>> ingest_file(con, f, "orders").summary().split(": ")[1]
    'read 2 = loaded 1 + duplicates 1 + quarantined 0'
    """
    say = progress or (lambda stage: None)
    p = check_file(path)
    say("reading")
    if mapping:
        adapter = get_adapter(mapping)
        table = table or adapter.tables[0]
        get_spec(table)
        raw = adapter.read(p, fmt or _format_or_csv(p))
        adapter.check(raw, table)
        mapped = adapter.map(raw, table)
        tz = timezone or adapter.timezone
        ignored: list[str] = []
    else:
        if not table:
            raise InputError("say which table the file is for: --table " + "|".join(TABLES))
        spec = get_spec(table)
        raw = read_frame(p, fmt)
        _check_columns(raw, spec, p)
        mapped = Mapped(raw)
        tz = timezone or "UTC"
        ignored = [c for c in raw.columns if c not in spec.columns and c != ERROR_COLUMN]
    if len(mapped.frame) != len(raw):  # an adapter must never drop rows
        raise AssertionError(f"mapping {mapping} returned {len(mapped.frame)} rows for {len(raw)}")
    rec = load_frame(
        con,
        mapped,
        table,
        raw=raw,
        source=str(p),
        tz=tz,
        say=say,
        fmt=detect_format(p, fmt) if not mapping else (fmt or "native"),
        mapping=mapping,
        sha256=_sha256(p),
    )
    rec.ignored_columns = ignored
    return rec


def _format_or_csv(p: Path) -> str:
    try:
        return detect_format(p)
    except InputError:
        return "csv"


def _check_columns(raw: pd.DataFrame, spec: TableSpec, p: Path) -> None:
    key_derivable = spec.name == "events"  # events without an id get one from their content
    needed = [c for c in spec.required if not (key_derivable and c in spec.key)]
    missing = [c for c in needed if c not in raw.columns]
    if missing and not (ERROR_COLUMN in raw.columns and len(raw.columns) <= 2):
        raise SchemaError(
            f"{p.name} lacks required column(s) for {spec.name}: {', '.join(missing)}"
        )


def _sha256(p: Path) -> str:
    h = hashlib.sha256()
    with p.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_frame(
    con: BaseBackend,
    mapped: Mapped | pd.DataFrame,
    table: str,
    *,
    raw: pd.DataFrame | None = None,
    source: str = "<frame>",
    tz: str = "UTC",
    say: Progress | None = None,
    fmt: str = "frame",
    mapping: str | None = None,
    sha256: str = "",
) -> Reconciliation:
    """Validate, deduplicate and write rows already in canonical column names.

    ``raw`` is what the quarantine keeps of a bad row (default: the frame itself).
    """
    say = say or (lambda stage: None)
    if isinstance(mapped, pd.DataFrame):
        mapped = Mapped(mapped)
    spec = get_spec(table)
    frame = mapped.frame
    raw = frame if raw is None else raw
    batch = uuid.uuid4().hex[:16]
    rec = Reconciliation(table, source, read=len(frame), batch_id=batch)

    say("validating")
    if table == "events":
        frame = _with_event_ids(frame)
    checked = validate(frame, spec, tz)
    good = checked.good
    say("deduplicating")
    fresh = _new_rows(con, good, spec)
    rec.duplicates = len(good) - len(fresh)
    rec.loaded = len(fresh)
    rec.quarantined = len(checked.reasons)
    rec.reasons = dict(Counter(checked.reasons.tolist()).most_common())

    derived: dict[str, pd.DataFrame] = {}
    for name, extra in mapped.derived.items():
        keep = extra[extra["_row"].isin(good.index)].drop(columns="_row")
        extra_ok = validate(keep.reset_index(drop=True), get_spec(name), tz).good
        derived[name] = _new_rows(con, extra_ok, get_spec(name))
        rec.derived[name] = len(derived[name])

    quarantine = _quarantine_rows(raw, checked.reasons, batch, table, source)
    log = pd.DataFrame(
        [
            {
                "batch_id": batch,
                "table_name": table,
                "source": source,
                "file_sha256": sha256,
                "format": fmt,
                "mapping": mapping,
                "rows_read": rec.read,
                "rows_loaded": rec.loaded,
                "rows_duplicate": rec.duplicates,
                "rows_quarantined": rec.quarantined,
                "ingested_at": pd.Timestamp(datetime.now(UTC)),
            }
        ]
    )
    say("writing")
    writes = [
        (table, fresh, spec),
        *((n, f, get_spec(n)) for n, f in derived.items()),
        (QUARANTINE.name, quarantine, QUARANTINE),
        (BATCHES.name, log, BATCHES),
    ]
    write_atomically(con, writes)
    if not rec.balanced:  # pragma: no cover - would be a bug in this module
        raise AssertionError(f"reconciliation does not hold: {rec}")
    return rec


def _with_event_ids(frame: pd.DataFrame) -> pd.DataFrame:
    """Give events without an ``event_id`` one derived from their content."""
    cols = [
        c for c in TABLES["events"].columns if c not in ("event_id", "session_id") and c in frame
    ]
    if "event_id" not in frame.columns:
        frame = frame.assign(event_id=pd.Series(None, index=frame.index, dtype=object))
    missing = frame["event_id"].isna()
    if missing.any():
        frame = frame.copy()
        frame.loc[missing, "event_id"] = content_key(frame.loc[missing], cols, prefix="e:")
    return frame


def _new_rows(con: BaseBackend, good: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Rows of ``good`` whose natural key is in neither the table nor earlier in ``good``."""
    key = list(spec.key)
    good = good[~good.duplicated(subset=key, keep="first")]
    if good.empty:
        return good
    keys = ibis.memtable(good[key].reset_index(drop=True))
    present = keys.semi_join(con.table(spec.name), key).to_pandas()
    if present.empty:
        return good
    seen = pd.MultiIndex.from_frame(present.astype({c: good[c].dtype for c in key}))
    return good[~pd.MultiIndex.from_frame(good[key]).isin(seen)]


def _quarantine_rows(
    raw: pd.DataFrame, reasons: pd.Series, batch: str, table: str, source: str
) -> pd.DataFrame:
    rows = raw.loc[reasons.index]
    positions = raw.index.get_indexer(reasons.index) + 1
    records = [
        json.dumps({k: v for k, v in r.items() if not _isnull(v)}, ensure_ascii=False, default=str)
        for r in rows.to_dict(orient="records")
    ]
    return pd.DataFrame(
        {
            "batch_id": batch,
            "table_name": table,
            "source": source,
            "row_number": positions.astype("int64"),
            "reason": reasons.to_numpy(dtype=object),
            "record": records,
        }
    )


def _isnull(v: object) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _arrow(frame: pd.DataFrame, spec: TableSpec) -> pa.Table:
    cols = list(spec.columns)
    out = frame.reindex(columns=cols).reset_index(drop=True)
    return pa.Table.from_pandas(out, schema=spec.schema.to_pyarrow(), preserve_index=False)


def write_atomically(con: BaseBackend, writes: list[tuple[str, pd.DataFrame, TableSpec]]) -> None:
    """Append several frames to their tables, all or nothing.

    On DuckDB the appends run in one transaction that is rolled back on any exception,
    Ctrl-C included. New events are appended as one sorted tail run of the stored
    table (:func:`shoplens.data.layout.append_stored`: time proportional to the batch,
    not the table), with the layout record and its generation, in that transaction.
    Spark has no multi-table transactions: each append is one atomic job, and they run
    in order (quarantine and batch log last).
    """
    if con.name == "duckdb":
        new_events = any(name == "events" and len(frame) for name, frame, _ in writes)
        order = new_events and can_cluster(con)
        db = con.con
        db.begin()
        try:
            for name, frame, spec in writes:
                if len(frame):
                    stored = order and name == "events"
                    append = _append_stored if stored else _append_duckdb
                    append(db, name, _arrow(frame, spec))
            db.commit()
        except BaseException:
            db.rollback()
            raise
        return
    for name, frame, spec in writes:
        if len(frame):
            con.insert(name, _arrow(frame, spec))


def _append_duckdb(db, name: str, arrow: pa.Table) -> None:
    view = f"_shoplens_new_{uuid.uuid4().hex[:8]}"
    db.register(view, arrow)
    try:
        db.execute(f"INSERT INTO {quote_name(name)} BY NAME SELECT * FROM {quote_name(view)}")
    finally:
        db.unregister(view)


def _append_stored(db, name: str, arrow: pa.Table) -> None:
    """Append to a table kept in stored order: one sorted tail run (data/layout.py)."""
    view = f"_shoplens_new_{uuid.uuid4().hex[:8]}"
    db.register(view, arrow)
    try:
        append_stored(db, name, quote_name(view))
    finally:
        db.unregister(view)


def table_counts(con: BaseBackend) -> dict[str, int]:
    """Row counts of the canonical and ingestion tables.

    Examples
    --------
    >>> import shoplens
    >>> table_counts(shoplens.connect("duckdb", ":memory:"))["events"]
    0
    """
    names = [*TABLES, *SYSTEM_TABLES]
    return {n: int(con.table(n).count().execute()) for n in names}
