"""Paths through the shop: top paths, next/previous steps, Sankey edges and drop-offs.

Definitions (the same on every engine, checked against a pandas reference):

* Events are split into sessions with :func:`~shoplens.journeys.sessions.assign_sessions`
  and ordered by ``(ts, event_id)``. A **step** is the event type (``level="type"``) or its
  journey stage (``level="stage"``, see :mod:`shoplens.journeys.journey_stages`). Consecutive
  equal steps of a session are collapsed into one (``view, view, add_to_cart`` is the path
  ``view > add_to_cart``), and steps are numbered by ``depth`` 1, 2, ... per session.
* A path starts at the session's first step, or at the first occurrence of ``start``; or
  it ends at the first occurrence of ``end`` (the ``depth`` steps before it, ``end``
  included). Paths are capped at ``depth`` steps.
* A **drop-off** is a unit (session or customer) without a conversion event; its exit
  step is its last step. Lost revenue is estimated as ``units lost x average revenue of a
  converting unit`` (revenue = sum of ``value`` over the conversion events).

Examples
--------
>>> import ibis, pandas as pd
>>> ev = ibis.memtable(pd.DataFrame({"event_id": list("abcd"), "customer_id": list("uuuv"),
...     "ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:01", "2024-01-01 10:02",
...                           "2024-01-01 10:00"], utc=True),
...     "type": ["view", "view", "add_to_cart", "view"]}))
>>> top_paths(ev).execute()[["path", "sessions"]]
                 path  sessions
0                view         1
1  view > add_to_cart         1
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

import ibis
import ibis.expr.types as ir

from shoplens.errors import InputError
from shoplens.journeys.journey_stages import stage_of
from shoplens.journeys.sessions import DEFAULT_GAP, assign_sessions, require_columns

LEVELS = ("type", "stage")
SEP = " > "
EXIT = "(exit)"
ENTRY = "(entry)"


def path_steps(
    events: ir.Table,
    *,
    level: str = "type",
    stages: Mapping[str, str] | None = None,
    gap: timedelta = DEFAULT_GAP,
) -> ir.Table:
    """Return the collapsed steps of every session, one row per step.

    Columns: ``customer_id``, ``session_id``, ``depth`` (1-based), ``step``, ``ts`` and
    ``event_id`` (of the first event of a run of equal steps).

    Parameters
    ----------
    events
        The canonical events table.
    level
        ``"type"`` (event types) or ``"stage"`` (journey stages).
    stages
        Event type -> stage mapping when ``level="stage"``.
    gap
        Session inactivity gap.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> ev = ibis.memtable(pd.DataFrame({"event_id": ["a", "b"], "customer_id": ["u", "u"],
    ...     "ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:01"], utc=True),
    ...     "type": ["view", "search"]}))
    >>> path_steps(ev, level="stage").step.to_list()
    ['browse', 'search']
    """
    require_columns(events, ("event_id", "customer_id", "ts", "type"), "paths")
    if level not in LEVELS:
        raise InputError(f"paths use level 'type' or 'stage', not {level!r}")
    s = assign_sessions(events, gap)
    label = s.type.fill_null("(none)") if level == "type" else stage_of(s.type, stages)
    s = s.select("customer_id", "session_id", "ts", "event_id", step=label)
    w = ibis.window(group_by=s.session_id, order_by=[s.ts, s.event_id])
    s = s.mutate(_prev=s.step.lag().over(w))
    s = s.filter(s._prev.isnull() | (s._prev != s.step)).drop("_prev")
    w = ibis.window(group_by=s.session_id, order_by=[s.ts, s.event_id])
    return s.mutate(depth=(ibis.row_number().over(w) + 1).cast("int64"))


def _check_depth(depth: int) -> int:
    if not isinstance(depth, int) or isinstance(depth, bool) or not 1 <= depth <= 50:
        raise InputError(f"depth must be a whole number from 1 to 50, got {depth!r}")
    return depth


def _trimmed(steps: ir.Table, start: str | None, end: str | None, depth: int) -> ir.Table:
    """Steps of each session's path, re-numbered ``rel`` 1..depth."""
    if start is not None and end is not None:
        raise InputError("give a start step or an end step, not both")
    if start is None and end is None:
        return steps.filter(steps.depth <= depth).mutate(rel=steps.depth)
    anchor = start if start is not None else end
    hit = steps.filter(steps.step == anchor)
    first = hit.group_by(_sid=hit.session_id).aggregate(_d=hit.depth.min())
    j = steps.inner_join(first, steps.session_id == first._sid)
    if start is not None:
        j = j.filter((j.depth >= j._d) & (j.depth < j._d + depth))
        return j.mutate(rel=j.depth - j._d + 1).drop("_sid", "_d")
    length = ibis.least(j._d, depth)
    j = j.filter((j.depth <= j._d) & (j.depth > j._d - length))
    return j.mutate(rel=j.depth - j._d + length).drop("_sid", "_d")


