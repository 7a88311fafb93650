"""Conversion funnels over the events table, as Ibis expressions.

A funnel is an ordered list of steps; a step is an event type (``"view"``) or a
:class:`Step` with property filters and an optional per-step window. Funnels are
counted per customer (default) or per session and can be broken down by event columns.

Semantics (identical on every engine, and checked against a pandas reference):

* Events of a unit (customer or session) are ordered by ``(ts, event_id)``; "after"
  means later in that order, so one event never fills two steps.
* An **attempt** starts at every event that matches step 1 (mode ``any``: every event
  matching any step).
* ``ordered``: from the start ``t1``, step ``k`` is the *first* event after step
  ``k-1`` that matches step ``k`` (greedy, other events may come between); it counts
  when ``t_k <= t1 + window`` and, if the step has ``within``, ``t_k <= t_{k-1} +
  within``. If that first candidate is outside a window, the attempt stops there.
* ``strict``: step ``k`` must be the very next event of the unit (any type) after step
  ``k-1``, with the same window rules.
* ``any``: steps in any order; an attempt anchored at ``t0`` reaches step ``k`` when
  each of steps ``1..k`` has a matching event in ``[t0, t0 + window]``; step ``k`` is
  reached at the latest of those first occurrences. Per-step windows are not allowed.
* Each unit keeps **one** attempt: the one reaching the most steps; among those, one
  still open (see below) when the unit has not finished; then the earliest start
  (PostHog's "earliest step-1 event that leads to the furthest step").
* A unit that has not finished is **in progress** (counted at the next step's
  ``in_progress``, not as dropped) when its window is still open at ``as_of`` (default:
  the last event time in the data): ``t1 + window > as_of`` and, for a step with
  ``within``, ``t_prev + within > as_of``.
* Breakdown values are those of the attempt's first event.

Examples
--------
>>> import ibis, pandas as pd
>>> ev = ibis.memtable(pd.DataFrame({"event_id": list("abcd"), "customer_id": list("uuvv"),
...     "ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:05"] * 2, utc=True),
...     "type": ["view", "purchase", "view", "search"]}))
>>> funnel_frame(ev, ["view", "purchase"])[["step", "entered", "conversion_rate"]]
   step  entered  conversion_rate
0     1        2              1.0
1     2        1              0.5
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from shoplens.data.layout import stored_plan
from shoplens.errors import InputError
from shoplens.journeys.clock import epoch_micros, micros
from shoplens.journeys.funnel_modes import BUILDERS
from shoplens.journeys.sessions import DEFAULT_GAP, assign_sessions, interval, require_columns

MODES = ("ordered", "strict", "any")
#: Upper edges (seconds) of the default time-to-convert buckets; the last is open-ended.
DEFAULT_BINS: tuple[int, ...] = (60, 600, 3600, 6 * 3600, 86400, 3 * 86400, 7 * 86400)


@dataclass(frozen=True)
class Step:
    """One funnel step: an event type, optional property filters and window.

    Parameters
    ----------
    type
        Event type the step matches.
    where
        Column -> required value; a list/tuple/set means "one of", ``None`` means null.
    name
        Label of the step (default: the type and filters).
    within
        Maximum time from the previous step (``ordered`` and ``strict`` only).

    Examples
    --------
    >>> Step("view", where={"channel": "ads"}).label
    'view[channel=ads]'
    """

    type: str
    where: Mapping[str, Any] | None = None
    name: str | None = None
    within: timedelta | None = None

    @property
    def label(self) -> str:
        """The step's display name."""
        if self.name:
            return self.name
        if not self.where:
            return self.type
        return f"{self.type}[{','.join(f'{k}={v}' for k, v in self.where.items())}]"


