"""The seeded demo shop: schema, integrity, consistency, seasonality, funnel truth, texts."""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pandas as pd
import pytest

from shoplens.data.demo import generate_demo
from shoplens.data.schema import TABLES

SMALL = dict(customers=300, items=100, events=20_000, months=18, seed=11)


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    return generate_demo(tmp_path_factory.mktemp("demo"), **SMALL)


@pytest.fixture(scope="module")
def frames(shop):
    return {name: pd.read_parquet(path) for name, path in shop.files.items()}


@pytest.fixture(scope="module")
def truth(shop):
    return json.loads(shop.truth_path.read_text(encoding="utf-8"))


def _compatible(series: pd.Series, typ: str) -> bool:
    if typ.startswith("timestamp"):
        return isinstance(series.dtype, pd.DatetimeTZDtype) and str(series.dt.tz) == "UTC"
    if typ == "string":
        return pd.api.types.is_string_dtype(series) or series.dtype == object
    if typ == "float64":
        return pd.api.types.is_float_dtype(series)
    if typ == "int64":
        return pd.api.types.is_integer_dtype(series)
    return False


def test_schema_conformance(frames):
    assert set(frames) == set(TABLES)
    for name, spec in TABLES.items():
        df = frames[name]
        assert list(df.columns) == list(spec.columns), name
        assert len(df) > 0, name
        for col, typ in spec.columns.items():
            assert _compatible(df[col], typ), (name, col, df[col].dtype)
        for col in spec.required:
            assert df[col].notna().all(), (name, col)
        assert not df.duplicated(list(spec.key)).any(), name
        for col in spec.non_negative:
            assert (df[col].dropna() >= 0).all(), (name, col)
        for col, lo, hi in spec.ranges:
            assert df[col].dropna().between(lo, hi).all(), (name, col)
    for name in ("customers", "items", "events"):
        for raw in frames[name]["attributes" if name != "events" else "properties"]:
            assert isinstance(json.loads(raw), dict)


def test_counts_in_ballpark(shop, frames):
    assert len(frames["customers"]) == SMALL["customers"]
    assert len(frames["items"]) == SMALL["items"]
    assert 0.95 * SMALL["events"] <= len(frames["events"]) <= SMALL["events"]
    assert shop.counts["events"] == len(frames["events"])


def test_referential_integrity(frames):
    customers = set(frames["customers"]["customer_id"])
    items = set(frames["items"]["item_id"])
    ev, orders = frames["events"], frames["orders"]
    assert set(ev["customer_id"]) <= customers
    assert set(ev["item_id"].dropna()) <= items
    assert set(orders["customer_id"]) <= customers
    assert set(frames["order_items"]["order_id"]) == set(orders["order_id"])
    assert set(frames["order_items"]["item_id"]) <= items
    assert set(frames["reviews"]["customer_id"]) <= customers
    assert set(frames["reviews"]["item_id"]) <= items
    assert set(frames["messages"]["customer_id"]) <= customers
    first = frames["customers"].set_index("customer_id")["first_seen"]
    ev_first = ev.groupby("customer_id")["ts"].min()
    assert (first.reindex(ev_first.index) <= ev_first).all()


def test_orders_match_lines_and_purchase_events(frames):
    lines = frames["order_items"]
    sums = (lines["quantity"] * lines["unit_price"]).groupby(lines["order_id"]).sum()
    orders = frames["orders"].set_index("order_id")
    np.testing.assert_allclose(orders["total"], sums.reindex(orders.index), atol=1e-6)
    assert (orders["currency"] == "CNY").all()
    ev = frames["events"]
    buys = ev[ev["type"] == "purchase"].copy()
    buys["order_id"] = [json.loads(p)["order_id"] for p in buys["properties"]]
    assert len(buys) == len(orders) and buys["order_id"].is_unique
    b = buys.set_index("order_id")
    np.testing.assert_allclose(b["value"], orders["total"].reindex(b.index), atol=1e-9)
    assert (b["ts"] == orders["ts"].reindex(b.index)).all()
    assert (b["customer_id"] == orders["customer_id"].reindex(b.index)).all()
    lines_n = lines.groupby("order_id")["line_number"].agg(["min", "max", "count"])
    assert (lines_n["min"] == 1).all() and (lines_n["max"] == lines_n["count"]).all()


def test_review_and_chat_events_link_to_rows(frames):
    ev = frames["events"]
    rv = ev[ev["type"] == "review"]
    ids = [json.loads(p)["review_id"] for p in rv["properties"]]
    assert sorted(ids) == sorted(frames["reviews"]["review_id"])
    ch = ev[ev["type"] == "chat"]
    conv = {json.loads(p)["conversation_id"] for p in ch["properties"]}
    assert conv == set(frames["messages"]["conversation_id"])


def test_sessions_ordered_and_apart(frames):
    ev = frames["events"]
    g = ev.groupby("session_id")
    assert (g["customer_id"].nunique() == 1).all()
    span = ev.groupby("session_id")["ts"].agg(["min", "max"])
    span["cust"] = g["customer_id"].first()
    span = span.sort_values(["cust", "min"])
    prev_end = span.groupby("cust")["max"].shift()
    assert ((span["min"] - prev_end).dropna() > pd.Timedelta(minutes=30)).all()


def test_double11_week_beats_average_week(shop, frames, truth):
    orders = frames["orders"]
    week = orders["ts"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None).dt.to_period("W")
    per_week = week.value_counts()
    d11 = pd.Timestamp("2025-11-11").to_period("W")
    assert per_week[d11] > 1.5 * per_week.mean()
    names = {e["name"] for e in truth["calendar"]["events"]}
    assert {"618", "double11", "618_presale", "double11_presale"} <= names


