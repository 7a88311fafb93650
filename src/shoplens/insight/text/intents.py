"""Intent of a search query or a chat message, by keyword rules (Chinese and English).

Rules are tried in priority order (the first intent with a matching pattern wins), so a
message that asks for a refund *and* complains is ``return_refund``. An intent may have
more than one rule: a strong ``purchase`` rule ("我要买", "in stock") comes before
``logistics_inquiry`` so "我要买X，今天能发货吗" is a purchase, while bare "买" is tried last;
questions about shipping *coverage* ("do you ship to Canada", "可以寄到香港吗") are
pre-sale ``other``, not logistics. Rules are a plain list of ``(intent, [regex, ...])``
and can be replaced. The quality of the default rules on the demo shop's labelled chats,
per class and language, is in ``docs/insight-text.md``.

Examples
--------
>>> IntentClassifier().predict(["怎么申请退款", "iphone 15 和 华为 mate 60 哪个好", "hi"])
['return_refund', 'compare', 'other']
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["INTENTS", "RULES", "IntentClassifier"]

#: the intents, in priority order, plus the fallback ``other``
INTENTS: tuple[str, ...] = (
    "return_refund",
    "complaint",
    "logistics_inquiry",
    "price_inquiry",
    "compare",
    "seek_reviews",
    "hesitation",
    "purchase",
    "other",
)

RULES: list[tuple[str, list[str]]] = [
    (
        "return_refund",
        [
            r"退货",
            r"退款",
            r"退钱",
            r"换货",
            r"退换",
            r"七天无理由",
            r"\brefunds?\b",
            r"\breturn(?:ed|ing|s)?\b",
            r"\bexchange\b",
            r"money back",
            r"send (?:it )?back",
        ],
    ),
    (
        "complaint",
        [
            r"投诉",
            r"太差",
            r"垃圾",
            r"骗子",
            r"欺骗",
            r"差评",
            r"坑人",
            r"气死",
            r"什么破",
            r"坏的",
            r"坏了",
            r"失望",
            r"发错",
            r"少发",
            r"漏发",
            r"怎么回事",
            r"\bwrong (?:item|size|colou?r|product|order)\b",
            r"\bsent (?:me )?the wrong\b",
            r"\bdamaged\b",
            r"\b(?:doesn'?t|does not|not) work(?:ing)?\b",
            r"\bcomplain(?:t|ts|ed)?\b",
            r"\bterrible\b",
            r"\bawful\b",
            r"\bscam\b",
            r"\bunacceptable\b",
            r"\bworst\b",
            r"\bdisappointed\b",
            r"\bbroken\b",
            r"\bdefective\b",
        ],
    ),
    (
        "hesitation",
        [
            r"先不[买要拍]",
            r"不买了",
            r"下次再",
            r"以后再",
            r"再看看",
            r"考虑一下",
            r"\bmaybe later\b",
            r"\bnot (?:now|yet|today)\b",
            r"别家",
            r"其他家",
            r"\b(?:other|another) (?:shops?|stores?|sellers?)\b",
            r"\bshop around\b",
            r"\blet me think\b",
        ],
    ),
    (
        "purchase",
        [
            r"我?(?:要|想)(?:买|下单|拍)",
            r"怎么下单",
            r"有货吗",
            r"还有货",
            r"拍[一两二三四五几]",
            r"\b(?:want|like) to (?:buy|order|purchase)\b",
            r"\bin stock\b",
            r"\bhow (?:do|can) i (?:order|buy)\b",
        ],
    ),
    (
        "other",
        [
            r"[寄发送]到(?:国外|海外|香港|澳门|台湾|新加坡|美国|日本)",
            r"\b(?:do|can) you (?:ship|deliver) (?:to|abroad|internationally|overseas)\b",
        ],
    ),
    (
        "logistics_inquiry",
        [
            r"物流",
            r"快递",
            r"发货",
            r"到货",
            r"运单",
            r"单号",
            r"几天到",
            r"什么时候.{0,3}到",
            r"多久.{0,3}到",
            r"等了?好几天",
            r"送到",
            r"配送",
            r"\bshipping\b",
            r"\bship(?:ped)?\b",
            r"\bdelivery\b",
            r"\bdeliver(?:ed)?\b",
            r"\btracking\b",
            r"where is my (?:order|package)",
            r"\barrive\b",
            r"\bwhen will\b",
        ],
    ),
    (
        "price_inquiry",
        [
            r"多少钱",
            r"价格",
            r"价钱",
            r"优惠",
            r"便宜点",
            r"打折",
            r"折扣",
            r"优惠券",
            r"降价",
            r"包邮",
            r"活动价",
            r"促销",
            r"满减",
            r"\bhow much\b",
            r"\bprice\b",
            r"\bdiscount\b",
            r"\bcoupon\b",
            r"\bon sale\b",
            r"\bcheaper\b",
            r"\bcost\b",
            r"\bdeal\b",
        ],
    ),
    (
        "compare",
        [
            r"哪个好",
            r"哪个更",
            r"纠结.{0,30}还是",
            r"还是.{0,20}[?？呢吗]",
            r"对比",
            r"比较",
            r"区别",
            r"有什么不同",
            r"\bvs\.?\b",
            r"\bversus\b",
            r"\bcompare[ds]?\b",
            r"\bdifference\b",
            r"\bbetter than\b",
            r"\bwhich (?:one )?is better\b",
            r"\bor\b.*\?",
        ],
    ),
    (
        "seek_reviews",
        [
            r"好用吗",
            r"怎么样",
            r"评价",
            r"反馈",
            r"买家秀",
            r"买过的",
            r"用过的",
            r"效果如何",
            r"口碑",
            r"值得买吗",
            r"推荐吗",
            r"靠谱吗",
            r"质量好吗",
            r"\breviews?\b",
            r"\bis it (?:good|worth)\b",
            r"\bany good\b",
            r"\brecommend\b",
            r"\bworth it\b",
            r"\bopinions?\b",
            r"\bratings?\b",
            r"\bfeedback\b",
            r"\bwhat do (?:other )?(?:buyers|customers|people|users) (?:say|think)\b",
        ],
    ),
    (
        "hesitation",
        [
            r"犹豫",
            r"考虑一下",
            r"再看看",
            r"纠结",
            r"要不要",
            r"不确定",
            r"再想想",
            r"\bnot sure\b",
            r"\bhesita",
            r"\bthinking about\b",
            r"\bmaybe\b",
            r"\bshould i\b",
            r"\bundecided\b",
            r"\blet me think\b",
        ],
    ),
    (
        "purchase",
        [
            r"买",
            r"下单",
            r"购买",
            r"拍下",
            r"付款",
            r"加购",
            r"有货",
            r"库存",
            r"\bbuy\b",
            r"\bpurchase\b",
            r"\border\b",
            r"\bin stock\b",
            r"\badd to cart\b",
            r"\bcheckout\b",
            r"\bi want\b",
            r"\bi'?ll take\b",
        ],
    ),
]


class IntentClassifier:
    """First-match keyword rules over :data:`INTENTS`.

    Parameters
    ----------
    rules
        ``(intent, patterns)`` pairs in priority order; default :data:`RULES`.
    default
        Intent when no rule matches.

    Examples
    --------
    >>> IntentClassifier().predict(["where is my package?"])
    ['logistics_inquiry']
    """

    def __init__(
        self, rules: Iterable[tuple[str, Iterable[str]]] | None = None, default: str = "other"
    ) -> None:
        self.rules = list(RULES if rules is None else rules)
        self.default = default
        self._compiled = [
            (intent, re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE))
            for intent, pats in self.rules
        ]

    def predict_one(self, text: str) -> str:
        """Intent of one normalised text."""
        for intent, rx in self._compiled:
            if rx.search(text):
                return intent
        return self.default

    def predict(self, texts: Iterable[str]) -> list[str]:
        """Intent of each text."""
        return [self.predict_one(t) for t in texts]
