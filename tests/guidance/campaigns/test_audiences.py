"""Audiences on DuckDB and Spark against a plain-pandas reference; errors and exports."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pandas as pd
import pytest

from shoplens.data.schema import TABLES
from shoplens.errors import ShopLensError
from shoplens.guidance.campaigns.audiences import (
    Audience,
    AudienceError,
    evaluate_audiences,
    export_audience,
    load_audiences,
    post_webhook,
    ready_audiences,
    store_audiences,
)
from shoplens.lifecycle.store import write_lifecycle_customers

AS_OF = pd.Timestamp("2025-06-30 12:00", tz="UTC")
N = 80
IDS = [f"C{i:03d}" for i in range(N)]
STAGES = ["new", "active", "loyal", "at_risk", "churned"]
SEGS = ["champions", "loyal_customers", "hibernating", "at_risk"]


def _data(seed: int = 0) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    customers = pd.DataFrame({"customer_id": IDS, "first_seen": AS_OF - pd.Timedelta(days=400),
                              "country": rng.choice(["CN", "US"], N), "region": None,
                              "attributes": None})  # fmt: skip
    rows = []
    for i in range(600):
        c = IDS[rng.integers(N)]
        ts = (AS_OF - pd.Timedelta(hours=float(rng.uniform(-5, 24 * 40)))).floor(
            "s"
        )  # a few after as_of
        typ = rng.choice(["view", "add_to_cart", "purchase", "review"], p=[0.5, 0.25, 0.15, 0.1])
        rows.append((f"e{i}", c, None, ts, typ))
    events = pd.DataFrame(rows, columns=["event_id", "customer_id", "session_id", "ts", "type"])
    reviews = pd.DataFrame({
        "review_id": [f"r{i}" for i in range(40)], "customer_id": rng.choice(IDS, 40),
        "item_id": "i1",
        "ts": [(AS_OF - pd.Timedelta(days=float(d))).floor("s") for d in rng.uniform(0, 60, 40)],
        "rating": 3, "title": "", "text": "x", "lang": "en"})  # fmt: skip
    messages = pd.DataFrame({
        "message_id": [f"m{i}" for i in range(40)], "conversation_id": "k",
        "customer_id": rng.choice(IDS, 40), "ts": [(AS_OF - pd.Timedelta(days=float(d))).floor("s")
                                                   for d in rng.uniform(0, 60, 40)],
        "role": rng.choice(["customer", "agent"], 40), "text": "x", "lang": "zh"})  # fmt: skip
    src = ["reviews"] * 40 + ["messages"] * 40
    tid = list(reviews.review_id) + list(messages.message_id)
    aspect = rng.choice(["delivery", "quality", None], 80)
    insight = pd.DataFrame({
        "text_id": tid, "source": src, "lang": "en",
        "sentiment": rng.choice(["negative", "neutral", "positive"], 80),
        "p_neg": 0.5, "p_neu": 0.2, "p_pos": 0.3,
        "aspects": [json.dumps([{"aspect": a, "term": "t"}]) if a else "[]" for a in aspect],
        "entities": "[]", "intent": rng.choice(["complaint", "other"], 80, p=[0.2, 0.8]),
        "model_version": "v", "scored_at": AS_OF})  # fmt: skip
    lc = []
    for k, day in enumerate(["2025-05-01", "2025-06-30"]):
        lc.append(pd.DataFrame({
            "customer_id": IDS[k * 5:], "run_date": pd.Timestamp(day).date(),
            "recency_days": rng.uniform(0, 300, N - k * 5),
            "frequency": rng.integers(0, 9, N - k * 5),
            "monetary": rng.uniform(0, 500, N - k * 5), "R": 1, "F": 1, "M": 1,
            "rfm_segment": rng.choice(SEGS, N - k * 5), "stage": rng.choice(STAGES, N - k * 5),
            "segment_id": 0, "segment_name": "s", "p_alive": rng.uniform(0, 1, N - k * 5),
            "expected_purchases": 1.0, "clv": rng.gamma(1.0, 600, N - k * 5),
            "churn_probability": np.where(rng.random(N - k * 5) < 0.1, np.nan,
                                          rng.uniform(0, 1, N - k * 5))}))  # fmt: skip
    recs = pd.DataFrame({"customer_id": IDS[::3], "rank": 1, "item_id": "i1", "title": "t",
                         "score": rng.uniform(0, 1, len(IDS[::3])), "model": "m",
                         "reason": ""})  # fmt: skip
    return dict(customers=customers, events=events, reviews=reviews, messages=messages,
                insight_texts=insight, lifecycle=pd.concat(lc), recommendations=recs)  # fmt: skip


def _load(con, d):  # type: ignore[no-untyped-def]
    for name in ("customers", "events", "reviews", "messages"):
        con.insert(name, d[name].reindex(columns=list(TABLES[name].columns)))
    con.create_table("insight_texts", d["insight_texts"])
    con.create_table("guidance_recommendations", d["recommendations"])
    write_lifecycle_customers(con, d["lifecycle"])


def _reference(d, name: str) -> set[str]:
    e = d["events"][d["events"].ts <= AS_OF]
    lc = d["lifecycle"][d["lifecycle"].run_date == pd.Timestamp("2025-06-30").date()]
    lc = lc.set_index("customer_id").reindex(IDS)
    last = lambda t: e[e.type == t].groupby("customer_id").ts.max()  # noqa: E731
    buy, cart, rev = last("purchase"), last("add_to_cart"), last("review")
    if name == "cart_recovery":
        return {c for c, t in cart.items() if t >= AS_OF - pd.Timedelta(hours=48)
                and not (c in buy and buy[c] >= t)}  # fmt: skip
    if name == "review_request":
        return {c for c, t in buy.items() if t >= AS_OF - pd.Timedelta(days=14)
                and not (c in rev and rev[c] >= t)}  # fmt: skip
    if name == "win_back":
        recent = set(buy[buy >= AS_OF - pd.Timedelta(days=30)].index)
        ok = lc.stage.isin(["at_risk", "churned"]) & (
            (lc.churn_probability >= 0.5) | (lc.p_alive < 0.5)
        )
        return set(lc.index[ok]) - recent
    if name == "vip":
        ok = (lc.rfm_segment.isin(["champions", "loyal_customers"]) | (lc.clv >= 1000)) & (
            lc.stage != "churned"
        )
        return set(lc.index[ok & lc.stage.notna()])
    if name == "post_complaint_care":
        it = d["insight_texts"]
        bad = it[(it.sentiment == "negative") | (it.intent == "complaint")]
        msgs = d["messages"][d["messages"].role != "agent"]
        src = pd.concat([d["reviews"].rename(columns={"review_id": "text_id"}),
                         msgs.rename(columns={"message_id": "text_id"})])  # fmt: skip
        j = bad.merge(src, on="text_id")
        j = j[(j.ts >= AS_OF - pd.Timedelta(days=30)) & (j.ts <= AS_OF)]
        return set(j.customer_id)
    if name == "late_delivery":
        it = d["insight_texts"]
        bad = it[((it.sentiment == "negative") | (it.intent == "complaint"))
                 & it.aspects.str.contains('"aspect": "delivery"')]  # fmt: skip
        msgs = d["messages"][d["messages"].role != "agent"]
        src = pd.concat([d["reviews"].rename(columns={"review_id": "text_id"}),
                         msgs.rename(columns={"message_id": "text_id"})])  # fmt: skip
        j = bad.merge(src, on="text_id")
        j = j[(j.ts >= AS_OF - pd.Timedelta(days=30)) & (j.ts <= AS_OF)]
        return set(j.customer_id) & set(lc.index[lc.clv.between(100, 5000)])
    if name == "recs_us":
        r = d["recommendations"]
        us = set(d["customers"].customer_id[d["customers"].country == "US"])
        return set(r.customer_id[r.score >= 0.5]) & us
    raise KeyError(name)


CUSTOM = """
audiences:
  - name: late_delivery
    where:
      all:
        - complained: {within_days: 30, aspect: logistics}
        - clv: {between: [100, 5000]}
  - name: recs_us
    description: recommended with confidence, in the US
    where:
      - recommended: {min_score: 0.5}
      - country: US