def top_paths(
    events: ir.Table,
    *,
    start: str | None = None,
    end: str | None = None,
    depth: int = 5,
    n: int = 10,
    level: str = "type",
    stages: Mapping[str, str] | None = None,
    gap: timedelta = DEFAULT_GAP,
) -> ir.Table:
    """Return the ``n`` most frequent session paths.

    Columns: ``path`` (steps joined by ``" > "``), ``length`` (steps), ``sessions``,
    ``customers`` (distinct) and ``share`` (of the sessions that have a path), ordered by
    sessions (descending) then path.

    Parameters
    ----------
    events
        The canonical events table.
    start, end
        Paths from the first occurrence of ``start``, or up to the first occurrence of
        ``end`` (sessions without it are left out); at most one of them.
    depth
        Maximum number of steps of a path.
    n
        Number of paths returned.
    level, stages, gap
        As in :func:`path_steps`.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> ev = ibis.memtable(pd.DataFrame({"event_id": ["a", "b"], "customer_id": ["u", "u"],
    ...     "ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:01"], utc=True),
    ...     "type": ["view", "purchase"]}))
    >>> top_paths(ev, end="purchase").path.to_list()
    ['view > purchase']
    """
    depth = _check_depth(depth)
    if not isinstance(n, int) or n < 1:
        raise InputError(f"n must be a positive whole number, got {n!r}")
    t = _trimmed(path_steps(events, level=level, stages=stages, gap=gap), start, end, depth)
    per = t.group_by(["customer_id", "session_id"]).aggregate(
        length=t.rel.max(),
        **{f"_s{k}": t.step.max(where=t.rel == k) for k in range(1, depth + 1)},
    )
    path = per._s1
    for k in range(2, depth + 1):
        col = per[f"_s{k}"]
        path = path.concat(ibis.cases((col.notnull(), ibis.literal(SEP).concat(col)), else_=""))
    per = per.mutate(path=path)
    total = per.count()
    agg = per.group_by("path").aggregate(
        length=per.length.max().cast("int64"),
        sessions=per.count(),
        customers=per.customer_id.nunique(),
    )
    agg = agg.mutate(share=agg.sessions.cast("float64") / total.as_scalar())
    return agg.order_by([agg.sessions.desc(), agg.path]).limit(n)


def next_steps(
    events: ir.Table,
    step: str,
    *,
    direction: str = "next",
    level: str = "type",
    stages: Mapping[str, str] | None = None,
    gap: timedelta = DEFAULT_GAP,
) -> ir.Table:
    """Return what comes right after (or before) ``step``, counted over its occurrences.

    Every occurrence of ``step`` in the collapsed session paths counts once. The next
    step of an occurrence that ends its session is ``"(exit)"``; the previous step of one
    that starts it is ``"(entry)"``. Columns: ``next_step`` (or ``previous_step``),
    ``occurrences``, ``sessions`` (distinct) and ``share`` (of all occurrences), ordered by
    occurrences (descending) then step.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> ev = ibis.memtable(pd.DataFrame({"event_id": ["a", "b"], "customer_id": ["u", "u"],
    ...     "ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:01"], utc=True),
    ...     "type": ["view", "purchase"]}))
    >>> next_steps(ev, "view").next_step.to_list()
    ['purchase']
    >>> next_steps(ev, "view", direction="previous").previous_step.to_list()
    ['(entry)']
    """
    if direction not in ("next", "previous"):
        raise InputError(f"direction must be 'next' or 'previous', not {direction!r}")
    if not isinstance(step, str) or not step:
        raise InputError("step must be a non-empty event type or stage")
    s = path_steps(events, level=level, stages=stages, gap=gap)
    w = ibis.window(group_by=s.session_id, order_by=s.depth)
    if direction == "next":
        name, other = "next_step", s.step.lead().over(w).fill_null(EXIT)
    else:
        name, other = "previous_step", s.step.lag().over(w).fill_null(ENTRY)
    s = s.mutate(**{name: other})
    s = s.filter(s.step == step)
    total = s.count()
    agg = s.group_by(name).aggregate(occurrences=s.count(), sessions=s.session_id.nunique())
    agg = agg.mutate(share=agg.occurrences.cast("float64") / total.as_scalar())
    return agg.order_by([agg.occurrences.desc(), agg[name]])


