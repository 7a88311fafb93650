"""Planted anomalies and calendar effects of the demo shop: visible where the truth says only."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from shoplens.data.demo import generate_demo
from shoplens.data.demo.calendar import build_calendar
from shoplens.data.demo.customers import CHANNELS, CUSTOMER_TYPES
from shoplens.data.demo.effects import expected_demand

SIZE = dict(customers=1500, items=200, events=150_000, months=6, start="2025-06-01", seed=4)
_LOGISTICS = re.compile(r"物流|快递|发货|shipping|delivery|courier|parcel", re.IGNORECASE)


@pytest.fixture(scope="module")
def t(tmp_path_factory):
    shop = generate_demo(tmp_path_factory.mktemp("anomalies"), **SIZE)
    f = {name: pd.read_parquet(path) for name, path in shop.files.items()}
    f.update({f"truth_{k}": pd.read_parquet(p) for k, p in shop.truth_files.items()})
    f["json"] = json.loads(shop.truth_path.read_text(encoding="utf-8"))
    sess = f["truth_sessions"]
    shop_sess = sess[sess["kind"] == "shop"]
    # every order line with the date of the session it was bought in (the anomaly's clock)
    f["lines"] = (
        f["order_items"]
        .merge(f["orders"][["order_id", "customer_id", "ts"]], on="order_id")
        .merge(shop_sess[["order_id", "date"]], on="order_id")
    )
    ev = f["events"].merge(sess[["session_id", "date", "kind"]], on="session_id")
    f["shop_events"] = ev[ev["kind"] == "shop"]
    f["anomaly"] = {row["kind"]: row for _, row in f["truth_anomalies"].iterrows()}
    return f


def _dates(row) -> list[str]:
    return list(pd.date_range(row["start"], row["end"], inclusive="left").strftime("%Y-%m-%d"))


def test_anomalies_planted_on_ordinary_days_without_overlap(t):
    an = t["truth_anomalies"]
    assert list(an["kind"]) == ["late_delivery", "stockout", "price_error"]
    cal = t["truth_calendar"].set_index("date")
    days = [d for _, row in an.iterrows() for d in _dates(row)]
    assert len(days) == len(set(days)) == 14 + 14 + 1
    assert (cal.loc[days, "event"] == "").all()
    assert t["json"]["anomalies"]["planted"][0]["kind"] == "late_delivery"


def test_late_deliveries_bring_negative_logistics_reviews_and_chats(t):
    late = t["anomaly"]["late_delivery"]
    region = t["customers"].set_index("customer_id")["region"]
    orders = t["truth_sessions"].dropna(subset=["order_id"])
    in_window = orders["date"].isin(_dates(late)) & (
        region.reindex(orders["customer_id"]).to_numpy() == late["region"]
    )
    cancelled = set(t["orders"].loc[t["orders"]["status"] == "cancelled", "order_id"])
    expected = set(orders.loc[in_window, "order_id"]) - cancelled
    flagged = set(orders.loc[orders["late_delivery"], "order_id"])
    assert flagged == expected and len(flagged) >= 10

    cols = ["review_id", "customer_id", "text", "ts"]
    rv = t["truth_reviews"].merge(t["reviews"][cols], on="review_id")
    rv["late"] = rv["order_id"].isin(flagged)
    lr, other = rv[rv["late"]], rv[~rv["late"]]
    assert len(lr) >= 10
    assert (lr["aspect_logistics"] == "negative").all()
    assert (lr["sentiment"] == "negative").mean() > 0.55
    assert lr["text"].map(lambda x: bool(_LOGISTICS.search(x))).all()
    assert (other["aspect_logistics"] == "negative").mean() < 0.15
    # the wave: negative logistics reviews from that region, per day, in the window + 25 days
    # versus the same region on other days
    neg = rv[rv["aspect_logistics"] == "negative"]
    neg = neg[region.reindex(neg["customer_id"]).to_numpy() == late["region"]]
    lo, hi = late["start"], late["end"] + pd.Timedelta(days=25)
    inside = neg["ts"].between(lo, hi, inclusive="left")
    n_days = (t["reviews"]["ts"].max() - t["reviews"]["ts"].min()).days
    rate_in = inside.sum() / (hi - lo).days
    rate_out = (~inside).sum() / (n_days - (hi - lo).days)
    assert rate_in > 4 * rate_out, (rate_in, rate_out)

    # after-sales "where is my parcel?" chats per order
    conv = t["truth_conversations"]
    asked = set(
        conv.loc[
            (conv["stage"] == "post_purchase") & (conv["intent"] == "logistics_inquiry"),
            "order_id",
        ]
    )
    delivered = t["orders"].loc[t["orders"]["status"] != "cancelled", "order_id"]
    late_share = np.mean([o in asked for o in flagged])
    other_share = np.mean([o in asked for o in set(delivered) - flagged])
    assert late_share > max(0.35, 3 * other_share) and other_share < 0.15, (late_share, other_share)


def test_stockout_zero_sales_in_window_and_normal_outside(t):
    so = t["anomaly"]["stockout"]
    window = _dates(so)
    ev = t["shop_events"]
    mine = ev[ev["item_id"] == so["item_id"]]
    assert not mine["date"].isin(window).any()  # not shown, viewed, carted nor bought
    lines = t["lines"]
    sold = lines[lines["item_id"] == so["item_id"]]
    assert not sold["date"].isin(window).any()
    # outside the window it sells: a window of zeros is very unlikely by chance
    n_days = len(t["truth_calendar"])
    rate = len(sold) / (n_days - len(window))
    assert rate * len(window) > 5, rate
    views = mine[mine["type"] == "view"]
    assert len(views) / (n_days - len(window)) * len(window) > 30
    # it is one of the shop's best sellers
    per_item = lines.groupby("item_id")["quantity"].sum()
    assert per_item[so["item_id"]] >= per_item.quantile(0.9)


def test_price_error_one_day_wrong_price_and_order_spike(t):
    pe = t["anomaly"]["price_error"]
    (day,) = _dates(pe)
    items = t["items"].set_index("item_id")
    assert pe["list_price"] == items.loc[pe["item_id"], "price"]
    lines = t["lines"].join(items["price"], on="item_id")
    mine = lines[lines["item_id"] == pe["item_id"]]
    on_day = mine["date"] == day
    assert (mine.loc[on_day, "unit_price"] == pe["wrong_price"]).all()
    assert (mine.loc[on_day, "unit_price"] < 0.5 * pe["list_price"]).all()
    assert (mine.loc[~on_day, "unit_price"] >= 0.6 * pe["list_price"]).all()
    # no other line is sold that cheap (the deepest calendar discount is 30 %)
    others = lines[~((lines["item_id"] == pe["item_id"]) & (lines["date"] == day))]
    assert (others["unit_price"] >= 0.69 * others["price"] - 0.01).all()
    # the spike: the item's orders that day against its average day
    n_days = len(t["truth_calendar"])
    assert on_day.sum() >= 10
    assert on_day.sum() > 20 * max((~on_day).sum() / (n_days - 1), 0.05)
    # and the shop's orders that day exceed the expected ordinary day clearly
    demand = t["truth_demand"].set_index("date")
    orders_day = t["truth_sessions"].dropna(subset=["order_id"])["date"].value_counts()
    assert orders_day[day] > demand.loc[day, "expected_orders"] + 4 * np.sqrt(
        demand.loc[day, "expected_orders"]
    )


def test_event_uplifts_match_observed_orders(t):
    eff = t["truth_event_effects"]
    demand = t["truth_demand"].set_index("date")
    orders_day = (
        t["truth_sessions"]
        .dropna(subset=["order_id"])["date"]
        .value_counts()
        .reindex(demand.index, fill_value=0)
    )
    for name in ("618", "double11"):
        days = demand.index[demand["event"] == name]
        obs, exp = orders_day[days].sum(), demand.loc[days, "expected_orders"].sum()
        assert abs(obs - exp) < 4 * np.sqrt(exp) + 2, (name, obs, exp)
        row = eff[eff["event"] == name]
        assert (row["orders_uplift"] > row["traffic_multiplier"]).all()
        np.testing.assert_allclose(
            row["orders_uplift"].to_numpy(),
            (row["expected_orders"] / row["expected_orders_no_event"]).to_numpy(),
            rtol=1e-3,
        )
    # the truth's counterfactual is right on ordinary days, where nothing is planted
    planted = {d for _, r in t["truth_anomalies"].iterrows() for d in _dates(r)}
    ordinary = (demand["event"] == "") & ~demand.index.isin(planted)
    obs, exp = orders_day[ordinary].sum(), demand.loc[ordinary, "expected_orders"].sum()
    assert abs(obs - exp) < 4 * np.sqrt(exp), (obs, exp)
    np.testing.assert_allclose(
        demand.loc[ordinary, "expected_orders"], demand.loc[ordinary, "expected_orders_no_event"]
    )
    js = {(e["event"], e["start"]): e for e in t["json"]["calendar"]["effects"]}
    assert {e for e, _ in js} >= {"618", "double11"}


def test_expected_demand_by_hand_for_one_customer():
    """One VIP customer acquired by livestream, active all period: uplift by hand (the 0.95
    cap binds on Double 11)."""
    from shoplens.data.demo.customers import Population

    cal, _ = build_calendar("2025-11-01", 1)
    n = len(cal)
    pop = Population(
        frame=pd.DataFrame({"region": ["Beijing"]}),
        type_idx=np.array([0]),  # vip
        active_from=np.array([0]),
        active_to=np.array([n]),
        churn_day=np.array([-1]),
        acq_ts=np.array([0]),
        tz=np.array([8]),
        lang=np.array(["zh"], dtype=object),
        channel=np.array([4]),  # livestream
        device=np.array([0]),
        favourite=np.array([0]),
        activity=np.array([1.0]),
    )
    got = expected_demand(cal, pop, scale=1.0, keep=1.0).set_index("date").loc["2025-11-11"]
    vip = CUSTOMER_TYPES["vip"]
    share = np.array([c["session"] for c in CHANNELS.values()])
    mix = 0.6 * share / share.sum()
    mix[4] += 0.4
    up = dict(cart=1.70, checkout=1.30, purchase=1.04)  # Double 11 in calendar.py

    def p_buy(uplift):
        return sum(
            m * np.prod([min(0.95, vip[s] * c[s] * uplift[s]) for s in up])
            for m, c in zip(mix, CHANNELS.values(), strict=True)
        )

    base = cal["base_traffic"].to_numpy()
    w = base * cal["event_traffic"].to_numpy() ** vip["event_sensitivity"]
    day = int(np.flatnonzero(cal["date"] == "2025-11-11")[0])
    want = vip["visit_rate"] * w[day] / w.mean() * p_buy(up)
    want0 = vip["visit_rate"] * base[day] / w.mean() * p_buy(dict.fromkeys(up, 1.0))
    np.testing.assert_allclose(got["expected_orders"], want, rtol=1e-12)
    np.testing.assert_allclose(got["expected_orders_no_event"], want0, rtol=1e-12)


def test_anomalies_reproducible(tmp_path):
    small = dict(customers=200, items=40, events=10_000, months=12, seed=9)
    a = generate_demo(tmp_path / "a", **small)
    b = generate_demo(tmp_path / "b", **small)
    for name in ("anomalies", "event_effects", "demand", "reviews", "sessions"):
        assert a.truth_files[name].read_bytes() == b.truth_files[name].read_bytes(), name
    c = generate_demo(tmp_path / "c", **{**small, "seed": 10})
    an_a, an_c = (pd.read_parquet(x.truth_files["anomalies"]) for x in (a, c))
    assert not an_a[["start", "item_id"]].equals(an_c[["start", "item_id"]])
