"""Journeys on the seeded demo shop, against the generator's known answer.

The demo writes the exact funnel probabilities of every session
(``truth/sessions.parquet``); the empirical step conversion of a session funnel must match
their mean within sampling error (4 standard errors of a sum of Bernoulli draws).
"""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from shoplens.data.schema import TABLES
from shoplens.journeys import (
    customer_timeline,
    funnel,
    funnel_frame,
    path_edges,
    sessionize,
    with_text_insight,
)

STEPS = ["view", "add_to_cart", "checkout", "purchase"]
PROBS = [("p_cart", None), ("p_checkout", "carted"), ("p_purchase", "checked_out")]
PROBS_COLS = ("carted", "checked_out", "purchased")


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A 1500-customer, ~100k-event demo shop loaded into a DuckDB warehouse."""
    from shoplens.data.demo import generate_demo
    from shoplens.warehouse import connect

    root = tmp_path_factory.mktemp("journeys-demo")
    generate_demo(root / "shop", customers=1500, events=100_000, seed=11)
    con = connect("duckdb", root / "w.duckdb")
    for name in ("customers", "events", "orders", "reviews", "messages"):
        frame = pd.read_parquet(root / "shop" / f"{name}.parquet")
        con.insert(name, frame.reindex(columns=list(TABLES[name].columns)))
    truth = pd.read_parquet(root / "shop" / "truth" / "sessions.parquet")
    yield con, truth, root / "shop"
    con.disconnect()


def _check_rates(frame: pd.DataFrame, truth: pd.DataFrame, label: str) -> None:
    shop = truth[truth["kind"] == "shop"]
    entered = frame.sort_values("step")["entered"].to_numpy()
    assert entered[0] == len(shop), label
    for k, (prob, given) in enumerate(PROBS, start=1):
        base = shop if given is None else shop[shop[given].astype(bool)]
        p = base[prob].to_numpy(dtype=float)
        rate = entered[k] / entered[k - 1]
        se = np.sqrt(np.sum(p * (1 - p))) / len(p)
        assert abs(rate - p.mean()) <= 4 * se + 1e-9, (label, prob, rate, p.mean(), se)


def test_session_funnel_matches_known_drop_off(shop):
    con, truth, _ = shop
    events = con.table("events")
    frame = funnel_frame(events, STEPS, by="session", window=timedelta(days=1))
    _check_rates(frame, truth, "all")
    # the funnel counts are the generator's own outcomes, exactly
    shop_sessions = truth[truth["kind"] == "shop"]
    want = [len(shop_sessions), *(int(shop_sessions[c].sum()) for c in PROBS_COLS)]
    assert frame["entered"].tolist() == want
    by = funnel_frame(events, STEPS, by="session", window=timedelta(days=1), breakdown="channel")
    for channel, part in by.groupby("channel"):
        _check_rates(part, truth[truth["channel"] == channel], channel)


def test_sessions_and_paths_recover_the_generator(shop, ref_paths):
    con, truth, _ = shop
    events = con.table("events")
    sessions = sessionize(events).execute().sort_values(["customer_id", "start"])
    want = truth.sort_values(["customer_id", "start"])
    # every generated session is found, with its customer and first event time
    assert sessions["customer_id"].tolist() == want["customer_id"].tolist()
    got_start = pd.to_datetime(sessions["start"], utc=True).to_numpy()
    np.testing.assert_array_equal(got_start, pd.to_datetime(want["start"], utc=True).to_numpy())
    # a shop session converts exactly when the generator made it buy
    shop_rows = (want["kind"] == "shop").to_numpy()
    converted = sessions["converted"].to_numpy(dtype=bool)[shop_rows]
    np.testing.assert_array_equal(converted, want["purchased"].to_numpy(dtype=bool)[shop_rows])
    # stage paths of a slice of customers against the pandas reference
    some = sorted(truth["customer_id"].unique())[:150]
    sub = events.filter(events.customer_id.isin(some))
    got = path_edges(sub, depth=3, exits=True, level="stage").execute()
    ref = ref_paths.path_edges(sub.execute(), depth=3, exits=True, level="stage")
    key = ["source", "source_depth", "target", "target_depth"]
    got = got.sort_values(key).reset_index(drop=True)[[*key, "sessions"]]
    want_edges = ref.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want_edges, check_dtype=False)


def test_report_sections_on_the_demo(shop):
    from shoplens.journeys.report import DEFAULT_FUNNEL, journeys_sections, run_journeys

    con, truth, _ = shop
    run_journeys(con)
    sections = journeys_sections(con)
    assert [s.anchor for s in sections] == ["journeys", "journeys-paths", "journeys-retention"]
    assert con.table("journey_sessions").count().execute() == len(truth)
    # the view draws what the job stored, and the job stored the library's answer
    events = con.table("events")
    stored = con.table("journey_funnel").execute()
    direct = funnel_frame(events, list(DEFAULT_FUNNEL), window=timedelta(days=7))
    assert stored["entered"].tolist() == direct["entered"].tolist()
    funnel_html = sections[0].html
    for n in stored["entered"]:
        assert f'<td class="num">{int(n):,}</td>' in funnel_html
    assert '"type":"funnel"' in funnel_html and '"type":"sankey"' in sections[1].html
    edges = con.table("journey_path_edges").execute()
    assert edges["sessions"][edges["source_depth"] == 1].sum() == len(truth)
    assert '"type":"heatmap"' in sections[2].html


def _insight_texts(root) -> pd.DataFrame:
    """insight_texts built from the generator's truth (as the text part would write it)."""
    reviews = pd.read_parquet(root / "truth" / "reviews.parquet")
    conv = pd.read_parquet(root / "truth" / "conversations.parquet")
    msgs = pd.read_parquet(root / "messages.parquet")
    first = msgs[msgs["role"] == "customer"].sort_values(["ts", "message_id"])
    first = first.drop_duplicates("conversation_id").merge(conv, on="conversation_id")
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "text_id": reviews["review_id"],
                    "source": "reviews",
                    "sentiment": reviews["sentiment"],
                    "intent": None,
                }
            ),
            pd.DataFrame(
                {
                    "text_id": first["message_id"],
                    "source": "messages",
                    "sentiment": "neutral",
                    "intent": first["intent"],
                }
            ),
        ],
        ignore_index=True,
    )


