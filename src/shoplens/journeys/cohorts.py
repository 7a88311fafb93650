"""Retention cohorts and the activity composition of each period, as Ibis expressions.

Periods are UTC calendar weeks (Monday to Sunday) or months. A customer is **active** in
a period when they have an event of the chosen type(s) in it (any event by default).

* :func:`retention`: customers are grouped into cohorts by the period of their first event
  (``cohort="first_seen"``) or first purchase (``"first_purchase"``). For each cohort and
  period offset ``k >= 0`` it counts the cohort's customers active ``k`` periods after
  the cohort period. Activity before the cohort period is ignored.
* :func:`activity_composition`: the Amplitude/PostHog "lifecycle" composition of every
  period: **new** (first active period), **returning** (active this and the previous
  period), **resurrecting** (active now, not in the previous period, but before) and
  **dormant** (active in the previous period, not now; reported as a negative count).
  Dormant counts stop at the last period that has any event. (Customer lifecycle
  *stages* - new, loyal, at risk, churned ... from orders - are :mod:`shoplens.lifecycle`;
  the old name ``lifecycle`` of this function is a deprecated alias.)

Examples
--------
>>> import ibis, pandas as pd
>>> ev = ibis.memtable(pd.DataFrame({"event_id": list("abc"), "customer_id": list("uuv"),
...     "ts": pd.to_datetime(["2024-01-01", "2024-01-09", "2024-01-02"], utc=True),
...     "type": ["view", "view", "view"]}))
>>> retention(ev).execute()[["period_offset", "customers", "cohort_size", "rate"]]
   period_offset  customers  cohort_size  rate
0              0          2            2   1.0
1              1          1            2   0.5
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import ibis
import ibis.expr.types as ir

from shoplens.data.layout import part_of, stored_plan, streamed_or_sorted, union_parts
from shoplens.errors import InputError
from shoplens.journeys.clock import DAY_US, epoch_micros, floor_div
from shoplens.journeys.sessions import require_columns

PERIODS = ("week", "month")
COHORTS = ("first_seen", "first_purchase")
STATUSES = ("new", "returning", "resurrecting", "dormant")
#: 1970-01-05 was a Monday: weeks are numbered from it
_MONDAY_OFFSET_DAYS = 4


def period_index(ts: ir.TimestampValue, period: str) -> ir.IntegerValue:
    """Number of the UTC week (Mondays from 1970-01-05) or month (``year*12 + month-1``).

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> t = ibis.memtable({"ts": pd.to_datetime(["2024-01-01"], utc=True)})
    >>> t.select(w=period_index(t.ts, "week"), m=period_index(t.ts, "month")).execute()
          w      m
    0  2817  24288
    """
    if period == "month":
        return (ts.year() * 12 + ts.month() - 1).cast("int64")
    if period == "week":  # integer arithmetic: no time-zone conversion (see clock.py)
        days = floor_div(epoch_micros(ts), DAY_US)
        return floor_div(days - _MONDAY_OFFSET_DAYS, 7)
    raise InputError(f"period must be 'week' or 'month', not {period!r}")


def period_start(index: ir.IntegerValue, period: str) -> ir.DateValue:
    """The first day of the period numbered ``index`` by :func:`period_index`.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"i": [2817]})
    >>> str(t.select(d=period_start(t.i, "week")).d.to_list()[0])
    '2024-01-01'
    """
    if period == "month":
        year = ((index - index % 12) / 12).cast("int64")
        return ibis.date(year, (index % 12 + 1).cast("int64"), 1)
    return ibis.date("1970-01-05") + (index * 7).as_interval("D")


def _types(value: str | Iterable[str] | None, what: str) -> list[str] | None:
    if value is None:
        return None
    out = [value] if isinstance(value, str) else list(value)
    if not out or not all(isinstance(v, str) and v for v in out):
        raise InputError(f"{what} must name at least one event type")
    return out


def _active(events: ir.Table, types: list[str] | None, period: str) -> ir.Table:
    """Distinct ``(customer_id, _p)`` of the events of ``types`` (all when ``None``).

    When ``events`` is stored in customer and time order (:mod:`shoplens.data.layout`),
    a customer's periods come in order, so repeats are neighbours: one streamed pass per
    stored part keeps each row that differs from the one before it, instead of a hash
    ``DISTINCT`` over every event.
    """
    ev = events.filter(events.customer_id.notnull() & events.ts.notnull())
    if types is not None:
        ev = ev.filter(ev.type.isin(types))

    def changes(t: ir.Table) -> ir.Table:
        t = t.select("customer_id", _p=period_index(t.ts, period))
        w = ibis.window()
        same = (t.customer_id.lag().over(w) == t.customer_id) & (t._p.lag().over(w) == t._p)
        return t.filter(~same.fill_null(False))

    return streamed_or_sorted(
        ev,
        stored_plan(events),
        lambda e, parts: union_parts([changes(part_of(e, bounds)) for bounds in parts]),
        lambda e: e.select("customer_id", _p=period_index(e.ts, period)).distinct(),
    )


def retention(
    events: ir.Table,
    *,
    cohort: str = "first_seen",
    period: str = "week",
    return_events: str | Iterable[str] | None = None,
    purchase_types: str | Iterable[str] = ("purchase",),
) -> ir.Table:
    """Return the retention table: one row per cohort and period offset with activity.

    Columns: ``cohort`` (first day of the cohort period), ``period_offset`` (0, 1, ...),
    ``customers`` (active in that period), ``cohort_size`` and ``rate``
    (``customers / cohort_size``). Offsets where nobody was active are left out (their
    count is 0).

    Parameters
    ----------
    events
        The canonical events table.
    cohort
        ``"first_seen"`` (period of the first event) or ``"first_purchase"`` (of the first
        event of ``purchase_types``; customers who never bought are left out).
    period
        ``"week"`` or ``"month"``.
    return_events
        Event type(s) that count as coming back (default: any event).
    purchase_types
        Event type(s) that are purchases for ``cohort="first_purchase"``.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> ev = ibis.memtable(pd.DataFrame({"event_id": ["a", "b"], "customer_id": ["u", "u"],
    ...     "ts": pd.to_datetime(["2024-01-01", "2024-03-05"], utc=True),
    ...     "type": ["purchase", "purchase"]}))
    >>> retention(ev, period="month", cohort="first_purchase").period_offset.to_list()
    [0, 2]
    """
    require_columns(events, ("customer_id", "ts", "type"), "retention")
    if cohort not in COHORTS:
        raise InputError(f"cohort must be 'first_seen' or 'first_purchase', not {cohort!r}")
    if period not in PERIODS:
        raise InputError(f"period must be 'week' or 'month', not {period!r}")
    returns = _types(return_events, "return_events")
    buys = _types(purchase_types, "purchase_types")
    base = _active(events, None if cohort == "first_seen" else buys, period)
    coh = base.group_by("customer_id").aggregate(_c=base._p.min())
    act = _active(events, returns, period)
    j = act.inner_join(coh, "customer_id")
    j = j.mutate(period_offset=(j._p - j._c).cast("int64")).filter(lambda t: t.period_offset >= 0)
    counts = j.group_by(["_c", "period_offset"]).aggregate(customers=j.count())
    sizes = coh.group_by("_c").aggregate(cohort_size=coh.count())
    out = counts.inner_join(sizes, "_c")
    out = out.select(
        cohort=period_start(out._c, period),
        period_offset=out.period_offset,
        customers=out.customers,
        cohort_size=out.cohort_size,
        rate=out.customers.cast("float64") / out.cohort_size,
    )
    return out.order_by(["cohort", "period_offset"])


def activity_composition(
    events: ir.Table,
    *,
    period: str = "week",
    active_events: str | Iterable[str] | None = None,
) -> ir.Table:
    """Return the activity composition: new, returning, resurrecting and dormant per period.

    Columns: ``period`` (first day), ``status`` and ``customers`` (negative for
    ``dormant``). Only non-zero counts are returned. See the module docstring.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> ev = ibis.memtable(pd.DataFrame({"event_id": list("abc"), "customer_id": list("uuv"),
    ...     "ts": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-01-08"], utc=True),
    ...     "type": ["view", "view", "view"]}))
    >>> activity_composition(ev).execute().assign(period=lambda d: d.period.astype(str))
           period        status  customers
    0  2024-01-01           new          1
    1  2024-01-08       dormant         -1
    2  2024-01-08           new          1
    3  2024-01-15       dormant         -1
    4  2024-01-15  resurrecting          1
    """
    require_columns(events, ("customer_id", "ts", "type"), "activity_composition")
    if period not in PERIODS:
        raise InputError(f"period must be 'week' or 'month', not {period!r}")
    act = _active(events, _types(active_events, "active_events"), period)
    w = ibis.window(group_by=act.customer_id, order_by=act._p)
    act = act.mutate(_prev=act._p.lag().over(w), _next=act._p.lead().over(w))
    status = ibis.cases(
        (act._prev.isnull(), "new"),
        (act._prev == act._p - 1, "returning"),
        else_="resurrecting",
    )
    live = act.group_by(_q=act._p, status=status).aggregate(customers=act.count())
    stamped = events.filter(events.ts.notnull())
    last = stamped.aggregate(_last=period_index(stamped.ts, period).max())
    gone = act.filter(act._next.isnull() | (act._next != act._p + 1)).cross_join(last)
    gone = gone.filter(gone._p + 1 <= gone._last)
    dormant = gone.group_by(_q=gone._p + 1).aggregate(customers=-gone.count())
    dormant = dormant.select("_q", status=ibis.literal("dormant"), customers="customers")
    both = live.select("_q", "status", customers=live.customers.cast("int64")).union(
        dormant.select("_q", "status", customers=dormant.customers.cast("int64"))
    )
    out = both.select(period=period_start(both._q, period), status="status", customers="customers")
    return out.order_by(["period", "status"])


def lifecycle(
    events: ir.Table,
    *,
    period: str = "week",
    active_events: str | Iterable[str] | None = None,
) -> ir.Table:
    """Deprecated alias of :func:`activity_composition` (clashed with :mod:`shoplens.lifecycle`)."""
    warnings.warn(
        "shoplens.journeys.lifecycle() is renamed activity_composition(); the old name "
        "will be removed in a later release",
        DeprecationWarning,
        stacklevel=2,
    )
    return activity_composition(events, period=period, active_events=active_events)
