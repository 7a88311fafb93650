"""Open the warehouse: an embedded DuckDB file by default, local PySpark on request.

Analytics are Ibis expressions, so the same code runs on either engine (or on any Ibis
backend given by URL).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from shoplens.data.schema import SYSTEM_TABLES, TABLES, TableSpec
from shoplens.errors import WarehouseError, require
from shoplens.settings import get_settings


def connect(
    engine: str | None = None,
    path: str | Path | None = None,
    *,
    create: bool = True,
) -> BaseBackend:
    """Return an Ibis backend holding the canonical tables.

    Parameters
    ----------
    engine
        ``"duckdb"`` (default, from settings), ``"spark"`` for a local PySpark session,
        or any Ibis connection URL such as ``"duckdb:///path/file.duckdb"``.
    path
        DuckDB file (default ``$SHOPLENS_HOME/shoplens.duckdb``) or, for Spark, the
        folder of its managed tables. ``":memory:"`` gives an in-memory DuckDB.
    create
        Create the canonical tables that are missing.

    Examples
    --------
    >>> con = connect("duckdb", ":memory:")
    >>> sorted(con.list_tables())[:3]
    ['customers', 'events', 'ingest_batches']
    """
    settings = get_settings()
    engine = engine or settings.engine
    if engine == "duckdb":
        target = Path(path) if path not in (None, ":memory:") else path
        if target is None:
            target = settings.warehouse_path
        if isinstance(target, Path):
            target.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = ibis.duckdb.connect(str(target))
        except Exception as exc:  # duckdb raises its own IOException types
            raise WarehouseError(f"cannot open warehouse {target}: {exc}") from exc
        con.raw_sql("SET TimeZone = 'UTC'")
    elif engine == "spark":
        con = ibis.pyspark.connect(spark_session(path))
    elif "://" in engine:
        con = ibis.connect(engine)
    else:
        raise WarehouseError(f"unknown engine {engine!r}; use duckdb, spark or an Ibis URL")
    if create:
        ensure_tables(con)
    return con


def spark_session(path: str | Path | None = None) -> Any:
    """Return (creating it once) a local Spark session set up for ShopLens.

    The session uses UTC, keeps managed tables under ``path`` (default
    ``$SHOPLENS_HOME/spark-warehouse``) and runs without its web UI.
    """
    require("pyspark", "spark")
    from pyspark.sql import SparkSession

    settings = get_settings()
    where = Path(path) if path else settings.spark_dir
    where.mkdir(parents=True, exist_ok=True)
    builder = (
        SparkSession.builder.master(settings.spark_master)
        .appName("shoplens")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(where.resolve()))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config(
            "spark.driver.extraJavaOptions",
            f"-Dderby.system.home={where.resolve()} -Duser.timezone=UTC",
        )
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def engine_name(con: BaseBackend) -> str:
    """Return ``"duckdb"``, ``"pyspark"`` or the backend's name."""
    return con.name


def ensure_tables(con: BaseBackend, specs: dict[str, TableSpec] | None = None) -> None:
    """Create the canonical and ingestion tables that do not exist yet."""
    specs = specs or {**TABLES, **SYSTEM_TABLES}
    existing = set(con.list_tables())
    for name, spec in specs.items():
        if name not in existing:
            con.create_table(name, schema=spec.schema)


#: most values a column stored as a DuckDB ``ENUM`` by :func:`store_table` may have
MAX_CATEGORIES = 4096


def store_table(
    con: BaseBackend,
    name: str,
    expr: ir.Table,
    *,
    categories: Mapping[str, Iterable[str | None]] | None = None,
) -> ir.Table:
    """Store ``expr`` as table ``name``, replacing it, and return the stored table.

    On DuckDB the text columns named in ``categories`` are stored as ``ENUM`` over the
    given values (nulls and repeats ignored; a column with no value or more than
    :data:`MAX_CATEGORIES` stays text): one small integer per row, like ClickHouse's
    ``LowCardinality``. DuckDB writes those several times faster than text, and Ibis
    reads them back as plain strings (docs/decisions/0011-low-cardinality-enum.md). A
    value outside its list fails the write. The replacement is one transaction: when
    it fails, the old table is kept. Other engines store ``expr`` as it is.

    Examples
    --------
    >>> import pandas as pd
    >>> con = connect("duckdb", ":memory:")
    >>> t = ibis.memtable(pd.DataFrame({"device": ["mobile", "web", None], "n": [1, 2, 3]}))
    >>> stored = store_table(con, "visits", t, categories={"device": ["web", "mobile"]})
    >>> con.raw_sql("SELECT data_type FROM information_schema.columns "
    ...             "WHERE table_name = 'visits' AND column_name = 'device'").fetchone()[0]
    "ENUM('mobile', 'web')"
    >>> stored.order_by("n").device.to_list()
    ['mobile', 'web', None]
    """
    if con.name != "duckdb":
        con.create_table(name, expr, overwrite=True)
        return con.table(name)
    from ibis.backends.sql.datatypes import DuckDBType

    enums = {}
    for col, values in (categories or {}).items():
        if col not in expr.columns or not expr[col].type().is_string():
            raise WarehouseError(f"cannot store {col!r} of {name!r} as categories: not text")
        kept = sorted({v for v in values if isinstance(v, str)})  # nulls (None, NaN) left out
        if kept and len(kept) <= MAX_CATEGORIES:
            enums[col] = "ENUM(" + ", ".join(_sql_text(v) for v in kept) + ")"
    columns = ", ".join(
        f"{quote_name(col)} {enums.get(col) or DuckDBType.to_string(dtype)}"
        for col, dtype in expr.schema().items()
    )
    db = con.con
    db.execute("BEGIN TRANSACTION")
    try:
        db.execute(f"CREATE OR REPLACE TABLE {quote_name(name)} ({columns})")
        con.insert(name, expr)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return con.table(name)


def quote_name(name: str) -> str:
    """``name`` as a quoted SQL identifier (DuckDB, and standard SQL).

    Examples
    --------
    >>> print(quote_name('my "t" table'))
    "my ""t"" table"
    """
    return '"' + name.replace('"', '""') + '"'


def _sql_text(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"
