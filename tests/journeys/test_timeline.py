"""Customer timeline and text insight on steps, on DuckDB and Spark."""

from __future__ import annotations

import pandas as pd
import pytest

from shoplens.data.schema import TABLES
from shoplens.errors import InputError
from shoplens.journeys import customer_timeline, funnel_frame, with_text_insight

TS = pd.Timestamp("2024-05-01 09:00", tz="UTC")


def _frame(name: str, rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows).reindex(columns=list(TABLES[name].columns))
    for col, typ in TABLES[name].columns.items():
        if typ.startswith("timestamp"):
            df[col] = pd.to_datetime(df[col], utc=True).astype("datetime64[us, UTC]")
        elif typ in ("float64", "int64", "int32"):
            df[col] = df[col].astype("float64" if typ == "float64" else typ)
        else:
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


def _shop(con, load, ref):
    at = lambda m: TS + pd.Timedelta(minutes=m)  # noqa: E731
    events = _frame(
        "events",
        [
            {"event_id": "e1", "customer_id": "u", "ts": at(0), "type": "view", "properties": "{}"},
            {
                "event_id": "e2",
                "customer_id": "u",
                "ts": at(5),
                "type": "chat",
                "properties": '{"conversation_id": "V1"}',
            },
            {"event_id": "e3", "customer_id": "u", "ts": at(6), "type": "add_to_cart"},
            {
                "event_id": "e4",
                "customer_id": "u",
                "ts": at(8),
                "type": "purchase",
                "value": 20.0,
                "properties": '{"order_id": "O1"}',
            },
            {
                "event_id": "e5",
                "customer_id": "u",
                "ts": at(3000),
                "type": "review",
                "properties": '{"review_id": "R1", "rating": 1}',
            },
            {
                "event_id": "e6",
                "customer_id": "w",
                "ts": at(1),
                "type": "chat",
                "properties": '{"conversation_id": "V2"}',
            },
        ],
    )
    load(con, events)
    con.insert(
        "orders",
        _frame(
            "orders",
            [
                {
                    "order_id": "O1",
                    "customer_id": "u",
                    "ts": at(8),
                    "status": "delivered",
                    "total": 20.0,
                }
            ],
        ),
    )
    con.insert(
        "reviews",
        _frame(
            "reviews",
            [
                {
                    "review_id": "R1",
                    "customer_id": "u",
                    "item_id": "I1",
                    "ts": at(3000),
                    "rating": 1,
                    "title": "bad",
                    "text": "broke",
                }
            ],
        ),
    )
    con.insert(
        "messages",
        _frame(
            "messages",
            [
                {
                    "message_id": "M1",
                    "conversation_id": "V1",
                    "customer_id": "u",
                    "ts": at(5),
                    "role": "customer",
                    "text": "is it in stock?",
                },
                {
                    "message_id": "M2",
                    "conversation_id": "V1",
                    "customer_id": "u",
                    "ts": at(5.5),
                    "role": "agent",
                    "text": "yes",
                },
                {
                    "message_id": "M3",
                    "conversation_id": "V2",
                    "customer_id": "w",
                    "ts": at(1),
                    "role": "customer",
                    "text": "refund please",
                },
            ],
        ),
    )
    return events


TEXTS = pd.DataFrame(
    {
        "text_id": ["R1", "M1", "M2", "M3"],
        "source": ["reviews", "messages", "messages", "messages"],
        "sentiment": ["negative", "neutral", "positive", "negative"],
        "intent": [None, "purchase", "other", "return_refund"],
    }
)


def test_timeline_with_and_without_text_insight(warehouse, load, ref):
    events = _shop(warehouse, load, ref)
    tl = customer_timeline(warehouse, "u").execute()
    kinds = ["event", "event", "message", "message", "event", "event", "order", "event", "review"]
    assert tl["kind"].tolist() == kinds
    assert tl["sentiment"].isna().all()
    ev = tl[tl["kind"] == "event"]
    want = ref.assign_sessions(events[events["customer_id"] == "u"])
    assert ev["session_id"].tolist() == want["session_id"].tolist()
    assert ev["new_session"].tolist() == [True, False, False, False, True]

    warehouse.create_table("insight_texts", TEXTS)
    tl = customer_timeline(warehouse, "u").execute().set_index("ref_id")
    assert tl.loc["R1", "sentiment"] == "negative" and tl.loc["e5", "sentiment"] == "negative"
    assert tl.loc["M2", "intent"] == "other" and tl.loc["e2", "intent"] == "purchase"
    assert pd.isna(tl.loc["e1", "intent"])

    steps = with_text_insight(
        warehouse.table("events"), warehouse.table("insight_texts"), warehouse.table("messages")
    )
    f = funnel_frame(steps, ["chat", "add_to_cart"], breakdown="intent")
    got = {(r.intent, r.step): r.entered for r in f.itertuples()}
    assert got == {
        ("purchase", 1): 1,
        ("purchase", 2): 1,
        ("return_refund", 1): 1,
        ("return_refund", 2): 0,
    }

    with pytest.raises(InputError, match="unknown customer 'nobody'"):
        customer_timeline(warehouse, "nobody")
