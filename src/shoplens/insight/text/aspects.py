"""Aspects of a review (price, quality, delivery ...) found by keyword, with their sentiment.

A text is cut into clauses at punctuation and at contrast words (但是, 不过, but, however);
an aspect is mentioned in a clause when one of its keywords occurs there, and its polarity
is the sentiment of that clause (scored by the analyzer's sentiment model). The lexicon is
a plain ``dict`` and can be replaced or extended.

Examples
--------
>>> [(a, t) for a, t, _ in find_aspects("物流很快，但是质量一般")]
[('delivery', '物流'), ('quality', '质量')]
>>> split_clauses("Great price but the box was crushed.")
['Great price', 'the box was crushed']
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["ASPECTS", "find_aspects", "split_clauses"]

#: aspect -> keywords (Chinese and English, lower case)
ASPECTS: dict[str, tuple[str, ...]] = {
    "price": (
        "价格",
        "价钱",
        "价位",
        "性价比",
        "便宜",
        "贵",
        "划算",
        "实惠",
        "优惠",
        "降价",
        "price",
        "cheap",
        "expensive",
        "overpriced",
        "value",
        "worth",
        "cost",
        "deal",
    ),
    "quality": (
        "质量",
        "品质",
        "做工",
        "材质",
        "用料",
        "正品",
        "假货",
        "瑕疵",
        "耐用",
        "quality",
        "material",
        "durable",
        "materials",
        "well made",
        "broke",
        "solid",
        "cheaply made",
        "flimsy",
        "defective",
        "fake",
        "sturdy",
        "build",
    ),
    "delivery": (
        "物流",
        "快递",
        "发货",
        "送货",
        "配送",
        "到货",
        "运输",
        "送达",
        "派送",
        "天就到",
        "天到",
        "速度",
        "delivery",
        "shipping",
        "shipped",
        "arrived",
        "courier",
        "dispatch",
        "late",
        "tracking",
    ),
    "service": (
        "客服",
        "服务",
        "态度",
        "售后",
        "卖家",
        "商家",
        "店家",
        "回复",
        "service",
        "seller",
        "support",
        "staff",
        "customer care",
        "responsive",
        "rude",
    ),
    "packaging": (
        "包装",
        "盒子",
        "外包装",
        "破损",
        "纸箱",
        "封口",
        "packaging",
        "package",
        "packed",
        "box",
        "wrapped",
        "crushed",
    ),
    "size_fit": (
        "尺码",
        "尺寸",
        "大小",
        "码数",
        "偏大",
        "偏小",
        "合身",
        "宽松",
        "版型",
        "显瘦",
        "紧",
        "size",
        "fit",
        "fits",
        "tight",
        "loose",
        "too small",
        "too big",
        "runs small",
        "runs large",
        "runs big",
        "true to size",
        "size chart",
        "flattering",
    ),
    "appearance": (
        "外观",
        "颜色",
        "款式",
        "样子",
        "好看",
        "漂亮",
        "颜值",
        "色差",
        "设计",
        "look",
        "looks",
        "color",
        "colour",
        "design",
        "style",
        "pretty",
        "beautiful",
        "ugly",
        "pictured",
        "photos",
        "stylish",
        "gorgeous",
    ),
    "function": (
        "功能",
        "性能",
        "效果",
        "电池",
        "续航",
        "屏幕",
        "速度快",
        "卡顿",
        "信号",
        "音质",
        "好用",
        "使用",
        "流畅",
        "顺手",
        "用起来",
        "performance",
        "battery",
        "screen",
        "works",
        "function",
        "feature",
        "sound",
        "speed",
        "lag",
        "signal",
        "work",
        "working",
        "laggy",
        "effect",
        "effective",
        "advertised",
    ),
}

_CLAUSE_SPLIT = re.compile(
    r"[，。！？；、,.!?;:：\n~～…]+|\s*(?:但是|不过|可是|然而|就是|\bbut\b|\bhowever\b|"
    r"\balthough\b|\bthough\b)\s*",
    re.IGNORECASE,
)


def split_clauses(text: str) -> list[str]:
    """Cut a text into non-empty clauses.

    Examples
    --------
    >>> split_clauses("价格便宜，质量不错！")
    ['价格便宜', '质量不错']
    """
    return [c.strip() for c in _CLAUSE_SPLIT.split(text) if c and c.strip()]


@lru_cache(maxsize=4096)
def _pattern(keyword: str) -> re.Pattern[str]:
    if keyword.isascii():
        return re.compile(r"\b" + re.escape(keyword) + r"\b", re.IGNORECASE)
    return re.compile(re.escape(keyword))


def find_aspects(
    text: str, aspects: dict[str, tuple[str, ...]] | None = None
) -> list[tuple[str, str, str]]:
    """Return ``(aspect, keyword, clause)`` for each aspect mentioned, first mention first.

    Parameters
    ----------
    text
        A normalised text.
    aspects
        Aspect lexicon; default :data:`ASPECTS`.

    Examples
    --------
    >>> find_aspects("The size runs small")
    [('size_fit', 'size', 'The size runs small')]
    """
    lexicon = ASPECTS if aspects is None else aspects
    found: dict[str, tuple[int, str, str]] = {}
    for ci, clause in enumerate(split_clauses(text)):
        for aspect, words in lexicon.items():
            if aspect in found:
                continue
            for word in words:
                if _pattern(word).search(clause):
                    found[aspect] = (ci, word, clause)
                    break
    ordered = sorted(found.items(), key=lambda kv: kv[1][0])
    return [(aspect, word, clause) for aspect, (_, word, clause) in ordered]
