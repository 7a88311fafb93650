# ruff: noqa: E501  (vocabulary tables: one template per line reads best)
"""Customer-service conversations in Chinese and English with a known intent each.

Examples
--------
>>> import numpy as np
>>> msgs = write_conversation(np.random.default_rng(0), "zh", "logistics_inquiry",
...                           {"item": "小米耳机", "item2": "华为耳机", "order": "O0000001"})
>>> msgs[0][0] in {"customer", "bot"}
True
"""

from __future__ import annotations

import numpy as np

INTENTS = ("purchase", "compare", "seek_reviews", "price_inquiry", "logistics_inquiry",
           "return_refund", "complaint", "hesitation", "other")  # fmt: skip

# customer openers, agent replies and customer follow-ups per intent and language
OPEN: dict[str, dict[str, list[str]]] = {
    "zh": {
        "purchase": ["{item}还有货吗？我想现在下单", "我要买{item}，今天能发货吗？", "{item}怎么下单？拍两件"],
        "compare": ["{item}和{item2}哪个好？", "{item}跟{item2}有什么区别？", "纠结{item}还是{item2}，给点建议"],
        "seek_reviews": ["{item}买过的人评价怎么样？", "{item}真实用户反馈如何？", "有没有买家秀可以看看？"],
        "price_inquiry": ["{item}能便宜点吗？", "有优惠券吗？", "{item}双11会降价吗？", "现在买有什么活动价？"],
        "logistics_inquiry": ["我的快递到哪了？订单号{order}", "订单{order}怎么还没发货？", "什么时候能到？等好几天了"],
        "return_refund": ["我要退货，订单{order}", "{item}尺码不合适，怎么退换？", "申请退款，东西不想要了"],
        "complaint": ["收到的{item}是坏的，太失望了", "你们怎么回事？发错货了！", "质量太差，我要投诉"],
        "hesitation": ["我再考虑一下吧", "有点贵，先不买了", "我再看看别家的"],
        "other": ["能开发票吗？", "你们周末有人值班吗？", "可以寄到香港吗？", "会员积分怎么用？"],
    },
    "en": {
        "purchase": ["Is the {item} in stock? I want to order now", "I'd like to buy the {item}, can it ship today?"],
        "compare": ["Which is better, the {item} or the {item2}?", "What's the difference between the {item} and the {item2}?"],
        "seek_reviews": ["What do other buyers say about the {item}?", "Any real customer reviews of the {item}?"],
        "price_inquiry": ["Any discount on the {item}?", "Do you have a coupon code?", "Will the {item} be cheaper on Double 11?"],
        "logistics_inquiry": ["Where is my package? Order {order}", "Order {order} still hasn't shipped, why?", "When will my parcel arrive?"],
        "return_refund": ["I want to return order {order}", "The {item} doesn't fit, how do I return it?", "I'd like a refund please"],
        "complaint": ["The {item} arrived broken, very disappointed", "You sent me the wrong item!", "Terrible quality, I want to complain"],
        "hesitation": ["Let me think about it", "It's a bit expensive, maybe later", "I'll compare with other shops first"],
        "other": ["Can I get an invoice?", "Do you ship to Canada?", "How do I use my member points?"],
    },
}  # fmt: skip
REPLY: dict[str, dict[str, list[str]]] = {
    "zh": {
        "purchase": ["亲，有现货的，今天下单今天发货哦", "有货的亲，直接拍下就可以"],
        "compare": ["亲，{item}续航更好，{item2}更轻便，看您的需求哦", "两款都很受欢迎，{item}性价比更高"],
        "seek_reviews": ["亲，这款好评率98%，可以看看商品评价哦", "很多老顾客回购的，评价都不错"],
        "price_inquiry": ["亲，领券下单可以立减20元哦", "现在是活动价了，已经是最低价啦"],
        "logistics_inquiry": ["亲，帮您查了，包裹已到当地网点，今天派送", "已经发货了，单号已同步，请耐心等待"],
        "return_refund": ["亲，支持七天无理由退货，请在订单页申请", "已为您登记退款，运费我们承担"],
        "complaint": ["非常抱歉给您带来不好的体验，马上为您处理", "抱歉亲，我们给您补发或者全额退款"],
        "hesitation": ["好的亲，有需要随时找我哦", "亲，活动今晚结束，错过要恢复原价哦"],
        "other": ["可以的亲，下单时备注就好", "亲，客服每天9点到24点在线"],
    },
    "en": {
        "purchase": ["Yes, it's in stock and ships today!", "In stock, you can place the order directly."],
        "compare": ["The {item} has a longer battery life, the {item2} is lighter.", "Both are popular; the {item} is better value."],
        "seek_reviews": ["It has a 98% positive rating, have a look at the reviews tab.", "Many customers buy it again."],
        "price_inquiry": ["You can claim a 20 CNY coupon at checkout.", "This is already the promotion price."],
        "logistics_inquiry": ["Your parcel is at the local depot and will be delivered today.", "It has shipped, the tracking number is in your order."],
        "return_refund": ["We offer 7-day no-reason returns, please apply on the order page.", "Your refund is registered, we cover the shipping."],
        "complaint": ["We're very sorry, we'll fix this right away.", "Sorry! We can resend the item or refund you in full."],
        "hesitation": ["Sure, message me any time.", "The promotion ends tonight, just so you know."],
        "other": ["Yes, just leave a note with your order.", "Our agents are online 9:00-24:00 every day."],
    },
}  # fmt: skip
FOLLOW: dict[str, dict[str, list[str]]] = {
    "zh": {
        "purchase": ["好的，已经拍下了", "那我下单了"], "compare": ["那我选{item}吧", "还是有点纠结"],
        "seek_reviews": ["好的我看看评价", "那质量靠谱吧？"], "price_inquiry": ["再便宜点呗", "好的，我领个券"],
        "logistics_inquiry": ["好的，谢谢", "能催一下吗？急用"], "return_refund": ["退款多久到账？", "好的，我去申请"],
        "complaint": ["希望尽快处理", "太耽误事了"], "hesitation": ["嗯，我再想想", "好吧"],
        "other": ["好的谢谢", "明白了"],
    },
    "en": {
        "purchase": ["Great, just ordered", "OK, placing the order now"], "compare": ["I'll take the {item} then", "Still not sure"],
        "seek_reviews": ["OK I'll read them", "So the quality is reliable?"], "price_inquiry": ["Any lower?", "OK, I'll use the coupon"],
        "logistics_inquiry": ["OK thanks", "Can you hurry it up? I need it soon"], "return_refund": ["How long does the refund take?", "OK, applying now"],
        "complaint": ["Please sort it out quickly", "This is a real hassle"], "hesitation": ["Hmm, I'll think about it", "Alright"],
        "other": ["Thanks", "Got it"],
    },
}  # fmt: skip
GREETING = {
    "zh": "您好，欢迎光临！请问有什么可以帮您？",
    "en": "Hi! Welcome, how can I help you today?",
}
CLOSING = {"zh": ["不客气，祝您购物愉快~", "感谢支持，有问题随时联系！"],
           "en": ["You're welcome, happy shopping!", "Thanks, reach out any time!"]}  # fmt: skip


