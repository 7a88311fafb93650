"""Per-customer features for uplift models, computed in the warehouse with Ibis.

Orders give count, spend, average order value, days since the last order and tenure;
order lines give the average unit price (price sensitivity); events give activity and
cart rates over the last 30 days; the latest ``lifecycle_customers`` run adds CLV, churn
probability and P(alive) when it exists.

Examples
--------
>>> import shoplens
>>> customer_features(shoplens.connect("duckdb", ":memory:"), as_of="2025-01-01").empty
True
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.guidance.campaigns.audiences.compile import _lit, _ts, default_as_of

__all__ = ["FEATURES", "customer_features", "features_expr"]

FEATURES = ("orders", "spend", "aov", "days_since_order", "tenure_days", "avg_unit_price",
            "events_30d", "carts_30d", "cart_rate_30d", "clv", "churn_probability",
            "p_alive")  # fmt: skip


def features_expr(con: BaseBackend, as_of: Any) -> ir.Table:
    """Ibis expression: one row per customer (in customers, or with an order or event)."""
    at = _lit(_ts(as_of))
    tables = set(con.list_tables())
    o = con.table("orders")
    o = o.filter(o.ts < at, o.customer_id.notnull())
    day = 86400.0
    per = o.group_by("customer_id").agg(
        orders=o.count(),
        spend=o.total.sum(),
        last_order=o.ts.max(),
        first_order=o.ts.min(),
    )
    per = per.mutate(
        aov=per.spend / per.orders,
        days_since_order=(at.epoch_seconds() - per.last_order.epoch_seconds()) / day,
        tenure_days=(at.epoch_seconds() - per.first_order.epoch_seconds()) / day,
    ).drop("last_order", "first_order")
    li = con.table("order_items").join(o.select("order_id", "customer_id"), "order_id")
    price = li.group_by("customer_id").agg(avg_unit_price=li.unit_price.mean())
    e = con.table("events")
    e = e.filter(e.ts < at, e.ts >= at - ibis.interval(days=30), e.customer_id.notnull())
    act = e.group_by("customer_id").agg(
        events_30d=e.count(),
        carts_30d=(e.type == "add_to_cart").sum(),
        views_30d=(e.type == "view").sum(),
    )
    sources = [per.select("customer_id"), act.select("customer_id")]
    if "customers" in tables:
        sources.append(con.table("customers").select("customer_id"))
    ids = ibis.union(*sources, distinct=True)
    out = ids.left_join(per, "customer_id").drop("customer_id_right")
    out = out.left_join(price, "customer_id").drop("customer_id_right")
    out = out.left_join(act, "customer_id").drop("customer_id_right")
    out = out.mutate(
        cart_rate_30d=ibis.ifelse(out.views_30d > 0, out.carts_30d / out.views_30d, 0.0)
    ).drop("views_30d")
    if "lifecycle_customers" in tables:
        lc = con.table("lifecycle_customers")
        lc = lc.filter(lc.run_date == lc.run_date.max())
        lc = lc.select("customer_id", "clv", "churn_probability", "p_alive")
        out = out.left_join(lc, "customer_id").drop("customer_id_right")
    else:
        out = out.mutate(clv=ibis.null("float64"), churn_probability=ibis.null("float64"),
                         p_alive=ibis.null("float64"))  # fmt: skip
    return out


def customer_features(con: BaseBackend, as_of: Any = None) -> pd.DataFrame:
    """The features as a pandas frame indexed by ``customer_id``.

    Missing counts are 0; a customer with no order gets the buyers' mean ``aov`` and
    ``avg_unit_price`` (the best guess of what their first order is worth).
    """
    at = default_as_of(con) if as_of is None else as_of
    f = features_expr(con, at).execute()
    f = f.set_index("customer_id")[list(FEATURES)].astype(float)
    for c in ("orders", "spend", "events_30d", "carts_30d", "cart_rate_30d"):
        f[c] = f[c].fillna(0.0)
    for c in ("aov", "avg_unit_price"):
        f[c] = f[c].fillna(f[c].mean() if f[c].notna().any() else 0.0)
    return f.sort_index()
