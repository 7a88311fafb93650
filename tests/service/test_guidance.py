"""``POST /v1/recommendations`` and ``POST /v1/assistant/chat`` against the real app: the
answers equal the library's, customer-bound keys stay on their customer, bad bodies get a
JSON 4xx, served lists become impressions, turns are stored, the stream parses."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest

_CHECKS = runpy.run_path(str(Path(__file__).with_name("checks.py")))
auth, _error, _drained = _CHECKS["auth"], _CHECKS["error_body"], _CHECKS["drained"]


def _library_recommend(settings, customer, events, n):
    from shoplens.guidance.recommend.service import RecommendService

    return RecommendService(settings.recommender_path).recommend(customer, events, n)


def _same_items(got, want):
    assert [i["item_id"] for i in got] == [i["item_id"] for i in want]
    assert [i["reason"] for i in got] == [i["reason"] for i in want]
    assert [i["model"] for i in got] == [i["model"] for i in want]
    assert [i["score"] for i in got] == pytest.approx([i["score"] for i in want])


def test_recommendations_equal_the_library(client, keys, customers, settings):
    r = client.post(
        "/v1/recommendations",
        headers=auth(keys["reader"]),
        json={"customer_id": customers[2], "n": 5},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    want = _library_recommend(settings, customers[2], [], 5)
    assert body["customer_id"] == customers[2] and len(body["items"]) == 5
    assert body["model_version"] == want["model_version"] is not None
    _same_items(body["items"], want["items"])
    assert [i["rank"] for i in body["items"]] == [1, 2, 3, 4, 5]


def test_session_events_and_unknown_customer(client, keys, settings):
    from shoplens.guidance.recommend.service import RecommendService

    engine = RecommendService(settings.recommender_path).engine
    item = str(engine.item_ids_[0])
    events = [{"type": "view", "item_id": item}, {"type": "search", "query": "phone"}]
    r = client.post(
        "/v1/recommendations",
        headers=auth(keys["admin"]),
        json={"customer_id": "never-seen", "events": events, "n": 4},
    )
    assert r.status_code == 200, r.text
    _same_items(r.json()["items"], _library_recommend(settings, "never-seen", events, 4)["items"])
    # no session either: popularity, with the library's reason
    cold = client.post(
        "/v1/recommendations", headers=auth(keys["admin"]), json={"customer_id": "nobody", "n": 3}
    ).json()
    assert cold["items"] and all(i["reason"].startswith("popular") for i in cold["items"])
    _same_items(cold["items"], _library_recommend(settings, "nobody", [], 3)["items"])


def test_served_lists_are_recorded_as_impressions(client, keys, customers):
    r = client.post(
        "/v1/recommendations", headers=auth(keys["assistant"]), json={"n": 3}
    )  # the bound key's own customer by default
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["customer_id"] == customers[0]
    _drained(client)
    with client.app.state.service.warehouse.reader() as con:
        t = con.table("events")
        got = t.filter(t.event_id.startswith(f"imp:{body['request_id']}:")).execute()
    got = got.sort_values("event_id")
    assert len(got) == len(body["items"]) == 3
    assert set(got["type"]) == {"impression"} and set(got["customer_id"]) == {customers[0]}
    props = [json.loads(p) for p in got["properties"]]
    by_slot = {p["slot"]: p for p in props}
    for item in body["items"]:
        p = by_slot[item["rank"]]
        assert p["request_id"] == body["request_id"] and p["model"] == item["model"]
        assert p["model_version"] == body["model_version"]
    assert dict(zip(got["event_id"], got["item_id"], strict=True)) == {
        f"imp:{body['request_id']}:{i['rank']}": i["item_id"] for i in body["items"]
    }


@pytest.mark.parametrize("who", ["assistant", "bound_reader"])
def test_bound_key_recommends_only_for_its_customer(client, keys, customers, who):
    ok = client.post(
        "/v1/recommendations", headers=auth(keys[who]), json={"customer_id": customers[0]}
    )
    assert ok.status_code == 200 and ok.json()["customer_id"] == customers[0]
    for other in (customers[1], "nobody-here"):
        r = client.post("/v1/recommendations", headers=auth(keys[who]), json={"customer_id": other})
        _error(r, 403, "customer_bound")


@pytest.mark.parametrize(
    "body",
    [
        {"customer_id": "c", "n": 0},
        {"customer_id": "c", "n": "many"},
        {"customer_id": "c", "colour": "red"},
        {"customer_id": ""},
        {"events": [{"item_id": "x"}]},
        {"events": "view"},
        {},  # neither a customer nor a session
        [],
    ],
)
def test_malformed_recommendation_bodies(client, keys, body):
    r = client.post("/v1/recommendations", headers=auth(keys["reader"]), json=body)
    _error(r, 422)


def test_recommendations_scope_and_bad_json(client, keys):
    r = client.post("/v1/recommendations", headers=auth(keys["writer"]), json={"customer_id": "c"})
    _error(r, 403, "insufficient_scope")
    r = client.post(
        "/v1/recommendations",
        headers={**auth(keys["reader"]), "Content-Type": "application/json"},
        content=b'{"customer_id": ',
    )
    _error(r, 422)


def test_no_fitted_recommender_is_409(client, keys, settings, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "recommender_dir", tmp_path / "nothing")
    r = client.post("/v1/recommendations", headers=auth(keys["reader"]), json={"customer_id": "c"})
    body = _error(r, 409, "not_computed")
    assert "shoplens recommend fit" in body["message"]


# -- the assistant -----------------------------------------------------------------------
def sse(response):
    """``[(event, data)]`` of a server-sent-events body."""
    assert response.headers["content-type"].startswith("text/event-stream")
    out = []
    for block in response.text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((fields["event"], json.loads(fields["data"])))
    return out


def _chat(client, key, message, conversation_id=None):
    body = {"message": message}
    if conversation_id:
        body["conversation_id"] = conversation_id
    return client.post("/v1/assistant/chat", headers=auth(key), json=body)


def test_chat_streams_the_library_answer_and_stores_the_turn(client, keys, customers):
    from shoplens.guidance.assistant import Assistant

    question = "How do I return an item?"
    r = _chat(client, keys["assistant"], question)
    assert r.status_code == 200, r.text
    events = sse(r)
    kinds = [e for e, _ in events]
    assert kinds[0] == "start" and kinds[-1] == "done" and set(kinds[1:-1]) == {"delta"}
    done = events[-1][1]
    conv = events[0][1]["conversation_id"]
    assert done["conversation_id"] == conv
    assert "".join(d["text"] for e, d in events if e == "delta") == done["answer"]
    # the library's own answer for the same customer and question
    st = client.app.state.service
    bot = Assistant(st.warehouse.dedicated_reader(), embed=False, analyzer=None, save=False)
    want = bot.reply(None, customers[0], question)
    assert done["answer"] == want.answer and done["citations"] == want.citations
    assert done["intent"] == want.intent and done["verifier"] == json.loads(
        json.dumps(want.verifier)
    )
    assert done["handoff"] is None and done["stored"] is True
    # the two messages of the turn, and its audit row, are in the warehouse
    with st.warehouse.reader() as con:
        m = con.table("messages")
        rows = m.filter(m.conversation_id == conv).execute().sort_values("ts")
        t = con.table("guidance_assistant_turns")
        audit = t.filter(t.conversation_id == conv).execute()
    assert rows["role"].tolist() == ["customer", "bot"]
    assert set(rows["customer_id"]) == {customers[0]}
    assert rows["message_id"].tolist() == done["message_ids"]
    assert audit["message_id"].tolist() == [done["message_ids"][1]]


def test_chat_continues_a_conversation_and_hands_off(client, keys):
    first = sse(_chat(client, keys["assistant"], "Can I pay cash on delivery?"))
    conv = first[0][1]["conversation_id"]
    assert first[-1][1]["citations"]
    again = sse(_chat(client, keys["assistant"], "I want to talk to a human agent", conv))
    done = again[-1][1]
    assert done["conversation_id"] == conv
    assert done["handoff"] is not None and done["handoff"]["reason"]
    assert done["handoff"]["summary"]["conversation_id"] == conv


def test_chat_customer_comes_from_the_key(client, keys, customers):
    # a customer id in the body is refused, not used
    r = client.post(
        "/v1/assistant/chat",
        headers=auth(keys["assistant"]),
        json={"message": "hi", "customer_id": customers[1]},
    )
    _error(r, 422)
    # another customer's conversation cannot be continued
    conv = sse(_chat(client, keys["assistant"], "Where is my order?"))[0][1]["conversation_id"]
    _error(_chat(client, keys["assistant2"], "Where is my order?", conv), 403, "customer_bound")
    # ... nor once the service forgot it (a restart): the stored messages name the owner
    bot, _ = client.app.state.service.loaded["assistant"]
    bot._conversations.pop(conv)
    _error(_chat(client, keys["assistant2"], "Where is my order?", conv), 403, "customer_bound")
    again = sse(_chat(client, keys["assistant"], "Where is my order?", conv))
    assert again[-1][1]["conversation_id"] == conv


def test_chat_needs_a_customer_bound_assistant_key(client, keys):
    _error(_chat(client, keys["reader"], "hi"), 403, "insufficient_scope")
    _error(_chat(client, keys["admin"], "hi"), 409, "customer_required")
    _error(_chat(client, "slk_00000000_nope", "hi"), 401)


@pytest.mark.parametrize(
    "body",
    [{}, {"message": ""}, {"message": 3}, {"message": "hi", "conversation_id": "../x"}, []],
)
def test_malformed_chat_bodies(client, keys, body):
    r = client.post("/v1/assistant/chat", headers=auth(keys["assistant"]), json=body)
    _error(r, 422)
