"""Sentiment alerts from the text part's stored table, on DuckDB and Spark."""

from __future__ import annotations

import json

import ibis
import numpy as np
import pandas as pd

from shoplens.insight.forecast.sentiment import sentiment_alerts, sentiment_frame
from shoplens.insight.text.enrich import INSIGHT_TEXTS_SCHEMA


def _texts(seed: int = 2):
    """Reviews over 10 weeks; one week of late-delivery complaints from one region."""
    rng = np.random.default_rng(seed)
    n = 1200
    regions = ["Hubei", "Hunan", "Sichuan", "Jiangsu"]
    cust = pd.DataFrame({"customer_id": [f"c{i}" for i in range(80)]})
    cust["region"] = [regions[i % 4] for i in range(80)]
    items = pd.DataFrame(
        {"item_id": [f"i{i}" for i in range(10)], "brand": [f"b{i % 3}" for i in range(10)]}
    )
    ts = pd.Timestamp("2026-01-05", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 70 * 86400, n), unit="s"
    )
    who = rng.integers(0, 80, n)
    reviews = pd.DataFrame(
        {
            "review_id": [f"r{i}" for i in range(n)],
            "customer_id": [f"c{w}" for w in who],
            "item_id": rng.choice(items["item_id"], n),
            "ts": ts,
            "rating": 4.0,
        }
    )
    late = (
        (cust["region"].to_numpy()[who] == "Sichuan")
        & (ts >= pd.Timestamp("2026-02-02", tz="UTC"))
        & (ts < pd.Timestamp("2026-02-09", tz="UTC"))
    )
    neg_delivery = late & (rng.random(n) < 0.7) | (rng.random(n) < 0.04)
    neg_price = rng.random(n) < 0.08
    aspects = [
        json.dumps(
            ([{"aspect": "delivery", "term": "慢", "sentiment": "negative"}] if d else [])
            + ([{"aspect": "price", "term": "贵", "sentiment": "negative"}] if p else [])
            + [{"aspect": "quality", "term": "好", "sentiment": "positive"}],
            ensure_ascii=False,
        )
        for d, p in zip(neg_delivery, neg_price, strict=True)
    ]
    scored = pd.DataFrame(
        {
            "text_id": reviews["review_id"],
            "source": "reviews",
            "lang": "zh",
            "sentiment": np.where(neg_delivery | neg_price, "negative", "positive"),
            "p_neg": 0.5,
            "p_neu": 0.2,
            "p_pos": 0.3,
            "aspects": aspects,
            "entities": "[]",
            "intent": None,
            "model_version": "test",
            "scored_at": pd.Timestamp("2026-03-20", tz="UTC"),
        }
    )
    return cust, items, reviews, scored


def _load(con, cust, items, reviews, scored):
    from shoplens.data.schema import TABLES

    for name, frame in (("customers", cust), ("items", items), ("reviews", reviews)):
        spec = TABLES[name]
        full = frame.reindex(columns=list(spec.columns)).astype(
            {c: object for c in spec.columns if c not in frame.columns}
        )
        con.insert(name, ibis.memtable(full, schema=spec.schema))
    con.create_table(
        "insight_texts", ibis.memtable(scored, schema=INSIGHT_TEXTS_SCHEMA), overwrite=True
    )


def test_negative_delivery_wave_in_one_region_is_found(warehouse):
    cust, items, reviews, scored = _texts()
    _load(warehouse, cust, items, reviews, scored)
    frame = sentiment_frame(warehouse)
    assert len(frame) == len(reviews)
    assert frame["region"].notna().all() and frame["brand"].notna().all()
    alerts = sentiment_alerts(frame)
    top = alerts.iloc[0]
    assert (top["level"], top["unique_id"], top["aspect"]) == ("region", "Sichuan", "delivery")
    assert top["start"] == pd.Timestamp("2026-02-02")
    assert top["observed"] > top["hi"] > top["expected"]
    assert "Sichuan" in top["explanation_en"] and "物流" in top["explanation_zh"]
    # nothing on price (steady 8 %), nothing for the other regions
    assert not (alerts["aspect"] == "price").any()
    regions = alerts[alerts["level"] == "region"]
    assert set(regions["unique_id"]) == {"Sichuan"}


def test_no_texts_table_means_no_alerts(duck):
    assert sentiment_frame(duck).empty
    assert sentiment_alerts(sentiment_frame(duck)).empty