"""


def test_audiences_match_pandas_on_each_engine(warehouse):
    d = _data()
    _load(warehouse, d)
    auds = [*ready_audiences(), *load_audiences(CUSTOM)]
    if warehouse.name != "duckdb":  # Spark is slow on a small machine: one audience per path
        auds = [a for a in auds if a.name in ("cart_recovery", "late_delivery")]
    run = evaluate_audiences(warehouse, auds, as_of=AS_OF)
    for a in auds:
        got = set(run.members.loc[run.members.audience == a.name, "customer_id"])
        assert got == _reference(d, a.name), a.name
    assert (run.sizes["size"] > 0).all()
    ov = run.overlaps
    assert ov.iloc[0, 0] == run.sizes["size"].iloc[0]
    assert ov.equals(ov.T)


def test_change_since_last_run_and_store(duck):
    d = _data()
    _load(duck, d)
    auds = ready_audiences()
    first = evaluate_audiences(duck, auds, as_of=AS_OF - pd.Timedelta(days=3))
    assert first.sizes["added"].isna().all()
    store_audiences(duck, first)
    second = evaluate_audiences(duck, auds, as_of=AS_OF)
    store_audiences(duck, second)
    s = second.sizes.set_index("audience")
    for name in ("cart_recovery", "review_request"):
        a = set(first.members.customer_id[first.members.audience == name])
        b = set(second.members.customer_id[second.members.audience == name])
        assert (s.loc[name, "added"], s.loc[name, "removed"]) == (len(b - a), len(a - b))
    assert duck.table("guidance_audience_runs").count().execute() == 2 * len(auds)
    assert duck.table("guidance_audiences").count().execute() == len(second.members)


def test_exports_and_webhook(duck, tmp_path):
    d = _data()
    _load(duck, d)
    run = evaluate_audiences(duck, ready_audiences(), as_of=AS_OF)
    want = set(run.members.customer_id[run.members.audience == "vip"])
    csv = pd.read_csv(export_audience(run, "vip", tmp_path / "vip.csv"))
    assert set(csv.customer_id) == want
    js = json.loads(export_audience(run, "vip", tmp_path / "vip.json").read_text("utf-8"))
    assert set(js["customer_ids"]) == want and js["size"] == len(want)
    got: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200 if len(got) < 99 else 500)
            self.end_headers()

        def log_message(self, *args):  # quiet
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        sent = post_webhook(run, "vip", url, batch=7)
        assert sent == len(got) == -(-len(want) // 7)
        assert {c for b in got for c in b["customer_ids"]} == want
        with pytest.raises(ShopLensError, match="webhook"):
            post_webhook(run, "vip", "http://127.0.0.1:9/none", timeout=1)
    finally:
        server.shutdown()


def test_empty_audience_is_a_warning(duck, caplog):
    _load(duck, _data())
    run = evaluate_audiences(duck, [Audience("nobody", {"clv": {"lt": -1}})], as_of=AS_OF)
    assert run.sizes["size"].tolist() == [0]
    assert "empty" in run.warnings[0] and "empty" in caplog.text


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("audiences:\n  - name: a\n    where:\n      - stage: new\n      - chrun: {gt: 1}\n",
         5, "unknown field 'chrun'"),
        ("audiences:\n  - name: a\n    where:\n      clv: {greater: 3}\n", 4, "unknown operator"),
        ("audiences:\n  - name: a\n    where:\n      - abandoned_cart: {hours: 3}\n", 4,
         "unknown parameter 'hours'"),
        ("audiences:\n  - name: a\n    wehre: {stage: new}\n    where: {stage: new}\n", 3,
         "unknown key 'wehre'"),
        ("audiences:\n  - name: a\n    where:\n      stage: {gt: 3}\n", 4, "is text"),
        ("audiences:\n  - name: a\n    where: {stage: [new\n", 4, "not valid YAML"),
    ],
)  # fmt: skip
def test_bad_definitions_point_at_the_line(text, line, words):
    with pytest.raises(AudienceError, match=rf"line {line}: .*{words}"):
        load_audiences(text)


def test_missing_tables_say_what_to_run(duck):
    with pytest.raises(AudienceError, match="lifecycle"):
        evaluate_audiences(duck, [Audience("x", {"stage": "new"})])
    duck.insert(
        "customers", _data()["customers"].reindex(columns=list(TABLES["customers"].columns))
    )
    with pytest.raises(AudienceError, match="text enrich"):
        evaluate_audiences(duck, [Audience("x", {"complained": True})])
