"""The verifier: invented prices, dates, policy terms and order states are caught."""

from __future__ import annotations

import json

import pytest

from shoplens.guidance.assistant.kb import load_kb
from shoplens.guidance.assistant.verify import Source, extract_claims, verify


@pytest.fixture(scope="module")
def sources():
    kb = load_kb()
    order = {"order_id": "O0000042", "status": "shipped", "order_date": "2025-10-28",
             "total": 1299.0, "currency": "CNY", "eligible": False}  # fmt: skip
    item = {"item_id": "I00008", "title": "Xiaomi Max Smartphone 12+512G Red", "price": 2939.0}
    out = {
        sid: Source(sid, " ".join(p.text for p in kb.passages if p.id == sid), "policy")
        for sid in ("returns#no-reason", "shipping#fees", "returns#order-status-rules")
    }
    out["order:O0000042"] = Source("order:O0000042", json.dumps(order), "order")
    out["item:I00008"] = Source("item:I00008", json.dumps(item), "item")
    return out


GOOD = [
    "Order O0000042 (placed 2025-10-28, total 1,299.00 CNY) is shipped [order:O0000042].",
    "订单O0000042（2025年10月28日下单，金额1299元）已发货 [order:O0000042]。",
    "The Xiaomi Max Smartphone 12+512G Red costs ¥2,939 [item:I00008].",
    "You can return items within 7 days without a reason [returns#no-reason].",
    "七天无理由退货，食品除外 [returns#no-reason]。",
    "Shipping is free from 99 CNY; below that it costs 8 CNY [shipping#fees].",
    "Order O0000042 cannot be returned yet: wait for delivery [order:O0000042] "
    "[returns#order-status-rules].",
    "Hello! How can I help?",
]


@pytest.mark.parametrize("answer", GOOD)
def test_supported_answers_pass(answer, sources):
    v = verify(answer, sources)
    assert v.ok, v.reason


BAD = [
    # an invented price
    ("The Xiaomi Max Smartphone 12+512G Red costs 2,499 CNY [item:I00008].", "number"),
    ("订单O0000042金额999元，已发货 [order:O0000042]。", "number"),
    # an invented date
    ("Order O0000042 was placed on 2025-10-21 and is shipped [order:O0000042].", "date"),
    ("Order O0000042 was placed on October 21, 2025 [order:O0000042].", "date"),
    ("订单O0000042于10月21日下单 [order:O0000042]。", "date"),
    # an invented policy term
    ("All phones come with a lifetime warranty [returns#no-reason].", "term"),
    ("We offer cash on delivery for every order [shipping#fees].", "term"),
    ("七天无理由退货，并提供价格保护 [returns#no-reason]。", "term"),
    ("You can return items within 30 days [returns#no-reason].", "number"),
    ("You can return items within thirty days [returns#no-reason].", "number"),
    ("可以在十五天内无理由退货 [returns#no-reason]。", "number"),
    # an invented order state
    ("Order O0000042 has been delivered [order:O0000042].", "state"),
    ("订单O0000042已签收 [order:O0000042]。", "state"),
    ("Order O0000042 was cancelled [order:O0000042].", "state"),
    # an order state backed only by a policy text, not by the order
    ("Your order O0000042 has been delivered [returns#order-status-rules].", "state"),
    # an invented eligibility
    ("Good news: order O0000042 can be returned [order:O0000042].", "eligibility"),
    # someone else's order
    ("Order O0000777 is shipped [order:O0000042].", "id"),
]


@pytest.mark.parametrize(("answer", "kind"), BAD)
def test_invented_claims_are_rejected_with_their_kind(answer, kind, sources):
    v = verify(answer, sources)
    assert not v.ok
    assert kind in {c.kind for c in v.unsupported}, v.reason


def test_missing_and_unknown_citations_fail(sources):
    assert not verify("Shipping is free from 99 CNY.", sources).ok
    v = verify("Shipping is free from 99 CNY [shipping#gifts].", sources)
    assert not v.ok and "unknown" in v.reason
    # a fact true in a source the answer does not cite is still unsupported
    assert not verify("Shipping is free from 99 CNY [returns#no-reason].", sources).ok


def test_claim_extraction_normalises_numbers_and_dates():
    claims = {(c.kind, c.value) for c in extract_claims("¥1,299.00 on 2025年3月5日, 两年, 9:00")}
    assert {("number", "1299.0"), ("date", "2025-03-05"), ("number", "2.0"),
            ("time", "9:00")} <= claims  # fmt: skip
    assert ("id", "O0000042") in {(c.kind, c.value) for c in extract_claims("订单O0000042")}
