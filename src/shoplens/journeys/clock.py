"""Timestamps as integer microseconds since 1970-01-01 UTC, for fast time arithmetic.

On DuckDB a ``TIMESTAMP WITH TIME ZONE`` plus an interval, a difference, a cast to a
date or to a naive timestamp (what ``epoch_seconds()`` compiles to) goes through the ICU
time-zone library, which costs about 0.1-1 s per million rows on one core. Comparisons
of two timestamps do not. The journeys analytics therefore convert each timestamp once to
integer microseconds (:func:`epoch_micros`) and do gaps, windows and calendar weeks with
integer arithmetic. See docs/decisions/0008-integer-time-in-journeys.md.

Examples
--------
>>> import ibis, pandas as pd
>>> t = ibis.memtable({"ts": pd.to_datetime(["1970-01-02 00:00:01.5"], utc=True)})
>>> t.select(us=epoch_micros(t.ts)).us.to_list()
[86401500000]
>>> micros(timedelta(minutes=30))
1800000000
"""

from __future__ import annotations

from datetime import timedelta

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

#: microseconds in one day
DAY_US = 86_400_000_000


@ibis.udf.scalar.builtin(name="epoch_us")
def _duckdb_epoch_us(ts: dt.Timestamp(timezone="UTC")) -> dt.int64:  # type: ignore[empty-body]
    """DuckDB's ``epoch_us``: microseconds since the epoch, no time-zone conversion."""


@ibis.udf.scalar.builtin(name="unix_micros")
def _spark_unix_micros(ts: dt.Timestamp(timezone="UTC")) -> dt.int64:  # type: ignore[empty-body]
    """Spark's ``unix_micros``: microseconds since the epoch."""


def _backend_name(expr: ir.Expr) -> str:
    try:
        return expr._find_backend(use_default=True).name
    except Exception:  # an unbound expression: compile it the portable way
        return ""


def epoch_micros(ts: ir.TimestampValue) -> ir.IntegerValue:
    """Microseconds since 1970-01-01 UTC of a UTC timestamp column, as ``int64``.

    DuckDB and Spark use their native function (``epoch_us`` / ``unix_micros``); any
    other backend gets ``epoch_seconds() * 1e6 + microsecond()``.
    """
    name = _backend_name(ts)
    if name == "duckdb":
        return _duckdb_epoch_us(ts)
    if name == "pyspark":
        return _spark_unix_micros(ts)
    return portable_epoch_micros(ts)


def portable_epoch_micros(ts: ir.TimestampValue) -> ir.IntegerValue:
    """:func:`epoch_micros` for any backend: whole seconds (floored) and the microseconds.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> t = ibis.memtable({"ts": pd.to_datetime(["1970-01-02 00:00:01.75"], utc=True)})
    >>> t.select(us=portable_epoch_micros(t.ts)).us.to_list()
    [86401750000]
    """
    seconds = ts.epoch_seconds().floor().cast("int64")
    return seconds * 1_000_000 + ts.microsecond().cast("int64")


def micros(delta: timedelta) -> int:
    """Whole microseconds of a ``timedelta``."""
    return delta // timedelta(microseconds=1)


def floor_div(value: ir.IntegerValue, by: int) -> ir.IntegerValue:
    """``floor(value / by)`` as ``int64`` (also right for times before 1970)."""
    return (value / by).floor().cast("int64")
