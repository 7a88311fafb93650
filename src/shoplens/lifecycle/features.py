"""Per-customer behaviour features as of a date, from the warehouse.

Every expression only reads rows with ``ts < as_of``, so features computed at a cutoff
never see what happened after it (the churn model's time split relies on this).
Expressions are Ibis; :func:`feature_matrix` executes them at the edge and returns one
numeric row per customer (pandas), ready for scikit-learn or LightGBM.

Cancelled orders are not purchases: :func:`~shoplens.lifecycle.cutoff.purchases`
(the one rule, in :mod:`shoplens.lifecycle.cutoff`) drops them everywhere here.

Examples
--------
>>> import shoplens
>>> con = shoplens.connect("duckdb", ":memory:")
>>> feature_matrix(con, "2024-01-01").empty
True
"""

from __future__ import annotations

from typing import Any

import ibis
import numpy as np
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.errors import InputError
from shoplens.lifecycle.cutoff import NOT_PURCHASED, _lit, purchases, to_timestamp

__all__ = [
    "NOT_PURCHASED",
    "ORDER_FEATURES",
    "category_mix",
    "channel_mix",
    "event_facts",
    "feature_matrix",
    "order_facts",
    "purchases",
    "sentiment_facts",
    "to_timestamp",
]

#: numeric per-customer order facts (see :func:`order_facts`)
ORDER_FEATURES = (
    "n_orders",
    "monetary",
    "avg_order_value",
    "recency_days",
    "tenure_days",
    "orders_90d",
    "spend_90d",
    "return_share",
)
DAY = 86400.0


def _days_between(later: Any, earlier: Any) -> Any:
    return (later.epoch_seconds() - earlier.epoch_seconds()).cast("float64") / DAY


def order_facts(orders: Any, as_of: Any) -> Any:
    """Ibis expression: per-customer order facts before ``as_of``.

    Columns: ``customer_id`` and :data:`ORDER_FEATURES` - orders, total spend, mean
    order value, days since the last and the first order, orders and spend in the last
    90 days, and the share of orders returned.
    """
    end = _lit(as_of)
    t = purchases(orders, as_of)
    recent = t.ts >= end - ibis.interval(days=90)
    total = t.total.fill_null(0.0)
    g = t.group_by("customer_id").aggregate(
        n_orders=t.count(),
        monetary=total.sum(),
        _last=t.ts.max(),
        _first=t.ts.min(),
        orders_90d=recent.ifelse(1, 0).sum(),
        spend_90d=recent.ifelse(total, 0.0).sum(),
        _returned=(t.status.lower() == "returned").fill_null(False).ifelse(1, 0).sum(),
    )
    return g.select(
        "customer_id",
        n_orders=g.n_orders.cast("float64"),
        monetary=g.monetary.cast("float64"),
        avg_order_value=g.monetary.cast("float64") / g.n_orders.cast("float64"),
        recency_days=_days_between(end, g._last),
        tenure_days=_days_between(end, g._first),
        orders_90d=g.orders_90d.cast("float64"),
        spend_90d=g.spend_90d.cast("float64"),
        return_share=g._returned.cast("float64") / g.n_orders.cast("float64"),
    )


def event_facts(events: Any, as_of: Any) -> Any:
    """Ibis expression: per-customer event counts before ``as_of``.

    Columns: ``events``, ``sessions``, ``views``, ``carts``, ``searches``,
    ``events_30d``, ``days_since_event`` and ``cart_rate`` (carts per view).
    """
    end = _lit(as_of)
    e = events.filter(events.customer_id.notnull() & events.ts.notnull() & (events.ts < end))

    def n(kind: str) -> Any:
        return (e.type == kind).fill_null(False).ifelse(1, 0).sum().cast("float64")

    g = e.group_by("customer_id").aggregate(
        events=e.count().cast("float64"),
        sessions=e.session_id.nunique().cast("float64"),
        views=n("view"),
        carts=n("add_to_cart"),
        searches=n("search"),
        events_30d=(e.ts >= end - ibis.interval(days=30)).ifelse(1, 0).sum().cast("float64"),
        _last=e.ts.max(),
    )
    return g.select(
        "customer_id",
        "events",
        "sessions",
        "views",
        "carts",
        "searches",
        "events_30d",
        days_since_event=_days_between(end, g._last),
        cart_rate=g.carts / (g.views + 1.0),
    )


def category_mix(orders: Any, order_items: Any, items: Any, as_of: Any) -> Any:
    """Ibis expression, long form: spend per customer and top-level category before ``as_of``.

    Columns ``customer_id, category, spend, list_spend`` (``list_spend`` at list
    prices, for the discount share).
    """
    o = purchases(orders, as_of).select("order_id", "customer_id")
    li = order_items.select("order_id", "item_id", "quantity", "unit_price")
    it = items.select("item_id", "category", "price")
    j = o.join(li, "order_id").join(it, "item_id", how="left")
    top = j.category.split(" > ")[0].fill_null("other")
    qty = j.quantity.fill_null(1.0)
    paid = qty * j.unit_price.fill_null(0.0)
    listed = qty * j.price.fill_null(j.unit_price).fill_null(0.0)
    j = j.mutate(_cat=top, _paid=paid, _list=listed)
    return j.group_by(["customer_id", j._cat.name("category")]).aggregate(
        spend=j._paid.sum().cast("float64"), list_spend=j._list.sum().cast("float64")
    )


