"""Sessionization: split each customer's events into sessions by inactivity.

Definitions (the same on every engine):

* Events are ordered per customer by ``(ts, event_id)``; ``event_id`` breaks timestamp
  ties so the result is deterministic.
* An event starts a new session when it is the customer's first event, or when it comes
  **more than** ``gap`` after the previous event (an event exactly ``gap`` later stays in
  the session), or, optionally, when its UTC calendar day (``split_on_day``) or its
  ``channel`` (``split_on_channel``, nulls compare equal to each other) differs from the
  previous event's.
* Sessions are numbered 1, 2, ... per customer; ``session_id`` is
  ``customer_id + ':' + number``, so ids are stable across engines and runs.

Examples
--------
>>> import ibis, pandas as pd
>>> ev = ibis.memtable(pd.DataFrame({
...     "event_id": ["a", "b", "c"], "customer_id": ["u", "u", "u"],
...     "ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:20", "2024-01-01 11:00"],
...                          utc=True),
...     "type": ["view", "add_to_cart", "purchase"], "value": [None, None, 30.0],
...     "channel": ["ads"] * 3, "device": ["mobile"] * 3}))
>>> assign_sessions(ev).order_by("event_id").session_id.to_list()
['u:1', 'u:1', 'u:2']
>>> s = sessionize(ev).order_by("session_id").execute()
>>> s[["session_id", "n_events", "duration_seconds", "converted", "revenue"]]
  session_id  n_events  duration_seconds  converted  revenue
0        u:1         2              1200      False      0.0
1        u:2         1                 0       True     30.0
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

import ibis
import ibis.expr.types as ir

from shoplens.data.layout import part_of, stored_plan, streamed_or_sorted, union_parts
from shoplens.errors import InputError
from shoplens.journeys.clock import DAY_US, epoch_micros, floor_div, micros
from shoplens.journeys.journey_stages import stage_of

DEFAULT_GAP = timedelta(minutes=30)
#: session keys of stored part i start at i * _PART_STRIDE (a part holds fewer sessions)
_PART_STRIDE = 1 << 40
_NEEDED = ("event_id", "customer_id", "ts", "type")


def require_columns(events: ir.Table, needed: Iterable[str], what: str) -> None:
    """Raise :class:`InputError` naming the columns of ``needed`` missing from ``events``."""
    missing = [c for c in needed if c not in events.columns]
    if missing:
        raise InputError(
            f"{what} needs the event columns {', '.join(missing)}; "
            "pass the canonical events table (see shoplens.data.schema)"
        )


def interval(delta: timedelta, what: str = "gap") -> ir.IntervalScalar:
    """Return a positive ``timedelta`` as an Ibis interval (whole microseconds kept).

    Examples
    --------
    >>> interval(timedelta(minutes=30)).type().unit.name
    'SECOND'
    """
    if not isinstance(delta, timedelta):
        raise InputError(f"{what} must be a datetime.timedelta, got {type(delta).__name__}")
    if delta <= timedelta(0):
        raise InputError(f"{what} must be positive, got {delta}")
    us = micros(delta)
    if us % 1_000_000 == 0:
        return ibis.interval(seconds=us // 1_000_000)
    return ibis.interval(microseconds=us)


def assign_sessions(
    events: ir.Table,
    gap: timedelta = DEFAULT_GAP,
    *,
    split_on_day: bool = False,
    split_on_channel: bool = False,
) -> ir.Table:
    """Return ``events`` with ``session_id`` (replaced) and ``session_number`` columns.

    Parameters
    ----------
    events
        The canonical events table (or any table with ``event_id``, ``customer_id``,
        ``ts`` and ``type``; ``channel`` when ``split_on_channel``).
    gap
        Inactivity after which the next event starts a new session.
    split_on_day
        Also start a new session when the UTC date changes.
    split_on_channel
        Also start a new session when the channel changes.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> ev = ibis.memtable(pd.DataFrame({"event_id": ["1", "2"], "customer_id": ["u", "u"],
    ...     "ts": pd.to_datetime(["2024-01-01 23:50", "2024-01-02 00:05"], utc=True),
    ...     "type": ["view", "view"]}))
    >>> assign_sessions(ev, split_on_day=True).order_by("event_id").session_id.to_list()
    ['u:1', 'u:2']
    """
    require_columns(events, _NEEDED + (("channel",) if split_on_channel else ()), "sessionize")

    def sort(ev: ir.Table) -> ir.Table:
        flagged = _flagged(ev, gap, split_on_day, split_on_channel, extra=None)
        return _numbers(flagged, stream=False).drop("_new", "_us")

    def streamed(ev: ir.Table, parts) -> ir.Table:
        pieces = [
            _numbers(
                _flagged(part_of(ev, b), gap, split_on_day, split_on_channel, stream=True), True
            ).drop("_new", "_us", "_cs", "_gs")
            for b in parts
        ]
        return union_parts(pieces)

    return _with_id(streamed_or_sorted(events, stored_plan(events), streamed, sort))


def _flagged(events, gap, split_on_day, split_on_channel, *, last=False, extra=(), stream=False):
    """One window pass: the ``_new`` flag (and ``_last`` and position ``_pos`` if ``last``).

    ``extra`` names the only other columns carried through (``None``: all of them), so
    the sort moves as little data as possible. The gap and the UTC day are decided on
    integer microseconds (``_us``, kept in the output), computed once per event: time-zone
    arithmetic on timestamps is costly in DuckDB (see :mod:`shoplens.journeys.clock`).

    With ``stream`` the events are read in their stored order (customer after customer,
    by ``(ts, event_id)``: :func:`shoplens.data.layout.stored_plan`), so the window is
    the whole table, which DuckDB streams without sorting; a neighbour of another
    customer counts as no neighbour, and ``_cs`` flags each customer's first event.
    ``_pos`` is then a position in the table, not in the customer's events.
    """
    if extra is not None and not stream:
        keep = ["event_id", "customer_id", "ts", "type"]
        keep += [c for c in extra if c in events.columns and c not in keep]
        if split_on_channel and "channel" not in keep:
            keep.append("channel")
        events = events.select(*keep)
    e = events
    if stream:
        w = ibis.window()
        same_prev = (e.customer_id.lag().over(w) == e.customer_id).fill_null(False)
        same_next = (e.customer_id.lead().over(w) == e.customer_id).fill_null(False)
    else:
        w = ibis.window(group_by=e.customer_id, order_by=[e.ts, e.event_id])
    here_us = epoch_micros(e.ts)  # converted after the sort, so it does not widen it
    interval(gap)  # validates: a positive timedelta
    gap_us = micros(gap)

    def breaks(earlier_us, later_us, earlier_ch, later_ch):  # does `later` start a session?
        new = later_us - earlier_us > gap_us
        if split_on_day:
            new |= floor_div(later_us, DAY_US) != floor_div(earlier_us, DAY_US)
        if split_on_channel:
            new |= ~later_ch.identical_to(earlier_ch)
        return new

    ch = e.channel if split_on_channel else None
    prev_us = epoch_micros(e.ts.lag().over(w))
    prev_ch = ch.lag().over(w) if split_on_channel else None
    first = ~same_prev if stream else prev_us.isnull()
    flags = {"_us": here_us, "_new": first | breaks(prev_us, here_us, prev_ch, ch)}
    if stream:
        flags["_cs"] = first
    if last:
        next_us = epoch_micros(e.ts.lead().over(w))
        next_ch = ch.lead().over(w) if split_on_channel else None
        end = ~same_next if stream else next_us.isnull()
        flags["_last"] = end | breaks(here_us, next_us, ch, next_ch)
        flags["_pos"] = ibis.row_number().over(w)
    return e.mutate(**flags)


def _numbers(t: ir.Table, stream: bool, starts_only: bool = False) -> ir.Table:
    """``t`` (with ``_new``) plus ``session_number``: a running count of ``_new``.

    Streamed, the count runs over the whole table (``_gs``, a table-wide session
    number, kept) and each customer's count starts again from its first event (``_cs``).
    With ``starts_only`` every row of ``t`` starts a session, so the count is the row
    number (cheaper than a running sum).
    """
    if not stream:
        cum = ibis.window(group_by=t.customer_id, order_by=[t.ts, t.event_id], rows=(None, 0))
        return t.mutate(session_number=t._new.cast("int64").sum().over(cum))
    cum = ibis.window(rows=(None, 0))
    if starts_only:
        t = t.mutate(_gs=ibis.row_number().over(ibis.window()) + 1)
    else:
        t = t.mutate(_gs=t._new.cast("int64").sum().over(cum))
    base = ibis.cases((t._cs, t._gs), else_=ibis.null("int64")).max().over(cum)
    return t.mutate(session_number=t._gs - base + 1)


def _attribute_columns(events: ir.Table) -> dict[str, ir.Value]:
    """``value, channel, device`` of ``events`` (typed nulls when absent)."""
    return {
        col: events[col] if col in events.columns else ibis.null(typ)
        for col, typ in (("value", "float64"), ("channel", "string"), ("device", "string"))
    }


def _attributes(events: ir.Table) -> ir.Table:
    """``event_id, type, value, channel, device`` of ``events`` (typed nulls when absent)."""
    return events.select(event_id=events.event_id, type=events.type, **_attribute_columns(events))


def _with_id(t: ir.Table) -> ir.Table:
    return t.mutate(session_id=t.customer_id.concat(":", t.session_number.cast("string")))


def sessionize(
    events: ir.Table,
    gap: timedelta = DEFAULT_GAP,
    *,
    split_on_day: bool = False,
    split_on_channel: bool = False,
    conversion_types: Iterable[str] = ("purchase",),
    stages: Mapping[str, str] | None = None,
) -> ir.Table:
    """Return the session table: one row per session, as an Ibis expression.

    Columns: ``customer_id``, ``session_id``, ``session_number``, ``start``, ``end``
    (first and last event time), ``duration_seconds`` (whole seconds), ``n_events``,
    ``entry_type``/``exit_type`` (type of the first/last event), ``entry_stage``/
    ``exit_stage`` (their journey stages), ``channel``/``device`` (of the first event),
    ``converted`` (any event of ``conversion_types``) and ``revenue`` (sum of ``value``
    over those events, 0 when none).

    Parameters
    ----------
    events, gap, split_on_day, split_on_channel
        As in :func:`assign_sessions`.
    conversion_types
        Event types that make a session converted and carry revenue in ``value``.
    stages
        Event type -> stage mapping for the entry and exit stages (default
        :data:`~shoplens.journeys.journey_stages.DEFAULT_STAGE_MAP`).

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> ev = ibis.memtable(pd.DataFrame({"event_id": ["1", "2"], "customer_id": ["u", "u"],
    ...     "ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:05"], utc=True),
    ...     "type": ["search", "view"]}))
    >>> sessionize(ev).select("entry_stage", "exit_stage").execute().iloc[0].tolist()
    ['search', 'browse']
    """
    conv = [conversion_types] if isinstance(conversion_types, str) else list(conversion_types)
    if not conv:
        raise InputError("conversion_types must name at least one event type")
    require_columns(events, _NEEDED + (("channel",) if split_on_channel else ()), "sessionize")
    agg = streamed_or_sorted(
        events,
        stored_plan(events),
        lambda ev, parts: _sessions_streamed(ev, parts, gap, split_on_day, split_on_channel, conv),
        lambda ev: _sessions_sorted(ev, gap, split_on_day, split_on_channel, conv),
    )
    agg = _with_id(agg)
    return agg.mutate(
        duration_seconds=floor_div(agg._span, 1_000_000),
        entry_stage=stage_of(agg.entry_type, stages),
        exit_stage=stage_of(agg.exit_type, stages),
    ).select(
        "customer_id",
        "session_id",
        "session_number",
        "start",
        "end",
        "duration_seconds",
        "n_events",
        "entry_type",
        "exit_type",
        "entry_stage",
        "exit_stage",
        "channel",
        "device",
        "converted",
        "revenue",
    )


def _sessions_sorted(events, gap, split_on_day, split_on_channel, conv):
    """Session rows (before ids and stages) with one sort of each customer's events."""
    # The window pass (the sort, the memory peak) carries only the keys and the time;
    # `value`, `channel` and `device` are attached afterwards to the few rows needing them.
    t = _flagged(events, gap, split_on_day, split_on_channel, last=True, extra=())
    # Only a session's first and last events and its conversions decide its row, so the
    # numbering pass (a running sum of `_new` in position order) and the grouping see
    # just those; the event count comes from the positions.
    t = t.filter(t._new | t._last | t.type.isin(conv))
    attrs = _attributes(events)
    # the conversions' values: a join with the (few) conversion events, built on them
    vals = attrs.filter(attrs.type.isin(conv)).select(_vid=attrs.event_id, _value=attrs.value)
    t = t.left_join(vals, t.event_id == vals._vid).drop("_vid")
    cum = ibis.window(group_by=t.customer_id, order_by=t._pos, rows=(None, 0))
    t = t.mutate(session_number=t._new.cast("int64").sum().over(cum))
    is_conv = t.type.isin(conv)
    # group by the integer number; the string id is built on the (fewer) session rows
    agg = t.group_by(["customer_id", "session_number"]).aggregate(
        start=t.ts.min(),
        end=t.ts.max(),
        _span=t._us.max() - t._us.min(),
        n_events=(t._pos.max() - t._pos.min() + 1).cast("int64"),
        entry_type=t.type.max(where=t._new),
        exit_type=t.type.max(where=t._last),
        _entry=t.event_id.max(where=t._new),
        converted=is_conv.any(),
        revenue=t._value.sum(where=is_conv).fill_null(0.0).cast("float64"),
    )
    # the entry event's channel and device, one join on the event id per session
    first = attrs.select(_eid=attrs.event_id, channel=attrs.channel, device=attrs.device)
    agg = agg.left_join(first, agg._entry == first._eid).drop("_eid", "_entry")
    return agg


