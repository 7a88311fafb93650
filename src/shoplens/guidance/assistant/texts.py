"""The fixed answers (refusal, greeting, handoff, no orders) and the shop's "today".

Examples
--------
>>> sorted(TEXTS["refuse"])
['en', 'zh']
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd

__all__ = ["TEXTS", "shop_today"]

TEXTS = {
    "refuse": {
        "en": "Sorry, I can only help with questions about this shop: your orders, our products"
        " and the shop's policies.",
        "zh": "抱歉，我只能解答与本店相关的问题：您的订单、商品和本店政策。",
    },
    "greeting": {
        "en": "Hello! I can help with your orders, our products and the shop's policies.",
        "zh": "您好！我可以帮您查询订单、商品和本店的各项政策。",
    },
    "no_orders": {
        "en": "There are no orders in your account yet [account:orders].",
        "zh": "您的账户中还没有订单 [account:orders]。",
    },
    "handoff": {
        "en": "I'm passing this conversation to a human agent, who will read it and reply here;"
        " agents are online from 9:00 to 24:00 [privacy#contact].",
        "zh": "我已将对话转接人工客服，客服会查看记录并在这里回复您；人工客服在线时间为9:00到24:00"
        " [privacy#contact]。",
    },
}


def shop_today(con: Any) -> date:
    """The shop's "today": the day after its last order (the demo's end of period)."""
    last = con.table("orders").ts.max().to_pyarrow().as_py()
    if last is None:
        return pd.Timestamp.now("UTC").date()
    return (pd.Timestamp(last).tz_convert("UTC") if pd.Timestamp(last).tzinfo
            else pd.Timestamp(last)).date() + timedelta(days=1)  # fmt: skip