def channel_mix(events: Any, as_of: Any) -> Any:
    """Ibis expression, long form: events per customer and channel before ``as_of``."""
    e = events.filter(events.customer_id.notnull() & (events.ts < _lit(as_of)))
    e = e.mutate(channel=e.channel.fill_null("unknown"))
    return e.group_by(["customer_id", "channel"]).aggregate(n=e.count().cast("float64"))


#: canonical text tables scored into ``insight_texts`` and the key its ``text_id`` holds
TEXT_SOURCES = {"reviews": "review_id", "messages": "message_id"}


def sentiment_facts(con: BaseBackend, as_of: Any) -> Any | None:
    """Ibis expression of mean text sentiment per customer before ``as_of``, or ``None``.

    Every scored review and every customer-written chat message (``role = 'customer'``)
    in ``insight_texts`` counts ``p_pos - p_neg`` (from -1 to 1); its customer and time
    come from the ``reviews`` / ``messages`` row that ``text_id`` names. ``None`` when
    nothing has been scored yet.

    Examples
    --------
    >>> from shoplens.warehouse import connect
    >>> sentiment_facts(connect("duckdb", ":memory:"), "2024-01-01") is None
    True
    """
    tables = set(con.list_tables())
    if "insight_texts" not in tables:
        return None
    t = con.table("insight_texts")
    if not {"text_id", "source", "p_pos", "p_neg"} <= set(t.columns):
        return None
    scored = t.select("text_id", "source", score=(t.p_pos - t.p_neg).cast("float64"))
    parts = []
    for source, key in TEXT_SOURCES.items():
        if source not in tables:
            continue
        src = con.table(source)
        if source == "messages":
            src = src.filter(src.role == "customer")
        src = src.filter(src.ts < _lit(as_of), src.customer_id.notnull())
        src = src.select("customer_id", text_id=src[key].cast("string"))
        mine = scored.filter(scored.source == source).drop("source")
        parts.append(src.inner_join(mine, "text_id").select("customer_id", "score"))
    if not parts:
        return None
    u = ibis.union(*parts, distinct=False)
    return u.group_by("customer_id").aggregate(sentiment=u.score.mean())


def _wide(long: pd.DataFrame, key: str, value: str, prefix: str) -> pd.DataFrame:
    if long.empty:
        return pd.DataFrame()
    wide = long.pivot_table(index="customer_id", columns=key, values=value, aggfunc="sum")
    wide = wide.fillna(0.0)
    share = wide.div(wide.sum(axis=1).replace(0.0, np.nan), axis=0).fillna(0.0)
    share.columns = [f"{prefix}{c}" for c in share.columns]
    return share


def feature_matrix(
    con: BaseBackend,
    as_of: Any,
    *,
    customers: str = "buyers_and_visitors",
    mix: bool = True,
) -> pd.DataFrame:
    """Execute the feature expressions and return one numeric row per customer.

    Parameters
    ----------
    con
        The warehouse (``orders``, ``order_items``, ``items``, ``events``).
    as_of
        Cutoff: only rows with ``ts < as_of`` are read.
    customers
        ``"buyers"`` (customers with a purchase before ``as_of``) or
        ``"buyers_and_visitors"`` (also customers seen only in events).
    mix
        Add category spend shares (``cat_*``), channel shares (``ch_*``) and
        ``discount_share``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted), float columns, no missing values;
        ``has_sentiment`` and ``sentiment`` appear when ``insight_texts`` has them.
    """
    if customers not in ("buyers", "buyers_and_visitors"):
        raise InputError("customers must be 'buyers' or 'buyers_and_visitors'")
    tables = set(con.list_tables())
    if "orders" not in tables:
        raise InputError("the warehouse has no orders table; ingest orders first")
    of = order_facts(con.table("orders"), as_of).execute().set_index("customer_id")
    parts = [of]
    if "events" in tables:
        parts.append(event_facts(con.table("events"), as_of).execute().set_index("customer_id"))
    if mix and {"order_items", "items"} <= tables:
        cm = category_mix(
            con.table("orders"), con.table("order_items"), con.table("items"), as_of
        ).execute()
        parts.append(_wide(cm, "category", "spend", "cat_"))
        if not cm.empty:
            tot = cm.groupby("customer_id")[["spend", "list_spend"]].sum()
            disc = 1.0 - tot["spend"] / tot["list_spend"].where(tot["list_spend"] > 0)
            parts.append(disc.clip(lower=-1.0, upper=1.0).rename("discount_share").to_frame())
    if mix and "events" in tables:
        parts.append(
            _wide(channel_mix(con.table("events"), as_of).execute(), "channel", "n", "ch_")
        )
    sent = sentiment_facts(con, as_of)
    if sent is not None:
        s = sent.execute().set_index("customer_id")
        s["has_sentiment"] = 1.0
        parts.append(s)
    parts = [p for p in parts if not p.empty or len(p.columns)]
    out = pd.concat(parts, axis=1, join="outer") if parts else of
    if customers == "buyers":
        out = out.loc[out.index.isin(of.index)]
    out.index = out.index.astype(str)
    out.index.name = "customer_id"
    out = out.astype(float)
    fill = {"recency_days": np.nan, "tenure_days": np.nan, "days_since_event": np.nan}
    for col, _ in fill.items():
        if col in out:
            # never seen: as far away as the longest history in the data
            out[col] = out[col].fillna(out[col].max() if out[col].notna().any() else 0.0)
    return out.fillna(0.0).sort_index()