def test_funnel_rates_match_ground_truth(shop, frames, truth):
    ev = frames["events"]
    types = ev.groupby(["session_id", "type"]).size().unstack(fill_value=0)
    types = types[types.get("view", 0) > 0]
    sess = pd.read_parquet(shop.out_dir / truth["files"]["truth_sessions"]).set_index("session_id")
    sess = sess.reindex(types.index)
    assert (sess["kind"] == "shop").all()
    reached = {
        "cart": (types.get("add_to_cart", 0) > 0, pd.Series(True, index=types.index)),
        "checkout": (types.get("checkout", 0) > 0, types.get("add_to_cart", 0) > 0),
        "purchase": (types.get("purchase", 0) > 0, types.get("checkout", 0) > 0),
    }
    for stage, (hit, base) in reached.items():
        p = sess.loc[base, f"p_{stage}"]
        observed = hit[base].mean()
        expected = p.mean()
        se = np.sqrt((p * (1 - p)).sum()) / len(p)
        assert abs(observed - expected) < 4 * se + 1e-9, (stage, observed, expected)
    # ordinary days follow the published per type x channel table exactly
    ordinary = sess["calendar_event"] == ""
    rates = truth["funnel"]["rates"]
    want = [
        rates[t][c]["cart"] for t, c in zip(sess["customer_type"], sess["channel"], strict=True)
    ]
    np.testing.assert_allclose(sess.loc[ordinary, "p_cart"], np.asarray(want)[ordinary.to_numpy()])
    # window shoppers convert far less than loyal customers
    cart = types.get("add_to_cart", 0) > 0
    by_type = cart.groupby(sess["customer_type"]).mean()
    assert by_type["window_shopper"] < by_type["loyal"]


def test_churned_customers_stop_visiting(shop, frames, truth):
    cust = pd.read_parquet(shop.out_dir / truth["files"]["truth_customers"])
    churned = cust[cust["churned"]].set_index("customer_id")["churn_date"]
    last = frames["events"].groupby("customer_id")["ts"].max()
    both = churned.index.intersection(last.index)
    assert len(both) > 0
    assert (last[both] < churned[both]).all()
    assert set(cust["customer_type"]) == set(truth["customer_types"])


def test_texts_bilingual_and_labelled(shop, frames, truth):
    han = re.compile(r"[\u4e00-\u9fff]")
    items, reviews, messages = frames["items"], frames["reviews"], frames["messages"]
    assert set(items["lang"]) == {"zh", "en"}
    zh_items = items[items["lang"] == "zh"]
    assert zh_items["title"].map(lambda t: bool(han.search(t))).all()
    attrs = items["attributes"].map(json.loads)
    assert attrs.map(lambda a: bool(han.search(a["title_zh"])) and a["title_en"].isascii()).all()
    assert (reviews["lang"] == "zh").mean() > 0.6 and (reviews["lang"] == "en").any()
    zh_rev = reviews[reviews["lang"] == "zh"]["text"]
    assert zh_rev.map(lambda t: bool(han.search(t))).all()
    labels = pd.read_parquet(shop.out_dir / truth["files"]["truth_reviews"]).set_index("review_id")
    r = reviews.set_index("review_id").join(labels[["sentiment"]])
    assert r.loc[r["sentiment"] == "positive", "rating"].min() >= 4
    assert r.loc[r["sentiment"] == "negative", "rating"].max() <= 2
    assert (r.loc[r["sentiment"] == "neutral", "rating"] == 3).all()
    assert set(labels["sentiment"]) == set(truth["labels"]["sentiments"])
    for raw in labels["aspects"]:
        asp = json.loads(raw)
        assert asp and set(asp) <= set(truth["labels"]["aspects"])
    conv = pd.read_parquet(shop.out_dir / truth["files"]["truth_conversations"])
    assert set(conv["conversation_id"]) == set(messages["conversation_id"])
    assert set(conv["intent"]) <= set(truth["labels"]["intents"])
    assert conv["intent"].nunique() >= 7
    assert set(messages["role"]) <= {"customer", "agent", "bot"}
    assert messages["lang"].isin(["zh", "en"]).all()


def test_deterministic(tmp_path):
    small = dict(customers=80, items=30, events=4000, months=6, seed=3)
    a = generate_demo(tmp_path / "a", **small)
    b = generate_demo(tmp_path / "b", **small)
    for name in a.files:
        pd.testing.assert_frame_equal(
            pd.read_parquet(a.files[name]), pd.read_parquet(b.files[name])
        )
        assert a.files[name].read_bytes() == b.files[name].read_bytes(), name
    for name in a.truth_files:
        assert a.truth_files[name].read_bytes() == b.truth_files[name].read_bytes(), name
    # truth.json names its files relative to the shop folder, so the two are byte-equal
    assert str(tmp_path) not in a.truth_path.read_text()
    assert a.truth_path.read_bytes() == b.truth_path.read_bytes()
    c = generate_demo(tmp_path / "c", **{**small, "seed": 4})
    assert not pd.read_parquet(c.files["events"]).equals(pd.read_parquet(a.files["events"]))


@pytest.mark.slow
def test_default_size(tmp_path):
    t = time.perf_counter()
    shop = generate_demo(tmp_path)
    elapsed = time.perf_counter() - t
    c = shop.counts
    assert c["customers"] == 5000 and c["items"] == 1000
    assert 480_000 <= c["events"] <= 500_000
    assert c["orders"] > 2000 and c["reviews"] > 1000 and c["messages"] > 2000
    print(f"default demo shop generated in {elapsed:.1f} s: {c}")
