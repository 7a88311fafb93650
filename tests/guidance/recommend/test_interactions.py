"""Interactions from the warehouse (DuckDB and Spark) against a plain pandas reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shoplens.data.schema import TABLES
from shoplens.errors import InputError
from shoplens.guidance.recommend.interactions import (
    FeedbackWeights,
    interactions,
    session_interactions,
)

T0 = pd.Timestamp("2025-01-01", tz="UTC")
KINDS = ["impression", "view", "click_rec", "add_to_cart", "remove_from_cart", "search", "chat"]


def _frames(seed: int = 0):
    rng = np.random.default_rng(seed)
    n = 300
    ev = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n)],
            "customer_id": rng.choice(["c1", "c2", "c3", "c 4"], n),
            "session_id": rng.choice(["s1", "s2", "s3", None], n),
            "ts": T0 + pd.to_timedelta(rng.integers(0, 60 * 86400, n), unit="s"),
            "type": rng.choice(KINDS, n),
            "item_id": rng.choice(["i1", "i2", "i3", "i4", "i5", None], n),
        }
    )
    orders = pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(30)],
            "customer_id": rng.choice(["c1", "c2", "c3", "c 4"], 30),
            "ts": T0 + pd.to_timedelta(rng.integers(0, 60 * 86400, 30), unit="s"),
            "status": rng.choice(["delivered", "delivered", "returned", "cancelled"], 30),
            "total": 1.0,
            "currency": "CNY",
        }
    )
    lines = pd.DataFrame(
        {
            "order_id": rng.choice(orders.order_id, 60),
            "line_number": np.arange(60),
            "item_id": rng.choice(["i1", "i2", "i3", "i4", "i5"], 60),
            "quantity": rng.choice([1.0, 2.0], 60),
            "unit_price": 10.0,
        }
    )
    return ev, orders, lines


def _load(con, ev, orders, lines):
    for name, frame in (("events", ev), ("orders", orders), ("order_items", lines)):
        frame = frame.reindex(columns=list(TABLES[name].columns))
        frame = frame.astype({c: "float64" for c in ("value", "total", "quantity") if c in frame})
        con.insert(name, frame)


def _reference(ev, orders, lines, w, half_life, end, exclude_returned=True):
    """Naive pandas: one row per feedback event, decayed, summed per pair."""
    wd = w.as_dict()
    rows = []
    for r in ev.itertuples():
        if r.type in wd and r.item_id is not None and r.ts < end:
            rows.append((r.customer_id, r.item_id, r.ts, wd[r.type], False))
    o = orders.set_index("order_id")
    for r in lines.itertuples():
        order = o.loc[r.order_id]
        if order.status == "cancelled" or order.ts >= end:
            continue
        back = order.status == "returned"
        rows.append(
            (
                order.customer_id,
                r.item_id,
                order.ts,
                wd["returned" if back else "purchase"] * r.quantity,
                back,
            )
        )
    f = pd.DataFrame(rows, columns=["customer_id", "item_id", "ts", "w", "back"])
    age = (end - f.ts).dt.total_seconds() / 86400
    f["w"] = f.w * 0.5 ** (age / half_life)
    g = f.groupby(["customer_id", "item_id"]).agg(
        weight=("w", "sum"), events=("w", "size"), back=("back", "any")
    )
    g = g[(g.weight > 0) & ~(g.back & exclude_returned)]
    return g.drop(columns="back").reset_index()


def _sorted(frame):
    return frame.sort_values(["customer_id", "item_id"]).reset_index(drop=True)


def test_interactions_match_pandas(warehouse):
    ev, orders, lines = _frames()
    _load(warehouse, ev, orders, lines)
    w = FeedbackWeights(view=1.5, remove_from_cart=-2.0)
    end = T0 + pd.Timedelta(days=50)
    got = interactions(warehouse, weights=w, half_life_days=14, end=end).execute()
    ref = _reference(ev, orders, lines, w, 14, end)
    got = _sorted(got)
    ref = _sorted(ref)
    assert got[["customer_id", "item_id"]].equals(ref[["customer_id", "item_id"]])
    np.testing.assert_allclose(got.weight, ref.weight, rtol=1e-9)
    np.testing.assert_array_equal(got.events.astype(int), ref.events.astype(int))
    # a returned pair is gone, and keeping it changes the answer
    kept = interactions(warehouse, weights=w, half_life_days=14, end=end, exclude_returned=False)
    assert len(kept.execute()) > len(got)


def test_repeat_purchases_count_and_returns_count_against(duck):
    ev = pd.DataFrame(columns=["event_id", "customer_id", "session_id", "ts", "type", "item_id"])
    orders = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3"],
            "customer_id": ["c1", "c1", "c2"],
            "ts": [T0, T0 + pd.Timedelta(days=1), T0],
            "status": ["delivered", "delivered", "returned"],
            "total": 1.0,
            "currency": "CNY",
        }
    )
    lines = pd.DataFrame(
        {"order_id": ["o1", "o2", "o3"], "line_number": [1, 1, 1], "item_id": ["soap"] * 3,
         "quantity": [1.0, 1.0, 1.0], "unit_price": 1.0}
    )  # fmt: skip
    _load(duck, ev.astype({"ts": "datetime64[us, UTC]"}), orders, lines)
    got = interactions(duck, exclude_returned=False).execute().set_index("customer_id")
    assert got.loc["c1", "weight"] == 2 * FeedbackWeights().purchase  # bought twice
    assert "c2" not in got.index  # purchase + return is negative


def test_session_keys(duck):
    ev, orders, lines = _frames(1)
    _load(duck, ev, orders, lines)
    got = session_interactions(duck).execute()
    assert got.key.str.startswith("order:").any() and got.key.str.startswith("day:").any()
    assert (got.weight > 0).all()


def test_bad_input(duck):
    with pytest.raises(InputError, match="unknown feedback"):
        interactions(duck, weights={"like": 1.0})
    with pytest.raises(InputError, match="as_of"):
        interactions(duck, half_life_days=7)
    with pytest.raises(InputError, match="positive"):
        interactions(duck, half_life_days=0, as_of=T0)