def _steps(steps: Sequence[str | Step]) -> list[Step]:
    if isinstance(steps, str | Step) or not steps:
        raise InputError("steps must be a non-empty list of event types or Step objects")
    out = []
    for s in steps:
        if isinstance(s, str) and s:
            s = Step(s)
        if not isinstance(s, Step) or not isinstance(s.type, str) or not s.type:
            raise InputError(f"funnel step {s!r} must be an event type or a Step")
        if s.within is not None:
            interval(s.within, f"within of step {s.label!r}")
        out.append(s)
    return out


def _prepare(events, steps, mode, window, by, breakdown, gap):
    require_columns(events, ("event_id", "customer_id", "ts", "type"), "funnel")
    steps = _steps(steps)
    if mode not in MODES:
        raise InputError(f"unknown funnel mode {mode!r}; use one of {', '.join(MODES)}")
    if mode == "any" and any(s.within for s in steps):
        raise InputError("per-step windows (Step.within) need mode 'ordered' or 'strict'")
    interval(window, "window")  # validates: a positive timedelta
    win = micros(window)  # the builders compare integer microseconds
    breakdown = [breakdown] if isinstance(breakdown, str) else list(breakdown or ())
    for col in breakdown:
        if col not in events.columns or col in ("ts", "event_id"):
            raise InputError(f"cannot break a funnel down by {col!r}; use an event column")
    if by == "customer":
        unit = "customer_id"
    elif by == "session":
        events, unit = assign_sessions(events, gap), "session_id"
    else:
        raise InputError(f"funnels count by 'customer' or 'session', not {by!r}")
    return events, steps, win, unit, breakdown


def funnel_units(
    events: ir.Table,
    steps: Sequence[str | Step],
    *,
    mode: str = "ordered",
    window: timedelta = timedelta(days=7),
    by: str = "customer",
    breakdown: str | Sequence[str] = (),
    as_of: datetime | None = None,
    gap: timedelta = DEFAULT_GAP,
) -> ir.Table:
    """Return one row per unit that entered the funnel: its kept attempt.

    Columns: the unit (``customer_id`` or ``session_id``), the breakdown columns,
    ``steps_reached``, ``in_progress`` (not finished, window still open at ``as_of``),
    ``started_at`` and ``step_<k>_at`` (when step ``k`` was reached, null if not).
    Parameters are those of :func:`funnel`.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> ev = ibis.memtable(pd.DataFrame({"event_id": ["a", "b"], "customer_id": ["u", "u"],
    ...     "ts": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True),
    ...     "type": ["view", "add_to_cart"]}))
    >>> funnel_units(ev, ["view", "add_to_cart", "purchase"]).steps_reached.to_list()
    [2]
    """
    e, steps, win, unit, keep = _prepare(events, steps, mode, window, by, breakdown, gap)
    if as_of is None:
        base = events.view()
        ends = base.aggregate(_stop=epoch_micros(base.ts).max())
    else:
        stamp = pd.Timestamp(as_of)
        stamp = stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")
        stop_us = micros(stamp.to_pydatetime() - datetime(1970, 1, 1, tzinfo=UTC))
        ends = ibis.memtable(pd.DataFrame({"_stop": [stop_us]}, dtype="int64"))
    # stored in customer and time order (ingested into DuckDB): no sort, see data/layout.py
    plan = stored_plan(events) if by == "customer" else None
    a = BUILDERS[mode](e, steps, win, unit, keep, plan).cross_join(ends)
    stop = a._stop
    n = len(steps)
    reached = sum(a[f"_ok{k}"].cast("int64") for k in range(1, n + 1))
    a = a.mutate(steps_reached=reached)
    open_ = ibis.literal(False)
    for r in range(1, n):  # all in integer microseconds
        cond = (a.steps_reached == r) & (a._deadline > stop)
        if steps[r].within is not None:
            cond &= a[f"_u{r}"] + micros(steps[r].within) > stop
        open_ |= cond
    a = a.filter(a.steps_reached > 0).mutate(in_progress=open_.fill_null(False))
    # the kept attempt: one hash aggregation (arg_min / min_by over a struct key), not a
    # sort of all attempts
    rank = ibis.struct(
        {
            "s": -a.steps_reached,
            "o": ibis.cases((a.in_progress, 0), else_=1),
            "t": a._start,
            "q": a._seq,
        }
    )
    out = {
        **{c: a[c] for c in keep},
        "steps_reached": a.steps_reached,
        "in_progress": a.in_progress,
        "started_at": a._start,
        **{f"step_{k}_at": a[f"_t{k}"] for k in range(1, n + 1)},
    }
    best = a.group_by(_u=a._u).aggregate(_b=ibis.struct(out).argmin(rank))
    return best.select(**{unit: best._u}, **{c: best._b[c] for c in out})


