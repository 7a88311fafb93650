"""Sales series from the warehouse as long frames ``unique_id, ds, y``.

One Ibis expression per request (DuckDB, Spark or any Ibis backend): order lines joined
with their orders (and the catalog, the customers or the purchase events for the
level), summed per period, on a full grid of periods so that a period without a sale is
an explicit zero. A series starts at its first sale (before it, the item may not have
existed: that zero is not real) and ends with the last complete period of the data.

Examples
--------
>>> import pandas as pd, shoplens
>>> from shoplens.insight.forecast.series import sales_series
>>> con = shoplens.connect("duckdb", ":memory:")
>>> con.insert("orders", pd.DataFrame({"order_id": ["o1", "o2"], "customer_id": ["c", "c"],
...     "ts": pd.to_datetime(["2025-01-01 10:00", "2025-01-03 09:00"], utc=True),
...     "status": "paid", "total": [10.0, 5.0], "currency": "CNY"}))
>>> con.insert("order_items", pd.DataFrame({"order_id": ["o1", "o2"], "line_number": [1, 1],
...     "item_id": ["a", "a"], "quantity": [2.0, 1.0], "unit_price": [5.0, 5.0]}))
>>> sales_series(con, measure="units").execute()["y"].tolist()
[2.0, 0.0, 1.0]
"""

from __future__ import annotations

from typing import Literal

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.errors import InputError

__all__ = ["FREQS", "LEVELS", "MEASURES", "activity_series", "period_starts", "sales_series"]

Level = Literal["total", "category", "item", "region", "channel", "brand"]
Measure = Literal["revenue", "orders", "units"]

#: our frequency name -> (Ibis truncate unit, pandas frequency of the period starts)
FREQS: dict[str, tuple[str, str]] = {"D": ("D", "D"), "W": ("W", "W-MON"), "M": ("M", "MS")}
LEVELS: tuple[str, ...] = ("total", "category", "item", "region", "channel", "brand")
MEASURES: tuple[str, ...] = ("revenue", "orders", "units")
_ORDER_ID = r'"order_id"\s*:\s*"([^"]+)"'


def _lines(con: BaseBackend, level: str, category_depth: int, exclude_status: tuple) -> ir.Table:
    orders = con.table("orders")
    if exclude_status:
        orders = orders.filter(orders.status.isnull() | ~orders.status.isin(list(exclude_status)))
    lines = con.table("order_items")
    t = lines.join(orders, lines.order_id == orders.order_id)
    t = t.select(
        order_id=lines.order_id,
        item_id=lines.item_id,
        customer_id=orders.customer_id,
        ts=orders.ts,
        units=lines.quantity.fill_null(0.0),
        revenue=(lines.quantity.fill_null(0.0) * lines.unit_price.fill_null(0.0)),
    )
    if level == "total":
        return t.mutate(unique_id=ibis.literal("total"))
    if level == "item":
        return t.mutate(unique_id=t.item_id)
    if level in ("category", "brand"):
        items = con.table("items")
        if level == "category":
            key = items.category
            if category_depth > 0:
                key = key.split(" > ")[0] if category_depth == 1 else key
        else:
            key = items.brand
        items = items.select(item_id=items.item_id, unique_id=key.fill_null("(unknown)"))
        j = t.left_join(items, t.item_id == items.item_id)
        return j.select(*t.columns, unique_id=j.unique_id.fill_null("(unknown)"))
    if level == "region":
        cust = con.table("customers")
        cust = cust.select(customer_id=cust.customer_id, unique_id=cust.region)
        j = t.left_join(cust, t.customer_id == cust.customer_id)
        return j.select(*t.columns, unique_id=j.unique_id.fill_null("(unknown)"))
    if level == "channel":
        ev = con.table("events")
        ev = ev.filter((ev.type == "purchase") & ev.properties.notnull())
        ev = ev.select(oid=ev.properties.re_extract(_ORDER_ID, 1), channel=ev.channel)
        ev = ev.filter(ev.oid != "").group_by("oid").agg(channel=ev.channel.max())
        j = t.left_join(ev, t.order_id == ev.oid)
        return j.select(*t.columns, unique_id=j.channel.fill_null("(unknown)"))
    raise InputError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")


