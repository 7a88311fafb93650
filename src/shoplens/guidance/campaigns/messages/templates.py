"""The no-LLM path: message templates per action, channel and language.

Examples
--------
>>> facts = {"name": "Li", "shop": "ShopLens", "action": "cross_sell",
...          "items": [{"title": "Earbuds", "price": 479.0}], "offer": {}}
>>> render(facts, "sms", "en")
'Li, picked for you at ShopLens: Earbuds (479). Reply TD to opt out.'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["TEMPLATES", "render"]

TEMPLATES: dict[str, dict[str, str]] = {
    "win_back_coupon": {
        "en": "{name}, we miss you at {shop}: {discount}% off your next order.{items_en}",
        "zh": "{name}，{shop}想你了：下一单享{discount}%优惠。{items_zh}",
    },
    "cross_sell": {
        "en": "{name}, picked for you at {shop}: {items_list_en}.",
        "zh": "{name}，{shop}为你挑选：{items_list_zh}。",
    },
    "review_request": {
        "en": "{name}, how is your order from {shop}? Tell other shoppers in a quick review.",
        "zh": "{name}，{shop}的订单还满意吗？写条评价帮帮其他买家吧。",
    },
    "service_follow_up": {
        "en": "{name}, sorry about your recent experience with {shop}. Reply and we will help.",
        "zh": "{name}，很抱歉最近给你带来不好的体验，回复本消息，{shop}客服马上跟进。",
    },
}
OPT_OUT = {"sms": {"en": " Reply TD to opt out.", "zh": "回TD退订"}}


def _items(items: list[Mapping[str, Any]], lang: str, limit: int = 2) -> str:
    parts = []
    for it in items[:limit]:
        price = it.get("price")
        p = f"{price:g}" if isinstance(price, int | float) else ""
        parts.append(f"{it['title']} ({p})" if lang == "en" and p else
                     f"{it['title']} {p}元" if p else str(it["title"]))  # fmt: skip
    return (", " if lang == "en" else "、").join(parts)


def render(facts: Mapping[str, Any], channel: str, lang: str) -> str:
    """The template message for ``facts`` (``name, shop, action, items, offer``)."""
    action = str(facts["action"])
    lang = lang if lang in ("en", "zh") else "en"
    items = list(facts.get("items") or [])
    listed = {"en": _items(items, "en"), "zh": _items(items, "zh")}
    one = {"en": _items(items, "en", 1), "zh": _items(items, "zh", 1)}
    text = TEMPLATES[action][lang].format(
        name=facts.get("name") or ("Hi" if lang == "en" else "你好"),
        shop=facts.get("shop", "ShopLens"),
        discount=f"{facts.get('offer', {}).get('discount_percent', 0):g}",
        items_list_en=listed["en"],
        items_list_zh=listed["zh"],
        items_en=f" Try {one['en']}." if one["en"] else "",
        items_zh=f"看看{one['zh']}。" if one["zh"] else "",
    )
    return text + OPT_OUT.get(channel, {}).get(lang, "")
