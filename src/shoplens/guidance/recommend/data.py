"""Everything the engine fits on, read from the warehouse for one time window.

Examples
--------
>>> import shoplens
>>> sorted(training_frames(shoplens.connect("duckdb", ":memory:"), "2025-01-01"))[:3]
['interactions', 'items', 'purchased']
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from ibis.backends import BaseBackend

from shoplens.guidance.recommend.interactions import (
    FeedbackWeights,
    _ts,
    interactions,
    session_interactions,
)

__all__ = ["last_activity", "relevant_items", "training_frames"]


def last_activity(con: BaseBackend) -> pd.Timestamp | None:
    """The latest event or order time in the warehouse (``None``: empty)."""
    tables = set(con.list_tables())
    found = []
    for name in ("events", "orders"):
        if name in tables:
            v = con.table(name).ts.max().execute()
            if v is not None and not pd.isna(v):
                found.append(_ts(v))
    return max(found) if found else None


def training_frames(
    con: BaseBackend,
    end: Any,
    *,
    weights: FeedbackWeights | None = None,
    half_life_days: float | None = 90.0,
    trending_days: float = 7.0,
) -> dict[str, pd.DataFrame]:
    """Frames for :meth:`Recommender.fit` from everything before ``end``."""
    end = _ts(end)
    tables = set(con.list_tables())
    out: dict[str, pd.DataFrame] = {
        "interactions": interactions(
            con, weights=weights, half_life_days=half_life_days, end=end, as_of=end
        ).execute(),
        "sessions": session_interactions(con, weights=weights, end=end).execute()
        if ("events" in tables or "orders" in tables)
        else pd.DataFrame(columns=["key", "item_id", "weight"]),
    }
    recent = interactions(con, weights=weights, start=end - pd.Timedelta(days=trending_days),
                          end=end).execute()  # fmt: skip
    out["recent"] = recent.groupby("item_id", as_index=False)["weight"].sum()
    out["items"] = con.table("items").execute() if "items" in tables else pd.DataFrame()
    purchased = pd.DataFrame(columns=["customer_id", "item_id"])
    if {"orders", "order_items"} <= tables:
        o, li = con.table("orders"), con.table("order_items")
        j = o.filter(o.ts < end, o.status.isnull() | (o.status != "cancelled")).inner_join(
            li, "order_id"
        )
        purchased = j.select("customer_id", "item_id").distinct().execute()
    out["purchased"] = purchased
    shown = pd.DataFrame(columns=["customer_id", "item_id", "shown", "clicked"])
    if "events" in tables:
        e = con.table("events")
        e = e.filter(e.ts < end, e.type.isin(["impression", "click_rec"]), e.item_id.notnull())
        shown = (
            e.group_by(["customer_id", "item_id"])
            .aggregate(
                shown=(e.type == "impression").cast("int64").sum(),
                clicked=(e.type == "click_rec").cast("int64").sum(),
            )
            .execute()
        )
    out["shown"] = shown
    return out


def relevant_items(con: BaseBackend, start: Any, end: Any) -> pd.DataFrame:
    """``customer_id, item_id`` a customer viewed, clicked, carted or bought in the window."""
    w = FeedbackWeights(impression=0.0, remove_from_cart=0.0, returned=0.0)
    t = interactions(con, weights=w, start=start, end=end, exclude_returned=False)
    return t.select("customer_id", "item_id").execute()