def funnel(
    events: ir.Table,
    steps: Sequence[str | Step],
    *,
    mode: str = "ordered",
    window: timedelta = timedelta(days=7),
    by: str = "customer",
    breakdown: str | Sequence[str] = (),
    as_of: datetime | None = None,
    gap: timedelta = DEFAULT_GAP,
) -> ir.Table:
    """Return per-step funnel counts as an Ibis expression.

    Columns: the breakdown columns, ``step`` (1-based), ``name``, ``entered`` (units
    that reached the step), ``in_progress`` (units that reached the previous step, did
    not reach this one and are still inside their window) and ``median_seconds`` (median
    time from the start to reaching the step). See the module docstring for the exact
    semantics.

    Parameters
    ----------
    events
        The canonical events table.
    steps
        Event types or :class:`Step` objects, in funnel order.
    mode
        ``"ordered"``, ``"strict"`` or ``"any"``.
    window
        Conversion window of the whole funnel, from the first step.
    by
        Count ``"customer"`` or ``"session"`` units (sessions from :func:`assign_sessions`
        with ``gap``).
    breakdown
        Event column(s) to break the funnel down by (value of the attempt's first event).
    as_of
        End of the data for "in progress" (default: the last event time).
    gap
        Session inactivity gap when ``by="session"``.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> ev = ibis.memtable(pd.DataFrame({"event_id": ["a", "b"], "customer_id": ["u", "u"],
    ...     "ts": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True),
    ...     "type": ["view", "purchase"]}))
    >>> funnel(ev, ["view", "purchase"]).order_by("step").entered.to_list()
    [1, 1]
    """
    units = funnel_units(
        events, steps, mode=mode, window=window, by=by, breakdown=breakdown, as_of=as_of, gap=gap
    )
    steps = _steps(steps)
    keep = [
        c
        for c in units.columns[1:]
        if c not in ("steps_reached", "in_progress")
        and c != "started_at"
        and not c.startswith("step_")
    ]
    table = ibis.memtable(
        pd.DataFrame({"step": range(1, len(steps) + 1), "name": [s.label for s in steps]})
    )
    x = units.cross_join(table)
    at = ibis.cases(*[(x.step == k, x[f"step_{k}_at"]) for k in range(1, len(steps) + 1)])
    secs = (epoch_micros(at) - epoch_micros(x.started_at)).cast("float64") / 1e6
    reached = x.steps_reached >= x.step
    counts = x.group_by([*keep, "step", "name"]).aggregate(
        entered=reached.cast("int64").sum(),
        in_progress=((x.steps_reached == x.step - 1) & x.in_progress).cast("int64").sum(),
        median_seconds=ibis.cases((reached, secs), else_=ibis.null("float64")).median(),
    )
    if keep:
        return counts
    full = table.left_join(counts, ["step", "name"])
    return full.select(
        "step",
        "name",
        entered=full.entered.fill_null(0),
        in_progress=full.in_progress.fill_null(0),
        median_seconds=full.median_seconds,
    )


