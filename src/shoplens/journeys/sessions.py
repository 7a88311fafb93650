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

from shoplens.errors import InputError
from shoplens.journeys.stages import stage_of

DEFAULT_GAP = timedelta(minutes=30)
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
    micros = delta // timedelta(microseconds=1)
    if micros % 1_000_000 == 0:
        return ibis.interval(seconds=micros // 1_000_000)
    return ibis.interval(microseconds=micros)


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
    return _numbered(events, gap, split_on_day, split_on_channel).drop("_new", "_last")


def _breaks(earlier, later, step, split_on_day, split_on_channel):
    """Whether the event ``later`` (columns ts, channel) starts a session after ``earlier``."""
    new = later[0] > earlier[0] + step
    if split_on_day:
        new = new | (later[0].date() != earlier[0].date())
    if split_on_channel:
        new = new | ~later[1].identical_to(earlier[1])
    return new


def _numbered(events, gap, split_on_day, split_on_channel):
    """Add ``_new``/``_last`` flags (one window pass) and the session number/id."""
    step = interval(gap)
    w = ibis.window(group_by=events.customer_id, order_by=[events.ts, events.event_id])
    chan = events.channel if split_on_channel else None
    here = (events.ts, chan)
    prev = (events.ts.lag().over(w), chan.lag().over(w) if split_on_channel else None)
    nxt = (events.ts.lead().over(w), chan.lead().over(w) if split_on_channel else None)
    new = prev[0].isnull() | _breaks(prev, here, step, split_on_day, split_on_channel)
    last = nxt[0].isnull() | _breaks(here, nxt, step, split_on_day, split_on_channel)
    flagged = events.mutate(_new=new.cast("int64"), _last=last.cast("int64"))
    cum = ibis.window(
        group_by=flagged.customer_id, order_by=[flagged.ts, flagged.event_id], rows=(None, 0)
    )
    numbered = flagged.mutate(session_number=flagged._new.sum().over(cum))
    return numbered.mutate(
        session_id=numbered.customer_id.concat(":", numbered.session_number.cast("string"))
    )


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
        :data:`~shoplens.journeys.stages.DEFAULT_STAGE_MAP`).

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
    t = _numbered(events, gap, split_on_day, split_on_channel)
    for col in ("value", "channel", "device"):
        if col not in t.columns:
            t = t.mutate(**{col: ibis.null("float64" if col == "value" else "string")})
    is_conv = t.type.isin(conv)
    agg = t.group_by(["customer_id", "session_id"]).aggregate(
        session_number=t.session_number.max(),
        start=t.ts.min(),
        end=t.ts.max(),
        n_events=t.count(),
        entry_type=t.type.max(where=t._new == 1),
        exit_type=t.type.max(where=t._last == 1),
        channel=t.channel.max(where=t._new == 1),
        device=t.device.max(where=t._new == 1),
        converted=is_conv.cast("int64").max() == 1,
        revenue=t.value.sum(where=is_conv).fill_null(0.0).cast("float64"),
    )
    return agg.mutate(
        duration_seconds=(agg.end.epoch_seconds() - agg.start.epoch_seconds()).cast("int64"),
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
