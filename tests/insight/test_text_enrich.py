"""``TextAnalyzer.enrich`` writes insight_texts incrementally on a DuckDB warehouse."""

from __future__ import annotations

import json

import pandas as pd

from shoplens.insight.text import TextAnalyzer


def _insert(con, table, rows):
    schema = con.table(table).schema()
    df = pd.DataFrame(rows)
    for col in schema.names:
        if col not in df:
            df[col] = None
    df = df[list(schema.names)]
    df["ts"] = pd.to_datetime(df["ts"], utc=True)
    con.insert(table, df)


def test_enrich_scores_only_new_texts(duck):
    _insert(
        duck,
        "reviews",
        [
            {
                "review_id": "r1",
                "item_id": "i1",
                "ts": "2024-01-01",
                "rating": 5.0,
                "text": "物流很快，质量很好",
            },
            {
                "review_id": "r2",
                "item_id": "i1",
                "ts": "2024-01-02",
                "rating": 1.0,
                "text": "Terrible quality, the Acme kettle broke",
            },
            {"review_id": "r3", "ts": "2024-01-03", "title": "很差", "text": None},
        ],
    )
    _insert(
        duck,
        "messages",
        [
            {
                "message_id": "m1",
                "conversation_id": "c1",
                "ts": "2024-01-01",
                "role": "customer",
                "text": "我要退款",
            },
        ],
    )
    analyzer = TextAnalyzer()
    assert analyzer.enrich(duck, progress=False) == {"reviews": 3, "messages": 1}
    assert analyzer.enrich(duck, progress=False) == {"reviews": 0, "messages": 0}

    _insert(
        duck,
        "messages",
        [
            {
                "message_id": "m2",
                "conversation_id": "c1",
                "ts": "2024-01-02",
                "role": "customer",
                "text": "where is my package?",
            },
        ],
    )
    assert analyzer.enrich(duck, progress=False) == {"reviews": 0, "messages": 1}

    out = duck.table("insight_texts").execute().set_index(["source", "text_id"])
    assert len(out) == 5
    assert out.loc[("reviews", "r1"), "sentiment"] == "positive"
    assert out.loc[("reviews", "r2"), "sentiment"] == "negative"
    assert out.loc[("reviews", "r3"), "sentiment"] == "negative"  # title used when no text
    assert out.loc[("messages", "m1"), "intent"] == "return_refund"
    assert out.loc[("messages", "m2"), "intent"] == "logistics_inquiry"
    assert pd.isna(out.loc[("reviews", "r1"), "intent"])
    aspects = json.loads(out.loc[("reviews", "r1"), "aspects"])
    assert {a["aspect"] for a in aspects} == {"delivery", "quality"}
    assert set(out["model_version"]) == {analyzer.model_version}


def test_enrich_uses_catalog_brands(duck):
    items = duck.table("items").schema()
    df = pd.DataFrame([{c: None for c in items.names}])
    df["item_id"], df["brand"] = "i1", "Zorblax"
    duck.insert("items", df.astype({"price": "float64"}))
    _insert(duck, "reviews", [{"review_id": "r1", "ts": "2024-01-01", "text": "my Zorblax works"}])
    TextAnalyzer().enrich(duck, sources=("reviews",), progress=False)
    ents = json.loads(duck.table("insight_texts").execute()["entities"][0])
    assert {"type": "brand", "text": "Zorblax"}.items() <= ents[0].items()