def funnel_frame(events: ir.Table, steps: Sequence[str | Step], **kwargs: Any) -> pd.DataFrame:
    """Execute :func:`funnel` and return a tidy pandas frame with conversion rates.

    Adds ``dropped`` (reached the previous step, not this one, window closed),
    ``conversion_rate`` (``entered`` / ``entered`` at step 1) and
    ``step_conversion_rate`` (``entered`` / ``entered`` at the previous step); rates of
    an empty funnel are NaN. Keyword arguments are those of :func:`funnel`.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> ev = ibis.memtable(pd.DataFrame({"event_id": ["a"], "customer_id": ["u"],
    ...     "ts": pd.to_datetime(["2024-01-01"], utc=True), "type": ["view"]}))
    >>> funnel_frame(ev, ["view", "purchase"])[["step", "entered", "in_progress"]]
       step  entered  in_progress
    0     1        1            0
    1     2        0            1
    """
    df = funnel(events, steps, **kwargs).execute()
    keys = [
        c
        for c in df.columns
        if c not in ("step", "name", "entered", "in_progress", "median_seconds")
    ]
    df = df.sort_values([*keys, "step"], kind="stable").reset_index(drop=True)
    for col in ("step", "entered", "in_progress"):
        df[col] = df[col].astype("int64")
    if keys:
        grouped = df.groupby(keys, dropna=False, sort=False)["entered"]
        prev, first = grouped.shift(1), grouped.transform("first")
    else:
        prev, first = df["entered"].shift(1), df["entered"].iloc[0] if len(df) else 0
    df["dropped"] = (prev - df["entered"] - df["in_progress"]).fillna(0).astype("int64")
    df["conversion_rate"] = (
        df["entered"] / first.where(first > 0)
        if keys
        else (df["entered"] / first if first else float("nan"))
    )
    df["step_conversion_rate"] = (df["entered"] / prev.where(prev > 0)).where(
        df["step"] > 1, df["conversion_rate"]
    )
    return df


def time_to_convert(
    events: ir.Table,
    steps: Sequence[str | Step],
    *,
    bins: Sequence[int] = DEFAULT_BINS,
    **kwargs: Any,
) -> ir.Table:
    """Return the distribution of time to convert (first to last step) as an expression.

    One row per bucket of completed units (breakdown columns first, if any):
    ``bucket`` (0-based), ``upper_seconds`` (exclusive upper edge, null for the last,
    open-ended bucket), ``units`` and ``median_seconds`` within the bucket.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> ev = ibis.memtable(pd.DataFrame({"event_id": ["a", "b"], "customer_id": ["u", "u"],
    ...     "ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:02"], utc=True),
    ...     "type": ["view", "purchase"]}))
    >>> time_to_convert(ev, ["view", "purchase"]).select("upper_seconds", "units").execute()
       upper_seconds  units
    0            600      1
    """
    edges = sorted(int(b) for b in bins)
    if not edges or edges[0] <= 0 or len(set(edges)) != len(edges):
        raise InputError("bins must be distinct positive numbers of seconds")
    units = funnel_units(events, steps, **kwargs)
    n = len(_steps(steps))
    done = units.filter(units.steps_reached == n)
    keep = [
        c
        for c in done.columns[1:]
        if c not in ("steps_reached", "in_progress")
        and c != "started_at"
        and not c.startswith("step_")
    ]
    secs = (epoch_micros(done[f"step_{n}_at"]) - epoch_micros(done.started_at)) / 1e6
    bucket = ibis.cases(*[(secs < e, i) for i, e in enumerate(edges)], else_=len(edges))
    upper = ibis.cases(*[(secs < e, e) for e in edges], else_=ibis.null("int64"))
    d = done.mutate(bucket=bucket, upper_seconds=upper, _s=secs.cast("float64"))
    return (
        d.group_by([*keep, "bucket", "upper_seconds"])
        .aggregate(units=d.count(), median_seconds=d._s.median())
        .order_by([*keep, "bucket"])
    )