def path_edges(
    events: ir.Table,
    *,
    start: str | None = None,
    depth: int = 5,
    exits: bool = False,
    level: str = "type",
    stages: Mapping[str, str] | None = None,
    gap: timedelta = DEFAULT_GAP,
) -> ir.Table:
    """Return Sankey-ready edges ``source@depth -> target@depth+1`` with session counts.

    Paths start at the session's first step (or at the first ``start``) and are capped at
    ``depth`` steps. With ``exits``, a session that ends before ``depth`` adds an edge to
    ``"(exit)"``. Columns: ``source``, ``source_depth``, ``target``, ``target_depth``,
    ``sessions``, ordered by source depth, sessions (descending), source and target.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> ev = ibis.memtable(pd.DataFrame({"event_id": ["a", "b"], "customer_id": ["u", "u"],
    ...     "ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:01"], utc=True),
    ...     "type": ["view", "purchase"]}))
    >>> path_edges(ev, exits=True).execute()[["source", "target", "sessions"]]
         source    target  sessions
    0      view  purchase         1
    1  purchase    (exit)         1
    """
    depth = _check_depth(depth)
    t = _trimmed(path_steps(events, level=level, stages=stages, gap=gap), start, None, depth)
    w = ibis.window(group_by=t.session_id, order_by=t.rel)
    t = t.mutate(target=t.step.lead().over(w))
    if exits:
        t = t.mutate(target=ibis.cases((t.rel < depth, t.target.fill_null(EXIT)), else_=t.target))
    t = t.filter(t.target.notnull())
    agg = t.group_by(source=t.step, source_depth=t.rel, target=t.target).aggregate(
        sessions=t.count()
    )
    agg = agg.mutate(target_depth=agg.source_depth + 1).select(
        "source", "source_depth", "target", "target_depth", "sessions"
    )
    return agg.order_by([agg.source_depth, agg.sessions.desc(), agg.source, agg.target])


def drop_offs(
    events: ir.Table,
    *,
    by: str = "session",
    rank_by: str = "customers",
    conversion_types: Iterable[str] = ("purchase",),
    level: str = "type",
    stages: Mapping[str, str] | None = None,
    gap: timedelta = DEFAULT_GAP,
) -> ir.Table:
    """Return the exit steps of units that did not convert, ranked by what they cost.

    A unit (``by="session"`` or ``"customer"``) converts when it has an event of
    ``conversion_types``; its revenue is the sum of ``value`` over those events. Each
    unit that did not convert is lost at its last step. Columns: ``exit_step``,
    ``units_lost``, ``customers_lost`` (distinct customers among them), ``share`` (of the
    lost units), ``avg_converting_value`` (mean revenue of a converting unit, 0 when none
    converted), ``revenue_lost`` (``units_lost * avg_converting_value``) and ``rank``
    (1 = costliest; by ``customers_lost`` or ``revenue_lost``, ties by the other, then
    by step name).

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> ev = ibis.memtable(pd.DataFrame({"event_id": list("abc"), "customer_id": list("uuv"),
    ...     "ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:01",
    ...                           "2024-01-01 10:00"], utc=True),
    ...     "type": ["view", "purchase", "view"], "value": [None, 40.0, None]}))
    >>> drop_offs(ev).execute()[["exit_step", "units_lost", "revenue_lost"]]
      exit_step  units_lost  revenue_lost
    0      view           1          40.0
    """
    if by not in ("session", "customer"):
        raise InputError(f"drop-offs count by 'session' or 'customer', not {by!r}")
    if rank_by not in ("customers", "revenue"):
        raise InputError(f"rank_by must be 'customers' or 'revenue', not {rank_by!r}")
    conv = [conversion_types] if isinstance(conversion_types, str) else list(conversion_types)
    if not conv:
        raise InputError("conversion_types must name at least one event type")
    unit = "session_id" if by == "session" else "customer_id"
    steps = path_steps(events, level=level, stages=stages, gap=gap)
    w = ibis.window(group_by=steps[unit], order_by=[steps.ts.desc(), steps.event_id.desc()])
    last = steps.filter(ibis.row_number().over(w) == 0).select(
        _u=steps[unit], exit_step=steps.step, customer_id=steps.customer_id
    )
    ev = events if "value" in events.columns else events.mutate(value=ibis.null("float64"))
    ev = assign_sessions(ev, gap) if by == "session" else ev
    is_conv = ev.type.isin(conv)
    units = ev.group_by(_u=ev[unit]).aggregate(
        _conv=is_conv.cast("int64").max(),
        _rev=ev.value.sum(where=is_conv).fill_null(0.0).cast("float64"),
    )
    avg = units.filter(units._conv == 1)._rev.mean().fill_null(0.0)
    lost = last.inner_join(units.filter(units._conv == 0), "_u")
    n_lost = lost.count()
    agg = lost.group_by("exit_step").aggregate(
        units_lost=lost.count(), customers_lost=lost.customer_id.nunique()
    )
    agg = agg.mutate(
        share=agg.units_lost.cast("float64") / n_lost.as_scalar(),
        avg_converting_value=avg.as_scalar(),
    )
    agg = agg.mutate(revenue_lost=agg.units_lost.cast("float64") * agg.avg_converting_value)
    keys = (
        [agg.customers_lost.desc(), agg.revenue_lost.desc()]
        if rank_by == "customers"
        else [agg.revenue_lost.desc(), agg.customers_lost.desc()]
    )
    order = [*keys, agg.exit_step]
    agg = agg.mutate(rank=(ibis.row_number().over(ibis.window(order_by=order)) + 1).cast("int64"))
    return agg.order_by("rank")
