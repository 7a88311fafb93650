"""Messages: templates pass their checks; a planted invented price, a banned claim and an
over-long SMS are caught; PII never reaches a remote model unless allowed."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from shoplens.errors import InputError
from shoplens.guidance.campaigns.messages import check_message, store_messages, write_messages
from shoplens.llm.base import Completion, LLMBackend

PLAN = pd.DataFrame({
    "customer_id": ["C1", "C2", "C3", "C4"],
    "action": ["cross_sell", "win_back_coupon", "review_request", "do_nothing"],
    "channel": ["email", "sms", "push", None],
})  # fmt: skip
CUSTOMERS = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "name": ["王芳", "Li Wei", "Ann"],
                          "lang": ["zh", "en", "en"],
                          "segment": ["vip", "at_risk", None]})  # fmt: skip
RECS = pd.DataFrame({"customer_id": ["C1", "C1", "C2"], "rank": [1, 2, 1],
                     "title": ["荣耀 蓝牙耳机 128G", "安踏 牛仔裤 XL", "Anta jeans XL"],
                     "price": [479.0, 179.0, 179.0]})  # fmt: skip


class Scripted(LLMBackend):
    """A model that answers a fixed text and records what it was sent."""

    name = "openai"

    def __init__(self, reply: str, remote: bool = True) -> None:
        super().__init__("scripted-model")
        self.reply, self.remote, self.seen = reply, remote, []

    def complete(self, messages, **kwargs):  # type: ignore[no-untyped-def]
        self.seen.append([m.content for m in messages])
        return Completion(text=self.reply.format(name="[NAME]"), model=self.model)


def test_templates_in_both_languages_pass_their_checks():
    out = write_messages(PLAN, customers=CUSTOMERS, recommendations=RECS)
    assert len(out) == 3 and out.passed.all() and out.chosen.all()
    zh = out.set_index("customer_id").loc["C1", "text"]
    assert "王芳" in zh and "479" in zh and "荣耀" in zh
    en = out.set_index("customer_id").loc["C2", "text"]
    assert "10%" in en and len(en) <= 160


def test_a_planted_invented_price_is_caught_and_the_template_is_sent():
    model = Scripted("{name}, Anta jeans XL now only 99! 10% off your next order.")
    out = write_messages(PLAN.iloc[[1]], customers=CUSTOMERS, recommendations=RECS, backend=model)
    llm = out[out.variant == "llm"].iloc[0]
    assert json.loads(llm.checks)["invented_numbers"] == ["99"]
    assert not llm.passed and not llm.chosen
    assert out[out.variant == "template"].chosen.all()
    honest = Scripted("{name}, Anta jeans XL at 179, with 10% off your next order.")
    out = write_messages(PLAN.iloc[[1]], customers=CUSTOMERS, recommendations=RECS, backend=honest)
    assert out.set_index("variant").loc["llm", "chosen"]
    assert "Li Wei" in out.set_index("variant").loc["llm", "text"]
    assert out.set_index("variant").loc["llm", "model"] == "scripted-model"


@pytest.mark.parametrize(
    ("text", "channel", "failure"),
    [("全网最低价，蓝牙耳机只要479元", "sms", "banned_claims"),
     ("Guaranteed results with Anta jeans XL", "email", "banned_claims"),
     ("x" * 71, "sms", "too_long"), ("  ", "push", "empty")],
)  # fmt: skip
def test_checks_catch_claims_and_lengths(text, channel, failure):
    facts = {"items": [{"title": "蓝牙耳机", "price": 479.0}], "offer": {}}
    out = check_message(text, channel, "zh", facts)
    assert not out["passed"] and out[failure]


def test_pii_is_redacted_for_a_remote_model_unless_allowed():
    cust = CUSTOMERS.assign(name=["王芳 13812345678", "Li Wei li.wei@example.com", "Ann"])
    model = Scripted("Hello")
    write_messages(PLAN.iloc[[0]], customers=cust, recommendations=RECS, backend=model,
                   allow_pii_remote=False)  # fmt: skip
    sent = " ".join(model.seen[0])
    assert "13812345678" not in sent and "王芳" not in sent
    local = Scripted("Hello", remote=False)
    write_messages(PLAN.iloc[[0]], customers=cust, recommendations=RECS, backend=local)
    assert "13812345678" in " ".join(local.seen[0])
    allowed = Scripted("Hello")
    write_messages(PLAN.iloc[[0]], customers=cust, recommendations=RECS, backend=allowed,
                   allow_pii_remote=True)  # fmt: skip
    assert "13812345678" in " ".join(allowed.seen[0])


def test_variants_are_stored_with_their_audit(duck):
    model = Scripted("{name}, 99 only!")
    out = write_messages(PLAN, customers=CUSTOMERS, recommendations=RECS, backend=model)
    assert store_messages(duck, out) == 6
    stored = duck.table("guidance_messages").execute()
    llm = stored[stored.variant == "llm"]
    assert (llm.model == "scripted-model").all() and llm.prompt.str.contains("never invent").all()
    assert stored.groupby("customer_id").chosen.sum().eq(1).all()
    with pytest.raises(InputError, match="template"):
        write_messages(PLAN.assign(action="teleport"))