def period_starts(start: pd.Timestamp, end: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    """First instants (UTC) of the complete periods of ``freq`` in ``[start, end)``.

    Examples
    --------
    >>> period_starts(pd.Timestamp("2025-01-01", tz="UTC"), pd.Timestamp("2025-01-20", tz="UTC"),
    ...               "W").strftime("%m-%d").tolist()
    ['01-06', '01-13']
    """
    pfreq = FREQS[freq][1]
    start = first = start.normalize()  # the first order's day counts as a whole day
    if freq == "W":
        first = first - pd.Timedelta(days=first.day_of_week)
    elif freq == "M":
        first = first.replace(day=1)
    starts = pd.date_range(first, end, freq=pfreq, inclusive="left")
    nxt = starts + pd.tseries.frequencies.to_offset(pfreq)
    return starts[(starts >= start) & (nxt <= end)]


def _bounds(t: ir.Table) -> tuple[pd.Timestamp, pd.Timestamp]:
    lo, hi = t.aggregate(lo=t.ts.min(), hi=t.ts.max()).execute().iloc[0]
    if pd.isna(lo):
        raise InputError("no rows to build series from: ingest orders, order_items and events")
    lo, hi = (pd.Timestamp(x) for x in (lo, hi))
    lo = lo.tz_localize("UTC") if lo.tzinfo is None else lo.tz_convert("UTC")
    hi = hi.tz_localize("UTC") if hi.tzinfo is None else hi.tz_convert("UTC")
    return lo, hi.normalize() + pd.Timedelta(days=1)


def sales_series(
    con: BaseBackend,
    *,
    level: Level | str = "total",
    measure: Measure | str = "revenue",
    freq: str = "D",
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    category_depth: int = 1,
    exclude_status: tuple[str, ...] = ("cancelled",),
) -> ir.Table:
    """Return sales per period and series as an Ibis expression ``unique_id, ds, y``.

    Parameters
    ----------
    con
        The warehouse.
    level
        ``total``, ``category`` (its first ``category_depth`` levels; 0 keeps the whole
        path), ``item``, ``brand``, ``region`` (the customer's) or ``channel`` (the
        purchase event's).
    measure
        ``revenue`` (quantity × unit price), ``orders`` (distinct orders) or ``units``.
    freq
        ``D`` (days), ``W`` (weeks starting Monday) or ``M`` (months), in UTC.
    start, end
        Optional window ``[start, end)``; by default from the first order to the day
        after the last one. Only complete periods are kept (a week that starts before
        the first order is left out, like one that ends after the last).
    exclude_status
        Order statuses left out (cancelled orders by default).

    Returns
    -------
    ibis.expr.types.Table
        ``unique_id`` (string), ``ds`` (timestamp, the period's first instant), ``y``
        (float64), one row per series and period from the series' first sale on.
    """
    if freq not in FREQS:
        raise InputError(f"unknown frequency {freq!r}; use D, W or M")
    if measure not in MEASURES:
        raise InputError(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}")
    t = _lines(con, level, category_depth, tuple(exclude_status))
    lo, hi = _bounds(con.table("orders"))
    lo = pd.Timestamp(start, tz="UTC") if start is not None else lo
    hi = pd.Timestamp(end, tz="UTC") if end is not None else hi
    periods = period_starts(lo, hi, freq)
    if len(periods) == 0:
        raise InputError(f"no complete {freq} period between {lo.date()} and {hi.date()}")
    t = t.filter((t.ts >= periods[0].to_pydatetime()) & (t.ts < hi.to_pydatetime()))
    t = t.mutate(ds=t.ts.truncate(FREQS[freq][0]).cast("timestamp"))
    agg = {
        "revenue": lambda g: g.revenue.sum(),
        "units": lambda g: g.units.sum(),
        "orders": lambda g: g.order_id.nunique(),
    }[measure]
    sums = t.group_by(["unique_id", "ds"]).agg(y=agg(t).cast("float64"))
    return _on_grid(sums, periods)


def _on_grid(sums: ir.Table, periods: pd.DatetimeIndex) -> ir.Table:
    """``sums`` (unique_id, ds, y) on every period from each series' first one: zeros filled."""
    first = sums.group_by("unique_id").agg(first=sums.ds.min())
    grid_frame = pd.DataFrame({"ds": periods.tz_localize(None)})
    grid = ibis.memtable(grid_frame).cast({"ds": "timestamp"})
    g = first.cross_join(grid)
    g = g.filter(g.ds >= g.first).select("unique_id", "ds")
    j = g.left_join(sums, [g.unique_id == sums.unique_id, g.ds == sums.ds])
    return j.select(unique_id=g.unique_id, ds=g.ds, y=j.y.fill_null(0.0)).order_by(
        ["unique_id", "ds"]
    )


def activity_series(con: BaseBackend, *, event_type: str = "view", freq: str = "D") -> ir.Table:
    """Events of ``event_type`` per item and period (``unique_id`` = item id), zeros filled.

    Views are tens of times more frequent than orders, so an item that vanished (a
    stock-out that delists it, a broken listing) shows in them long before its sales do.

    Examples
    --------
    >>> import pandas as pd, shoplens
    >>> con = shoplens.connect("duckdb", ":memory:")
    >>> con.insert("events", pd.DataFrame({"event_id": ["1", "2"], "customer_id": "c",
    ...     "ts": pd.to_datetime(["2025-01-01 10:00", "2025-01-03 09:00"], utc=True),
    ...     "type": "view", "item_id": "a"}))
    >>> activity_series(con).execute()["y"].tolist()
    [1.0, 0.0, 1.0]
    """
    check_frequency(freq)
    ev = con.table("events")
    lo, hi = _bounds(ev)
    periods = period_starts(lo, hi, freq)
    t = ev.filter((ev.type == event_type) & ev.item_id.notnull())
    t = t.filter((t.ts >= periods[0].to_pydatetime()) & (t.ts < hi.to_pydatetime()))
    t = t.mutate(unique_id=t.item_id, ds=t.ts.truncate(FREQS[freq][0]).cast("timestamp"))
    sums = t.group_by(["unique_id", "ds"]).agg(y=t.count().cast("float64"))
    return _on_grid(sums, periods)


#: main season length of each frequency
SEASONS: dict[str, int] = {"D": 7, "W": 52, "M": 12}


def check_frequency(freq: str) -> str:
    """Return the pandas frequency of ``freq`` (D, W, M) or raise an :class:`InputError`.

    Examples
    --------
    >>> check_frequency("W")
    'W-MON'
    """
    if freq not in FREQS:
        raise InputError(f"unknown frequency {freq!r}; use D, W or M")
    return FREQS[freq][1]
