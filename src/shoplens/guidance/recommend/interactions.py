"""Implicit feedback from the warehouse: one weighted row per customer and item.

Every event type that says something about taste gets a weight (impression < view <
click_rec < add_to_cart < purchase; remove_from_cart and returns count against). Weights
decay with the event's age (a half-life in days, counted back from ``as_of``). Purchases
come from ``orders`` + ``order_items`` (cancelled orders left out), so each repeat purchase
of a consumable counts again; a customer's returned items are dropped from their rows.
The result is an Ibis expression: it runs on DuckDB and Spark and executes at the edges.

Examples
--------
>>> import shoplens
>>> con = shoplens.connect("duckdb", ":memory:")
>>> interactions(con).columns
('customer_id', 'item_id', 'weight', 'events', 'last_ts')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.errors import InputError

__all__ = ["FeedbackWeights", "interactions", "session_interactions"]


@dataclass(frozen=True)
class FeedbackWeights:
    """Weight of one event of each feedback type (negative ones count against).

    Examples
    --------
    >>> FeedbackWeights().purchase > FeedbackWeights().add_to_cart > FeedbackWeights().view
    True
    >>> FeedbackWeights(view=2.0).as_dict()["view"]
    2.0
    """

    impression: float = 0.05
    view: float = 1.0
    click_rec: float = 2.0
    add_to_cart: float = 3.0
    purchase: float = 5.0
    remove_from_cart: float = -1.5
    returned: float = -5.0

    def as_dict(self) -> dict[str, float]:
        """The weights by type (``returned`` is the weight of a returned order line)."""
        return {k: float(v) for k, v in asdict(self).items()}

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, float] | None) -> FeedbackWeights:
        """Build from a mapping, naming an unknown type in the error."""
        if mapping is None:
            return cls()
        if isinstance(mapping, FeedbackWeights):
            return mapping
        bad = set(mapping) - set(asdict(cls()))
        if bad:
            raise InputError(f"unknown feedback type(s) {sorted(bad)}; use {sorted(asdict(cls()))}")
        return cls(**{k: float(v) for k, v in mapping.items()})


def _ts(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _feedback(
    con: BaseBackend,
    weights: FeedbackWeights,
    start: Any | None,
    end: Any | None,
) -> ir.Table:
    """Every weighted feedback row: customer, item, session key, ts, kind, weight."""
    w = weights.as_dict()
    tables = set(con.list_tables())
    parts = []
    if "events" in tables:
        ev = con.table("events")
        kinds = [k for k in w if k not in ("purchase", "returned")]
        ev = ev.filter(ev.type.isin(kinds), ev.item_id.notnull(), ev.customer_id.notnull())
        weight = ibis.cases(*[(ev.type == k, ibis.literal(w[k])) for k in kinds])
        key = ev.session_id.fill_null("day:" + ev.customer_id + ":" + ev.ts.date().cast("string"))
        parts.append(
            ev.select(
                customer_id=ev.customer_id,
                item_id=ev.item_id,
                key=key,
                ts=ev.ts,
                kind=ev.type,
                weight=weight.cast("float64"),
            )
        )
    if {"orders", "order_items"} <= tables:
        o = con.table("orders")
        o = o.filter(o.customer_id.notnull(), o.status.isnull() | (o.status != "cancelled"))
        li = con.table("order_items")
        j = o.inner_join(li, "order_id")
        back = j.status == "returned"
        qty = j.quantity.fill_null(1.0).cast("float64")
        parts.append(
            j.select(
                customer_id=j.customer_id,
                item_id=j.item_id,
                key="order:" + j.order_id,
                ts=j.ts,
                kind=back.ifelse("returned", "purchase"),
                weight=back.ifelse(w["returned"], w["purchase"]) * qty,
            ).filter(lambda t: t.item_id.notnull())
        )
    if not parts:
        raise InputError("no events or orders in the warehouse: ingest them first")
    out = parts[0] if len(parts) == 1 else parts[0].union(parts[1])
    if start is not None:
        out = out.filter(out.ts >= _ts(start))
    if end is not None:
        out = out.filter(out.ts < _ts(end))
    return out


def _decayed(t: ir.Table, half_life_days: float | None, as_of: Any | None) -> ir.Value:
    if half_life_days is None:
        return t.weight
    if half_life_days <= 0:
        raise InputError(f"half_life_days must be positive, got {half_life_days}")
    if as_of is None:
        raise InputError("a half-life needs as_of (the time the weights are counted back from)")
    now = _ts(as_of).timestamp()
    age_days = (ibis.literal(now) - t.ts.epoch_seconds().cast("float64")) / 86400.0
    return t.weight * ibis.literal(0.5).pow(age_days.clip(lower=0.0) / float(half_life_days))


def interactions(
    con: BaseBackend,
    *,
    weights: FeedbackWeights | Mapping[str, float] | None = None,
    half_life_days: float | None = None,
    start: Any | None = None,
    end: Any | None = None,
    as_of: Any | None = None,
    exclude_returned: bool = True,
) -> ir.Table:
    """Weighted implicit feedback per customer and item, as an Ibis expression.

    Parameters
    ----------
    con
        Warehouse holding ``events`` and/or ``orders`` + ``order_items``.
    weights
        :class:`FeedbackWeights` or a mapping of type to weight (default weights).
    half_life_days
        Halve an event's weight every this many days before ``as_of`` (``None``: no decay).
    start, end
        Keep feedback with ``start <= ts < end`` (UTC; ``None``: unbounded).
    as_of
        Time the decay counts back from (default ``end``).
    exclude_returned
        Drop the (customer, item) pairs with a returned order line.

    Returns
    -------
    ibis.expr.types.Table
        ``customer_id, item_id, weight, events, last_ts``; only pairs with a positive
        total weight.

    Examples
    --------
    >>> import shoplens
    >>> con = shoplens.connect("duckdb", ":memory:")
    >>> interactions(con, half_life_days=30, end="2025-01-01").execute().empty
    True
    """
    w = FeedbackWeights.from_mapping(weights)
    t = _feedback(con, w, start, end)
    t = t.mutate(dw=_decayed(t, half_life_days, as_of if as_of is not None else end))
    g = t.group_by(["customer_id", "item_id"]).aggregate(
        weight=t.dw.sum(),
        events=t.count(),
        last_ts=t.ts.max(),
        returns=(t.kind == "returned").cast("int64").sum(),
    )
    keep = g.weight > 0
    if exclude_returned:
        keep = keep & (g.returns == 0)
    return g.filter(keep).drop("returns")


def session_interactions(
    con: BaseBackend,
    *,
    weights: FeedbackWeights | Mapping[str, float] | None = None,
    start: Any | None = None,
    end: Any | None = None,
) -> ir.Table:
    """Weighted feedback per session (or order, or customer-day) and item.

    The co-visitation model counts items that share one of these keys: a session's
    views and carts, an order's lines, or a customer's day when events carry no session.

    Examples
    --------
    >>> import shoplens
    >>> con = shoplens.connect("duckdb", ":memory:")
    >>> session_interactions(con).columns
    ('key', 'item_id', 'weight')
    """
    t = _feedback(con, FeedbackWeights.from_mapping(weights), start, end)
    t = t.filter(t.weight > 0)
    return t.group_by(["key", "item_id"]).aggregate(weight=t.weight.sum())
