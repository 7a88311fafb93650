"""The per-mode attempt builders of :mod:`shoplens.journeys.funnels`.

Each builder takes the prepared events ``e``, the steps, the funnel window (integer
microseconds), the unit column, the breakdown columns to keep and ``plan`` (when ``e``
is stored in unit and time order, how to stream it without sorting:
:func:`shoplens.data.layout.stored_plan`), and returns one row
per **attempt** with ``_u`` (unit), ``_start``, ``_seq`` (position of the first event, for
ties), ``_deadline`` (microseconds of ``_start + window``), the kept columns, and for
every step ``k`` the flag ``_ok<k>`` (reached) and time ``_t<k>`` (``ordered`` and
``strict`` also ``_u<k>``, its microseconds, for per-step windows). Time arithmetic is on
integer microseconds (:mod:`shoplens.journeys.clock`). The semantics are documented in
:mod:`shoplens.journeys.funnels` and docs/journeys.md.

Examples
--------
>>> sorted(BUILDERS)
['any', 'ordered', 'strict']
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from shoplens.data.layout import part_of, streamed_or_sorted, union_parts
from shoplens.errors import InputError
from shoplens.journeys.clock import epoch_micros, micros


def _matches(t: ir.Table, step) -> ir.BooleanValue:
    """Whether each event of ``t`` matches ``step`` (a :class:`~shoplens.journeys.funnels.Step`)."""
    cond = t.type == step.type
    for col, want in (step.where or {}).items():
        if col not in t.columns:
            raise InputError(f"step {step.label!r} filters on unknown column {col!r}")
        if want is None:
            cond &= t[col].isnull()
        elif isinstance(want, list | tuple | set | frozenset):
            cond &= t[col].isin(list(want))
        else:
            cond &= t[col] == want
    return cond.fill_null(False)


def _windows(rel, unit, stream):
    """The running window and the position window of each unit's events.

    With ``stream`` the rows are read in their stored order (units one after another,
    by ``(ts, event_id)``), so both run over the whole table (part) without a sort:
    counts and positions are then part-wide, which is all the builders need (they compare
    them only within a unit, and a unit's rows are consecutive, all in one part).
    """
    if stream:
        return ibis.window(rows=(None, 0)), ibis.window()
    order = [rel.ts, rel.event_id]
    return (
        ibis.window(group_by=rel[unit], order_by=order, rows=(None, 0)),
        ibis.window(group_by=rel[unit], order_by=order),
    )


def _per_part(scan, e, plan):
    """``scan(e, False)``, or the union of ``scan(part, True)`` over the stored parts.

    With a stored tail, its customers are scanned sorted
    (:func:`shoplens.data.layout.streamed_or_sorted`).
    """
    return streamed_or_sorted(
        e,
        plan,
        lambda ev, parts: union_parts([scan(part_of(ev, bounds), True) for bounds in parts]),
        lambda ev: scan(ev, False),
    )


def _ordered(e, steps, win, unit, keep, plan=None):
    """Greedy ordered chains with one window pass and one equi-join per step.

    Only events matching some step are kept. One window pass numbers them (``_pos``)
    and counts, for each step ``k >= 2``, the step-``k`` events up to and including the
    row (``_c<k>``, a running count). The first step-``k`` event after a row is then the
    step-``k`` event of the same unit whose own count is the row's count + 1: an
    equality join, where the former plan needed a "min over all following rows" window
    per step and time.
    """
    n = len(steps)

    def scan(ev, stream):
        flags = {f"_m{k}": _matches(ev, s) for k, s in enumerate(steps, 1)}
        rel = ev.mutate(**flags)
        rel = rel.filter(ibis.or_(*[rel[f] for f in flags]))
        rel = rel.mutate(_us=epoch_micros(rel.ts))
        upto, every = _windows(rel, unit, stream)
        counts = {f"_c{k}": rel[f"_m{k}"].cast("int64").sum().over(upto) for k in range(2, n + 1)}
        return rel.select(
            rel[unit],
            rel.ts,
            rel._us,
            *[rel[c] for c in keep],
            *[rel[f] for f in flags],
            _pos=ibis.row_number().over(every),
            **counts,
        )

    rel = _per_part(scan, e, plan)
    a = rel.filter(rel._m1).select(
        _u=rel[unit],
        _start=rel.ts,
        _seq=rel._pos,
        **{c: rel[c] for c in keep},
        _t1=rel.ts,
        _u1=rel._us,
        _ok1=ibis.literal(True),
        _deadline=rel._us + win,  # integer microseconds: no time-zone arithmetic
        _next=rel._c2 + 1 if n > 1 else ibis.literal(0, "int64"),
    )
    for k in range(2, n + 1):
        m = rel.filter(rel[f"_m{k}"])
        look = m.select(
            _lu=m[unit],
            _lc=m[f"_c{k}"],
            _lt=m.ts,
            _lus=m._us,
            _ln=m[f"_c{k + 1}"] + 1 if k < n else ibis.literal(0, "int64"),
        )
        j = a.left_join(look, [a._u == look._lu, a._next == look._lc])
        j = j.mutate(_next=j._ln).drop("_lu", "_lc", "_ln")
        a = _advance(j, k, steps[k - 1], j._lt, j._lus).drop("_lt", "_lus")
    return a.drop("_next")


def _advance(a, k, step, t_k, us_k):
    """Step ``k`` at time ``t_k`` (``us_k`` in microseconds), if in time.

    ``a`` carries ``_deadline`` and ``_u<k-1>`` (microseconds of the previous step).
    """
    ok = a[f"_ok{k - 1}"] & us_k.notnull() & (us_k <= a._deadline)
    if step.within is not None:
        ok &= us_k <= a[f"_u{k - 1}"] + micros(step.within)
    ok = ok.fill_null(False)
    return a.mutate(
        **{
            f"_ok{k}": ok,
            f"_t{k}": ibis.cases((ok, t_k), else_=ibis.null(t_k.type())),
            f"_u{k}": ibis.cases((ok, us_k), else_=ibis.null("int64")),
        }
    )


def _strict(e, steps, win, unit, keep, plan=None):
    n = len(steps)

    def scan(ev, stream):
        ev = ev.mutate(_us=epoch_micros(ev.ts))
        _, w = _windows(ev, unit, stream)
        cols = {"_m1": _matches(ev, steps[0]), "_seq": ibis.row_number().over(w)}
        for k in range(2, n + 1):
            lead_m = _matches(ev, steps[k - 1]).lead(k - 1).over(w)
            if stream:  # the row k-1 ahead in the table must be the same unit's
                lead_m &= ev[unit].lead(k - 1).over(w) == ev[unit]
            cols[f"_lm{k}"] = lead_m.fill_null(False)
            cols[f"_lt{k}"] = ev.ts.lead(k - 1).over(w)
            cols[f"_lu{k}"] = ev._us.lead(k - 1).over(w)
        return ev.mutate(**cols)

    rel = _per_part(scan, e, plan)
    a = rel.filter(rel._m1)
    a = a.select(
        _u=a[unit],
        _start=a.ts,
        _seq=a._seq,
        **{c: a[c] for c in keep},
        _t1=a.ts,
        _u1=a._us,
        _ok1=ibis.literal(True),
        _deadline=a._us + win,
        **{c: a[c] for c in a.columns if c[:3] in ("_lm", "_lt", "_lu")},
    )
    for k in range(2, n + 1):
        hit = a[f"_lm{k}"]
        t_k = ibis.cases((hit, a[f"_lt{k}"]), else_=ibis.null(a._t1.type()))
        us_k = ibis.cases((hit, a[f"_lu{k}"]), else_=ibis.null("int64"))
        a = _advance(a, k, steps[k - 1], t_k, us_k)
    return a


def _any(e, steps, win, unit, keep, plan=None):  # `plan` unused: always sorts
    n = len(steps)
    flags = {f"_m{k}": _matches(e, s) for k, s in enumerate(steps, 1)}
    rel = e.mutate(**flags)
    rel = rel.filter(ibis.or_(*[rel[f] for f in flags]))
    rel = rel.mutate(
        _sec=epoch_micros(rel.ts),
        _seq=ibis.row_number().over(
            ibis.window(group_by=rel[unit], order_by=[rel.ts, rel.event_id])
        ),
    )
    ahead = ibis.window(group_by=rel[unit], order_by=rel._sec, range=(0, win))
    first = {
        f"_f{k}": ibis.cases((rel[f], rel.ts), else_=ibis.null(rel.ts.type())).min().over(ahead)
        for k, f in enumerate(flags, 1)
    }
    rel = rel.mutate(**first)
    a = rel.select(
        _u=rel[unit],
        _start=rel.ts,
        _seq=rel._seq,
        _deadline=rel._sec + win,
        **{c: rel[c] for c in keep},
        **{c: rel[c] for c in first},
    )
    ok, reached = ibis.literal(True), None
    out = {}
    for k in range(1, n + 1):
        ok = ok & a[f"_f{k}"].notnull()
        reached = a[f"_f{k}"] if reached is None else ibis.greatest(reached, a[f"_f{k}"])
        out[f"_ok{k}"] = ok
        out[f"_t{k}"] = ibis.cases((ok, reached), else_=ibis.null(a._start.type()))
    return a.mutate(**out)


BUILDERS = {"ordered": _ordered, "strict": _strict, "any": _any}