def _sessions_streamed(events, parts, gap, split_on_day, split_on_channel, conv):
    """Session rows from events stored in customer and time order: no sort, no big join.

    Each part (:func:`~shoplens.data.layout.stored_parts`, in parallel) is read twice,
    each time as one streamed pass. The first keeps each session's first and last
    events: in that order they are neighbours (the same row for a one-event session),
    so a ``lead`` gives every first event its session's end, exit type and length. The
    second numbers the sessions the same way and keeps the conversions, whose values
    are summed per session (a plain ``SUM``, so exactly as the sorted plan does) and
    joined on ``_k``: the part's number and the session's number in it, in one
    integer. The session rows are sorted by ``_k`` before that join: the sort ends the
    streamed pipelines (which run on one thread each), so DuckDB computes the remaining
    columns and writes the table on every thread. At 10M events this peaks about
    0.5 GiB lower than keeping one pass's rows for both uses and joining first to last
    events, and is about as fast (docs/performance.md, round 5).
    """
    attrs = _attribute_columns(events)  # the stored order replaces event_id: not read
    split = {"channel": attrs["channel"]} if split_on_channel else {}

    def sessions_of(i: int, bounds) -> ir.Table:
        cols = {"channel": attrs["channel"], "device": attrs["device"]}
        t = part_of(events.select("customer_id", "ts", "type", **cols), bounds)
        t = _flagged(t, gap, split_on_day, split_on_channel, last=True, extra=None, stream=True)
        t = t.filter(t._new | t._last)
        t = t.mutate(**{f"_x{c}": t[c].lead().over(ibis.window()) for c in ("ts", "_pos", "type")})
        t = _numbers(t.filter(t._new), stream=True, starts_only=True)

        def last(col):  # the session's last event: this row, or the one after it
            return ibis.cases((t._last, t[col]), else_=t[f"_x{col}"])

        return t.select(
            "customer_id",
            "session_number",
            "channel",
            "device",
            start=t.ts,
            end=last("ts"),
            entry_type=t.type,
            exit_type=last("type"),
            _span=epoch_micros(last("ts")) - t._us,
            n_events=(last("_pos") - t._pos + 1).cast("int64"),
            _k=t._gs + i * _PART_STRIDE,  # part i's sessions: i * stride + 1, 2, ...
        )

    def conversions_of(i: int, bounds) -> ir.Table:
        t = part_of(
            events.select("customer_id", "ts", "type", value=attrs["value"], **split), bounds
        )
        t = _flagged(t, gap, split_on_day, split_on_channel, extra=None, stream=True)
        t = t.filter(t._new | t.type.isin(conv))
        t = t.mutate(_gs=t._new.cast("int64").sum().over(ibis.window(rows=(None, 0))))
        t = t.filter(t.type.isin(conv))
        return t.select(_ck=t._gs + i * _PART_STRIDE, _v=t.value)

    rows = union_parts([sessions_of(i, b) for i, b in enumerate(parts)]).order_by("_k")
    convs = union_parts([conversions_of(i, b) for i, b in enumerate(parts)])
    money = convs.group_by("_ck").aggregate(_rev=convs._v.sum())
    j = rows.left_join(money, rows._k == money._ck)
    return j.select(
        "customer_id",
        "session_number",
        "start",
        "end",
        "entry_type",
        "exit_type",
        "channel",
        "device",
        "_span",
        "n_events",
        converted=j._ck.notnull(),
        revenue=j._rev.fill_null(0.0).cast("float64"),
    )