def test_text_insight_on_steps_and_timeline(shop):
    con, _, root = shop
    texts = _insight_texts(root)
    con.create_table("insight_texts", texts, overwrite=True)
    try:
        ev = with_text_insight(
            con.table("events"), con.table("insight_texts"), con.table("messages")
        ).execute()
        chats = ev[ev["type"] == "chat"]
        conv = pd.read_parquet(root / "truth" / "conversations.parquet")
        ids = chats["properties"].map(lambda p: json.loads(p).get("conversation_id"))
        want = ids.map(conv.set_index("conversation_id")["intent"])
        assert chats["intent"].notna().mean() > 0.9
        assert (chats["intent"].dropna() == want[chats["intent"].notna()]).all()
        reviews = ev[ev["type"] == "review"]
        truth = pd.read_parquet(root / "truth" / "reviews.parquet").set_index("review_id")
        rid = reviews["properties"].map(lambda p: json.loads(p).get("review_id"))
        assert (reviews["sentiment"].to_numpy() == rid.map(truth["sentiment"]).to_numpy()).all()
        # intent as a funnel breakdown: chat -> add_to_cart per session
        table = con.create_table(
            "journey_events_text",
            with_text_insight(
                con.table("events"), con.table("insight_texts"), con.table("messages")
            ),
            overwrite=True,
        )
        f = funnel(table, ["chat", "add_to_cart"], by="session", breakdown="intent").execute()
        assert set(f["intent"].dropna()) <= set(conv["intent"])
        # timeline of a reviewer carries the review's sentiment
        who = pd.read_parquet(root / "reviews.parquet")["customer_id"].iloc[0]
        tl = customer_timeline(con, who).execute()
        assert tl["ts"].is_monotonic_increasing
        assert tl.loc[tl["kind"] == "review", "sentiment"].notna().all()
        assert tl.loc[tl["kind"] == "event", "new_session"].sum() >= 1
    finally:
        con.drop_table("insight_texts", force=True)
        con.drop_table("journey_events_text", force=True)
