"""The lifecycle part's rules about time and status, written once.

Every lifecycle number (RFM, stages, BG/NBD, CLV, churn, the stored table
``lifecycle_customers``, the CLI) is computed *as of* a date:

* **as of** ``D`` means the warehouse is read as it stood at midnight UTC starting
  ``D``: an order counts when ``ts < D`` (:func:`purchases`);
* the **default as-of** is the day after the last purchase (:func:`default_as_of`), so
  today's orders count and a customer who bought on the last day has recency 0;
* the **observation end** (the last day that is observed, the ``observation_period_end``
  of the BTYD summaries and :func:`~shoplens.lifecycle.rfm.rfm_scores`) is the day
  before the as-of date (:func:`observation_end`);
* orders whose status is in :data:`NOT_PURCHASED` are not purchases, anywhere.

Examples
--------
>>> import ibis, pandas as pd
>>> orders = ibis.memtable(pd.DataFrame({"customer_id": ["a", "a", "b"],
...     "ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-05 09:00", "2024-01-03 00:00"],
...                          utc=True),
...     "status": ["paid", "cancelled", "paid"], "total": [1.0, 2.0, 3.0]}))
>>> as_of = resolve_as_of(orders)
>>> str(as_of.date()), str(observation_end(as_of).date())
('2024-01-04', '2024-01-03')
>>> purchases(orders, as_of).count().execute()
2
"""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd

from shoplens.errors import InputError

__all__ = [
    "NOT_PURCHASED",
    "default_as_of",
    "is_purchase",
    "observation_end",
    "purchases",
    "resolve_as_of",
    "to_timestamp",
]

#: order statuses that do not count as a purchase (compared in lower case)
NOT_PURCHASED = ("cancelled", "canceled")


def to_timestamp(value: Any) -> pd.Timestamp:
    """A UTC, timezone-naive :class:`pandas.Timestamp` or :class:`InputError`.

    Examples
    --------
    >>> to_timestamp("2024-03-01T12:00:00+02:00")
    Timestamp('2024-03-01 10:00:00')
    """
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"cannot read {value!r} as a date: {exc}") from None
    if ts is pd.NaT:
        raise InputError("a date is required")
    return ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo is not None else ts


def _lit(as_of: Any) -> Any:
    return ibis.timestamp(to_timestamp(as_of).isoformat()).cast("timestamp('UTC')")


def is_purchase(table: Any, status: str = "status") -> Any:
    """Boolean Ibis expression: the row's status is not in :data:`NOT_PURCHASED`.

    Always true when ``table`` has no ``status`` column or the status is NULL.
    """
    if status not in table.columns:
        return ibis.literal(True)
    s = table[status].cast("string")
    return s.isnull() | ~s.lower().isin(list(NOT_PURCHASED))


def purchases(orders: Any, as_of: Any | None = None) -> Any:
    """Orders that count as purchases (not cancelled), placed before ``as_of``."""
    t = orders.filter(orders.customer_id.notnull() & orders.ts.notnull())
    t = t.filter(is_purchase(t))
    return t if as_of is None else t.filter(t.ts < _lit(as_of))


def default_as_of(orders: Any) -> pd.Timestamp | None:
    """The day after the last purchase (midnight UTC); ``None`` without purchases."""
    last = purchases(orders).ts.max().execute()
    if last is None or pd.isna(last):
        return None
    return to_timestamp(last).normalize() + pd.Timedelta(days=1)


def resolve_as_of(orders: Any, as_of: Any = None) -> pd.Timestamp:
    """``as_of`` as a timestamp, or :func:`default_as_of`; :class:`InputError` if neither."""
    if as_of is not None:
        return to_timestamp(as_of)
    end = default_as_of(orders)
    if end is None:
        raise InputError("no orders in the warehouse: ingest orders first")
    return end


def observation_end(as_of: Any) -> pd.Timestamp:
    """The last observed day of an as-of date: ``as_of - 1 day``."""
    return to_timestamp(as_of) - pd.Timedelta(days=1)
