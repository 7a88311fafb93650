"""End to end: the analyzer's own ``insight_texts`` on journey steps, funnels and timelines.

The journeys tests build ``insight_texts`` from the demo's truth; here the analyzer writes it
(``TextAnalyzer().enrich``) and the journeys part reads it, so the two agree on the table
and the labels agree with the demo's ground truth.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from shoplens.insight.text import TextAnalyzer


@pytest.fixture(scope="module")
def warehouse_with_texts(tmp_path_factory):
    from shoplens.data.demo import generate_demo
    from shoplens.data.schema import TABLES
    from shoplens.warehouse import connect

    root = tmp_path_factory.mktemp("text-journeys")
    generate_demo(root / "shop", customers=500, items=100, events=40_000, seed=5)
    con = connect("duckdb", root / "w.duckdb")
    for name in ("customers", "events", "orders", "reviews", "messages"):
        frame = pd.read_parquet(root / "shop" / f"{name}.parquet")
        con.insert(name, frame.reindex(columns=list(TABLES[name].columns)))
    counts = TextAnalyzer().enrich(con, progress=False)
    yield con, root / "shop", counts
    con.disconnect()


def test_enriched_intents_and_sentiment_reach_journey_steps(warehouse_with_texts):
    from shoplens.journeys import with_text_insight

    con, shop, counts = warehouse_with_texts
    assert counts["reviews"] > 50 and counts["messages"] > 200
    ev = with_text_insight(
        con.table("events"), con.table("insight_texts"), con.table("messages")
    ).execute()
    chats = ev[ev["type"] == "chat"]
    conv = pd.read_parquet(shop / "truth" / "conversations.parquet").set_index("conversation_id")
    ids = chats["properties"].map(lambda p: json.loads(p).get("conversation_id"))
    assert chats["intent"].notna().all()
    assert (chats["intent"].to_numpy() == ids.map(conv["intent"]).to_numpy()).mean() >= 0.95
    reviews = ev[ev["type"] == "review"]
    truth = pd.read_parquet(shop / "truth" / "reviews.parquet").set_index("review_id")
    rid = reviews["properties"].map(lambda p: json.loads(p).get("review_id"))
    agree = (reviews["sentiment"].to_numpy() == rid.map(truth["sentiment"]).to_numpy()).mean()
    assert agree >= 0.72


def test_intent_funnel_breakdown_and_timeline_from_enriched_texts(warehouse_with_texts):
    from shoplens.journeys import customer_timeline, funnel, with_text_insight

    con, shop, _ = warehouse_with_texts
    table = con.create_table(
        "journey_events_text_e2e",
        with_text_insight(con.table("events"), con.table("insight_texts"), con.table("messages")),
        overwrite=True,
    )
    try:
        f = funnel(table, ["chat", "add_to_cart"], by="session", breakdown="intent").execute()
        intents = set(f["intent"].dropna())
        assert {"purchase", "hesitation", "compare"} <= intents
        assert intents <= set(pd.read_parquet(shop / "truth" / "conversations.parquet")["intent"])
        # sessions whose chat states a purchase intent add to cart more than hesitant ones
        second = f[f["step"] == f["step"].max()].set_index("intent")
        first = f[f["step"] == f["step"].min()].set_index("intent")
        rate = second["entered"] / first["entered"]
        assert rate["purchase"] > rate["hesitation"]
    finally:
        con.drop_table("journey_events_text_e2e", force=True)
    who = pd.read_parquet(shop / "reviews.parquet")["customer_id"].iloc[0]
    tl = customer_timeline(con, who).execute()
    labels = tl.loc[tl["kind"] == "review", "sentiment"]
    assert len(labels) and labels.isin(["negative", "neutral", "positive"]).all()
