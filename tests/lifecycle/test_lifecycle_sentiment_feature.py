"""The segmentation sentiment feature reads what text enrichment really writes.

``insight_texts`` holds ``text_id, source, p_pos, p_neg`` (no customer, no time), so the
feature must join reviews and messages back; checked against a pandas reference built
from the tables themselves, after the real ``TextAnalyzer`` scored them.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from shoplens.data.schema import TABLES
from shoplens.insight.text import TextAnalyzer
from shoplens.insight.text.enrich import enrich_warehouse
from shoplens.lifecycle.features import feature_matrix

CUT = pd.Timestamp("2024-03-01", tz="UTC")


def _insert(con, name: str, rows: list[dict]) -> None:
    spec = TABLES[name]
    frame = pd.DataFrame(rows).reindex(columns=list(spec.columns))
    con.insert(
        name, pa.Table.from_pandas(frame, schema=spec.schema.to_pyarrow(), preserve_index=False)
    )


def _ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


def test_sentiment_feature_from_enriched_reviews_and_customer_messages(duck):
    orders = [
        {"order_id": f"o{i}", "customer_id": c, "ts": _ts("2024-01-05"), "status": "paid",
         "total": 20.0, "currency": "EUR"}
        for i, c in enumerate(["a", "b", "c"])
    ]  # fmt: skip
    reviews = [
        ("r1", "a", "2024-01-10", 5, "质量很好，物流很快，非常满意"),
        ("r2", "a", "2024-02-10", 1, "太差了，质量很差，退货"),
        ("r3", "b", "2024-01-20", 5, "Great quality, fast delivery, love it"),
        ("r4", "b", "2024-04-01", 1, "Terrible, broke after a day"),  # after the cutoff
    ]
    messages = [
        ("m1", "k1", "c", "2024-01-15", "customer", "东西坏了，我要退款，太失望了"),
        ("m2", "k1", "c", "2024-01-15", "agent", "非常抱歉，我们马上为您处理，祝您愉快"),
        ("m3", "k2", "a", "2024-02-20", "customer", "Thanks, everything arrived, great service"),
    ]
    _insert(duck, "orders", orders)
    _insert(duck, "reviews", [
        {"review_id": r, "customer_id": c, "item_id": "i1", "ts": _ts(t), "rating": k,
         "title": None, "text": x, "lang": None}
        for r, c, t, k, x in reviews
    ])  # fmt: skip
    _insert(duck, "messages", [
        {"message_id": m, "conversation_id": k, "customer_id": c, "ts": _ts(t), "role": role,
         "text": x, "lang": None}
        for m, k, c, t, role, x in messages
    ])  # fmt: skip
    enrich_warehouse(TextAnalyzer(), duck, progress=False)

    got = feature_matrix(duck, CUT, mix=False)

    texts = duck.table("insight_texts").execute()
    texts["score"] = texts["p_pos"] - texts["p_neg"]
    rv = pd.DataFrame(reviews, columns=["text_id", "customer_id", "ts", "rating", "text"])
    rv["source"] = "reviews"
    ms = pd.DataFrame(messages, columns=["text_id", "conv", "customer_id", "ts", "role", "text"])
    ms = ms[ms["role"] == "customer"].assign(source="messages")
    src = pd.concat([rv, ms])[["text_id", "source", "customer_id", "ts"]]
    src = src[pd.to_datetime(src["ts"], utc=True) < CUT]
    ref = src.merge(texts, on=["text_id", "source"]).groupby("customer_id")["score"].mean()

    assert set(ref.index) == {"a", "b", "c"}
    pd.testing.assert_series_equal(
        got.loc[ref.index, "sentiment"], ref, check_names=False, check_index_type=False
    )
    assert (got.loc[ref.index, "has_sentiment"] == 1.0).all()
    # the scores carry signal: the unhappy chat customer is below the happy review writer
    assert got.loc["c", "sentiment"] < 0 < got.loc["b", "sentiment"]
