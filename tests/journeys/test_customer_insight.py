"""The customer's latest sentiment and intent on every event, and funnels broken down by
them, on DuckDB and Spark against a plain-pandas reference on random shops."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplens.data.schema import TABLES
from shoplens.journeys import funnel_frame, with_customer_insight

HS = dict(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
BASE = pd.Timestamp("2024-03-01 08:00", tz="UTC")
TYPES = ["view", "view", "add_to_cart", "purchase", "review", "chat", "search"]
SENTIMENTS = ["positive", "negative", "neutral"]
INTENTS = ["purchase", "return_refund", "shipping"]


def _frame(name: str, rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows).reindex(columns=list(TABLES[name].columns))
    for col, typ in TABLES[name].columns.items():
        if typ.startswith("timestamp"):
            df[col] = pd.to_datetime(df[col], utc=True).astype("datetime64[us, UTC]")
        elif typ == "float64":
            df[col] = df[col].astype("float64")
        elif typ in ("int64", "int32"):
            df[col] = df[col].astype(typ)
        else:
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


def random_shop(seed: int):
    """Events with reviews and chats, their messages, and insight for some of the texts."""
    rng = np.random.default_rng(seed)
    events, messages, texts = [], [], []
    for i in range(int(rng.integers(0, 40))):
        typ = str(rng.choice(TYPES))
        cust = f"c{rng.integers(0, 4)}"
        ts = BASE + pd.Timedelta(hours=int(rng.choice([0, 1, 1, 5, 30, 100, 200])))
        ts += pd.Timedelta(minutes=int(rng.integers(0, 3)))  # many timestamp ties
        props = None
        if typ == "review":
            props = f'{{"review_id": "R{i}", "rating": 3}}'
            if rng.random() < 0.7:
                texts.append(("R" + str(i), "reviews", str(rng.choice(SENTIMENTS)), None))
        elif typ == "chat":
            props = f'{{"conversation_id": "V{i}"}}'
            for j in range(int(rng.integers(0, 3))):
                mid = f"M{i}_{j}"
                role = str(rng.choice(["customer", "agent"]))
                messages.append(
                    {
                        "message_id": mid,
                        "conversation_id": f"V{i}",
                        "customer_id": cust,
                        "ts": ts + pd.Timedelta(seconds=j),
                        "role": role,
                        "text": "hi",
                    }
                )
                if rng.random() < 0.7:
                    intent = str(rng.choice(INTENTS)) if rng.random() < 0.8 else None
                    texts.append((mid, "messages", str(rng.choice(SENTIMENTS)), intent))
        events.append(
            {
                "event_id": f"e{i:03d}",
                "customer_id": cust,
                "ts": ts,
                "type": typ,
                "value": 10.0 if typ == "purchase" else None,
                "channel": "ads",
                "device": "mobile",
                "properties": props,
            }
        )
    texts = pd.DataFrame(texts, columns=["text_id", "source", "sentiment", "intent"])
    texts = texts.astype(object).where(texts.notna(), None)
    return _frame("events", events), _frame("messages", messages), texts


def ref_customer_insight(events, messages, texts) -> pd.DataFrame:
    """Each event's own insight (review: its review's; chat: the conversation's first
    customer message with insight), then forward-filled per customer in (ts, event_id)
    order, each column on its own."""
    ins = {(r.text_id, r.source): (r.sentiment, r.intent) for r in texts.itertuples()}
    conv = {}
    msgs = messages.sort_values(["ts", "message_id"])
    for m in msgs.itertuples():
        if m.role == "customer" and (m.message_id, "messages") in ins:
            conv.setdefault(m.conversation_id, ins[(m.message_id, "messages")])
    rows = []
    for e in events.sort_values(["customer_id", "ts", "event_id"]).itertuples():
        own = (None, None)
        if e.type == "review":
            own = ins.get((e.properties.split('"')[3], "reviews"), own)
        elif e.type == "chat":
            own = conv.get(e.properties.split('"')[3], own)
        rows.append({"event_id": e.event_id, "customer_id": e.customer_id, "own": own})
    out = pd.DataFrame(rows, columns=["event_id", "customer_id", "own"])
    for k, col in enumerate(("sentiment", "intent")):
        out[col] = [o[k] for o in out["own"]]
        out[col] = out.groupby("customer_id")[col].ffill()
    return out.drop(columns="own")


def _key(v):
    return "(none)" if v is None or (isinstance(v, float) and np.isnan(v)) else v


def test_customer_insight_and_breakdown_match_reference(warehouse, load, ref):
    @settings(max_examples=4 if warehouse.name == "pyspark" else 30, **HS)
    @given(seed=st.integers(0, 10**6))
    def check(seed):
        events, messages, texts = random_shop(seed)
        ev = load(warehouse, events)
        warehouse.truncate_table("messages")
        if len(messages):
            warehouse.insert("messages", messages)
        typed = ibis.memtable(texts, schema={c: "string" for c in texts.columns})
        warehouse.create_table("insight_texts", typed, overwrite=True)
        steps = with_customer_insight(
            ev, warehouse.table("insight_texts"), warehouse.table("messages")
        )
        got = steps.select("event_id", "sentiment", "intent").execute()
        want = ref_customer_insight(events, messages, texts)
        merged = want.merge(got, on="event_id", suffixes=("_ref", ""))
        assert len(merged) == len(events) == len(got)
        for col in ("sentiment", "intent"):
            assert merged[col].map(_key).tolist() == merged[f"{col}_ref"].map(_key).tolist()

        funnel_steps = ["view", "add_to_cart", "purchase"]
        f = funnel_frame(steps, funnel_steps, breakdown="sentiment")
        got_f = {(_key(r.sentiment), r.step): (r.entered, r.in_progress) for r in f.itertuples()}
        df = events.merge(want[["event_id", "sentiment"]], on="event_id")
        r = ref.funnel(df, funnel_steps, breakdown=["sentiment"])
        want_f = {(_key(x.sentiment), x.step): (x.entered, x.in_progress) for x in r.itertuples()}
        assert got_f == want_f

    check()