def _pick(rng: np.random.Generator, options: list[str], slots: dict[str, str]) -> str:
    text = options[int(rng.integers(len(options)))]
    for key, value in slots.items():
        text = text.replace("{" + key + "}", value)
    return text


def write_conversation(
    rng: np.random.Generator, lang: str, intent: str, slots: dict[str, str]
) -> list[tuple[str, str]]:
    """Return ``[(role, text), ...]`` for one conversation about ``intent``.

    Roles are ``bot`` (an optional greeting), ``customer`` and ``agent``; the customer
    always speaks first after the greeting and states the intent.

    Examples
    --------
    >>> conv = write_conversation(np.random.default_rng(2), "en", "compare",
    ...                           {"item": "A", "item2": "B", "order": "O1"})
    >>> [r for r, _ in conv if r != "bot"][:2]
    ['customer', 'agent']
    """
    out: list[tuple[str, str]] = []
    if rng.random() < 0.3:
        out.append(("bot", GREETING[lang]))
    out.append(("customer", _pick(rng, OPEN[lang][intent], slots)))
    out.append(("agent", _pick(rng, REPLY[lang][intent], slots)))
    if rng.random() < 0.6:
        out.append(("customer", _pick(rng, FOLLOW[lang][intent], slots)))
        if rng.random() < 0.7:
            out.append(("agent", _pick(rng, CLOSING[lang], slots)))
    return out
