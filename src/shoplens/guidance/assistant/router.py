# ruff: noqa: E501  (bilingual vocabularies and templates read best one per line)
"""Deterministic understanding of one message: intent, order id, return reason, products.

Flows for transactions, retrieval for information (Rasa CALM's split): which tool runs is
decided here by rules, never by a model, so a message (or a model) cannot make a tool run
for another customer or skip a check.

Examples
--------
>>> route("Where is my order O0000042?").intent
'order_status'
>>> r = route("这个坏了，能退货吗？", has_order_context=True)
>>> r.intent, r.reason
('return_order', 'quality')
>>> route("What is your return policy?").intent
'policy'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shoplens.guidance.assistant.guardrails import asks_for_human, complains, out_of_scope

__all__ = ["ORDER_ID", "Route", "route"]

ORDER_ID = re.compile(r"(?<![A-Za-z0-9])O\d{7}(?![0-9])")
_STATUS = re.compile(
    r"where(?:'s| is) my|track|tracking|status of|order status|arriv|deliver(?:ed|y)? (?:yet|date)|"
    r"hasn't shipped|not shipped|shipped yet|when will|package|parcel|check (?:on )?my order|"
    r"look up my order|查(?:一下|下)?(?:我的)?订单|"
    r"快递|物流|到哪|发货了吗|还没发货|没发货|什么时候到|什么时候能到|订单状态|单号|到了吗|派送",
    re.IGNORECASE,
)
_RETURN = re.compile(r"return|refund|send (?:it )?back|退货|退款|退换|退回|能退|可以退|退吗|退掉",
                     re.IGNORECASE)  # fmt: skip
_MINE = re.compile(r"\bmy (?:order|package|parcel|purchase|item|phone|shoes|dress|jacket)|\bi (?:bought|ordered)|\bit\b|\bthis one\b|\bthat one\b|\bthese\b|我的订单|我买的|这个|这单|那单|它|这件|这一单",
                   re.IGNORECASE)  # fmt: skip
_GENERAL = re.compile(
    r"policy|policies|rules?\b|how long|how many days|how much is (?:the )?(?:return )?shipping|"
    r"where can i find|how (?:can|do) i|what are the steps|在哪里|在哪看|怎么查|"
    r"who pays|fee|政策|规则|规定|运费|多久|几天|多少天|谁出|流程",
    re.IGNORECASE,
)
_QUALITY = re.compile(
    r"broken|faulty|defect|damaged|quality|not working|doesn't work|wrong|坏|质量|破损|故障|瑕疵|不能用",
    re.IGNORECASE,
)
_PRICE = re.compile(r"how much|price|cost|\bsell\b|多少钱|价格|售价|几块|卖多少", re.IGNORECASE)
_ABOUT = re.compile(r"tell me about|details of|describe|info on|介绍一下|介绍|详情|参数|怎么样",
                    re.IGNORECASE)  # fmt: skip
_COMPARE = re.compile(
    r"\bvs\.?\b|versus|compare|difference between|which is better|哪个好|区别|对比|比较|还是",
    re.IGNORECASE,
)
_RECOMMEND = re.compile(
    r"recommend|suggest|what should i buy|推荐|有什么好的|买什么", re.IGNORECASE
)
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|thanks|thank you|ok|okay|bye|你好|您好|谢谢|好的|再见|嗯)[\s!.,。！~]*$",
    re.IGNORECASE,
)
_LATEST = re.compile(r"latest|last one|most recent|newest|first one|最近|最新|上一个|第一个|最后一个",
                     re.IGNORECASE)  # fmt: skip


@dataclass(frozen=True)
class Route:
    """What a message asks for."""

    intent: str
    order_id: str | None = None
    reason: str = "no_reason"
    products: tuple[str, ...] = ()
    latest: bool = False


def _split_compare(text: str) -> tuple[str, ...]:
    parts = re.split(
        r"\bvs\.?\b|versus|\band\b|\bor\b|还是|和|跟|与|对比|比较", text, flags=re.IGNORECASE
    )
    parts = [re.sub(r"which is better|difference between|compare|哪个好|有什么区别|区别|[?？,，]", " ",
                    p, flags=re.IGNORECASE).strip() for p in parts]  # fmt: skip
    return tuple(p for p in parts if p)


def route(text: str, *, has_order_context: bool = False) -> Route:
    """The intent of ``text``.

    Intents: ``handoff``, ``complaint``, ``out_of_scope``, ``greeting``, ``order_status``,
    ``return_order`` (eligibility of one of the customer's orders), ``compare``,
    ``product``, ``recommend``, ``policy`` (the default: answer from the documents).
    ``has_order_context`` says an order is already under discussion, so "can I return
    it?" is about that order.
    """
    m = ORDER_ID.search(text)
    oid = m.group() if m else None
    latest = bool(_LATEST.search(text))
    reason = "quality" if _QUALITY.search(text) else "no_reason"
    if asks_for_human(text):
        return Route("handoff", oid)
    asks_return = bool(_RETURN.search(text))
    if complains(text, strong_only=asks_return):
        return Route("complaint", oid, reason)
    if out_of_scope(text):
        return Route("out_of_scope")
    if _GREETING.match(text):
        return Route("greeting")
    general = bool(_GENERAL.search(text))
    if _RETURN.search(text) and (oid or (_MINE.search(text) and not general)):
        return Route("return_order", oid, reason, latest=latest)
    mine = bool(_MINE.search(text))
    about_returns = bool(_RETURN.search(text))
    if (_STATUS.search(text) and (oid or mine or not (general or about_returns))) or (
        oid and not about_returns
    ):
        return Route("order_status", oid, latest=latest)
    if _COMPARE.search(text):
        parts = _split_compare(text)
        if len(parts) >= 2:
            return Route("compare", products=parts[:2])
    if _RECOMMEND.search(text):
        return Route("recommend")
    if _PRICE.search(text) or _ABOUT.search(text):
        return Route("product", products=(text,))
    return Route("policy", oid, latest=latest)
