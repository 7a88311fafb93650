# ruff: noqa: E501  (vocabulary tables: one template per line reads best)
"""Review texts in Chinese and English with known sentiment, rating and aspect polarities.

Examples
--------
>>> import numpy as np
>>> r = write_review(np.random.default_rng(0), "zh", "positive", {"quality": "positive"}, "小米耳机")
>>> isinstance(r[1], str) and len(r[1]) > 3
True
"""

from __future__ import annotations

import numpy as np

SENTIMENTS = ("negative", "neutral", "positive")
ASPECTS = ("price", "quality", "logistics", "service", "packaging", "size_fit", "appearance",
           "performance")  # fmt: skip
#: aspects a review of each category can talk about
CATEGORY_ASPECTS: dict[str, tuple[str, ...]] = {
    "Phones": (
        "price",
        "quality",
        "logistics",
        "service",
        "packaging",
        "appearance",
        "performance",
    ),
    "Apparel": ("price", "quality", "logistics", "service", "packaging", "size_fit", "appearance"),
    "Beauty": ("price", "quality", "logistics", "service", "packaging", "performance"),
    "Home": ("price", "quality", "logistics", "service", "packaging", "appearance", "performance"),
    "Grocery": ("price", "quality", "logistics", "service", "packaging"),
}

# phrases[lang][aspect][polarity]; {n} is a number of days
PHRASES: dict[str, dict[str, dict[str, list[str]]]] = {
    "zh": {
        "price": {"positive": ["价格很实惠", "性价比超高", "活动价买的，很划算", "这个价位买到真值"],
                  "negative": ["价格偏贵", "刚买就降价了，心塞", "性价比不高", "同样的东西别家便宜不少"],
                  "neutral": ["价格还算合理吧", "价格和别家差不多"]},
        "quality": {"positive": ["质量很好", "做工精细，用料扎实", "品质没得说", "是正品，质量不错"],
                    "negative": ["质量太差了", "用了两天就坏了", "做工粗糙，有线头", "感觉不像正品"],
                    "neutral": ["质量一般般", "质量中规中矩"]},
        "logistics": {"positive": ["物流很快，{n}天就到了", "快递给力，第二天就收到", "发货速度超快"],
                      "negative": ["物流太慢了，等了{n}天", "快递不送上门，还得自己去取", "发货拖了好久"],
                      "neutral": ["物流速度正常", "快递{n}天到，还行"]},
        "service": {"positive": ["客服态度很好，耐心解答", "售后很负责", "商家服务周到"],
                    "negative": ["客服爱答不理", "售后推来推去，不解决问题", "问客服半天没人回"],
                    "neutral": ["客服回复得还算及时", "服务一般"]},
        "packaging": {"positive": ["包装很严实", "包装精美，送人有面子", "包装完好无损"],
                      "negative": ["包装破损了", "盒子都压扁了", "包装太简陋"],
                      "neutral": ["包装普通", "包装就是普通纸盒"]},
        "size_fit": {"positive": ["尺码很标准，穿着合身", "大小刚好", "版型很正，很显瘦"],
                     "negative": ["尺码偏小，穿不上", "码数不准，大了一圈", "版型奇怪，不合身"],
                     "neutral": ["尺码稍微偏大一点", "大小还可以"]},
        "appearance": {"positive": ["颜值很高", "颜色和图片一样好看", "外观时尚，很喜欢"],
                       "negative": ["实物和图片差别很大", "颜色有色差", "样子很丑"],
                       "neutral": ["外观中规中矩", "颜色比图片暗一点"]},
        "performance": {"positive": ["效果很明显", "功能强大，运行流畅", "用起来很顺手"],
                        "negative": ["效果不明显", "经常卡顿，不好用", "用了没什么效果"],
                        "neutral": ["效果还需要再观察", "功能够用"]},
    },
    "en": {
        "price": {"positive": ["great value for money", "the price was a steal", "cheap for what you get"],
                  "negative": ["way overpriced", "the price dropped right after I bought it",
                               "not worth the money"],
                  "neutral": ["the price is fair", "priced like everywhere else"]},
        "quality": {"positive": ["excellent build quality", "feels solid and well made",
                                 "quality is top notch"],
                    "negative": ["poor quality", "it broke after two days", "cheap materials"],
                    "neutral": ["quality is okay", "average quality"]},
        "logistics": {"positive": ["arrived in {n} days, super fast", "fast shipping",
                                   "delivery was quicker than expected"],
                      "negative": ["shipping took {n} days", "the courier lost my parcel for a week",
                                   "delivery was really slow"],
                      "neutral": ["delivery took {n} days, as expected", "shipping was normal"]},
        "service": {"positive": ["customer service was very helpful", "the seller answered quickly"],
                    "negative": ["customer service never replied", "the seller was rude",
                                 "support kept passing me around"],
                    "neutral": ["support was fine", "the seller replied eventually"]},
        "packaging": {"positive": ["well packed", "nice gift packaging", "arrived in perfect condition"],
                      "negative": ["the box arrived crushed", "packaging was damaged",
                                   "flimsy packaging"],
                      "neutral": ["standard packaging", "plain box"]},
        "size_fit": {"positive": ["fits perfectly", "true to size", "the cut is very flattering"],
                     "negative": ["runs small", "the size chart is wrong", "does not fit at all"],
                     "neutral": ["runs slightly large", "fit is okay"]},
        "appearance": {"positive": ["looks gorgeous", "the colour is exactly as pictured",
                                    "very stylish"],
                       "negative": ["looks nothing like the photos", "the colour is off",
                                    "looks cheap"],
                       "neutral": ["looks as expected", "a bit darker than the photos"]},
        "performance": {"positive": ["works really well", "fast and smooth", "does exactly what it says"],
                        "negative": ["does not work as advertised", "laggy and slow",
                                     "no visible effect"],
                        "neutral": ["works well enough", "too early to judge the effect"]},
    },
}  # fmt: skip

OPENERS = {
    "zh": {"positive": ["非常满意！", "好评！", "第二次购买了，", "收到了，", ""],
           "neutral": ["收到了，", "怎么说呢，", "", "用了几天，"],
           "negative": ["非常失望，", "差评！", "不推荐，", "后悔买了，", ""]},
    "en": {"positive": ["Love it! ", "Very happy with this. ", "Second purchase, ", ""],
           "neutral": ["It's okay. ", "Mixed feelings: ", "", "After a week of use, "],
           "negative": ["Very disappointed. ", "Do not buy. ", "Regret this purchase. ", ""]},
}  # fmt: skip
CLOSERS = {
    "zh": {"positive": ["推荐购买", "会回购的", "下次还来", "五星好评", ""],
           "neutral": ["总体还行", "一般吧", "不好不坏", "凑合用"],
           "negative": ["不会再买了", "已申请退货", "大家慎重", "给差评"]},
    "en": {"positive": ["Highly recommend!", "Will buy again.", "Five stars.", ""],
           "neutral": ["It's fine overall.", "Nothing special.", "Meh."],
           "negative": ["Would not buy again.", "Returning it.", "Avoid."]},
}  # fmt: skip
TITLES = {
    "zh": {"positive": ["很满意", "好评", "值得购买", "超出预期"],
           "neutral": ["一般", "还行", "中规中矩"],
           "negative": ["差评", "很失望", "不推荐"]},
    "en": {"positive": ["Great buy", "Excellent", "Worth it", "Exceeded expectations"],
           "neutral": ["Okay", "Average", "It's fine"],
           "negative": ["Disappointed", "Poor", "Not recommended"]},
}  # fmt: skip
EMOJI = {
    "positive": ["👍", "😊", "❤️", "🎉"],
    "neutral": ["🤔", "😐"],
    "negative": ["😡", "👎", "😞"],
}


def _pick(rng: np.random.Generator, options: list[str]) -> str:
    return options[int(rng.integers(len(options)))]


def draw_labels(
    rng: np.random.Generator, sentiment: str, category: str
) -> tuple[float, dict[str, str]]:
    """Return a rating consistent with ``sentiment`` and 1-3 aspects with polarities.

    Positive reviews rate 4-5, neutral 3, negative 1-2. Some positive reviews criticise
    one aspect and some negative ones praise one, so aspects are not a copy of the label.

    Examples
    --------
    >>> rating, aspects = draw_labels(np.random.default_rng(0), "negative", "Apparel")
    >>> rating <= 2 and len(aspects) >= 1
    True
    """
    if sentiment == "positive":
        rating = 5.0 if rng.random() < 0.7 else 4.0
    elif sentiment == "neutral":
        rating = 3.0
    else:
        rating = 1.0 if rng.random() < 0.55 else 2.0
    allowed = CATEGORY_ASPECTS[category]
    k = int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))
    names = [allowed[i] for i in sorted(rng.choice(len(allowed), k, replace=False))]
    if sentiment == "neutral":
        pol = [str(rng.choice(["positive", "negative", "neutral"], p=[0.3, 0.3, 0.4]))
               for _ in names]  # fmt: skip
    else:
        pol = [sentiment] * k
        if k >= 2 and rng.random() < 0.2:
            pol[int(rng.integers(k))] = "negative" if sentiment == "positive" else "positive"
    return rating, dict(zip(names, pol, strict=True))


def write_review(
    rng: np.random.Generator, lang: str, sentiment: str, aspects: dict[str, str], item_name: str
) -> tuple[str, str]:
    """Return (title, text) of a review from templates and vocabulary.

    Examples
    --------
    >>> t, x = write_review(np.random.default_rng(1), "en", "negative", {"price": "negative"}, "x")
    >>> t in TITLES["en"]["negative"]
    True
    """
    parts = []
    for aspect, pol in aspects.items():
        phrase = _pick(rng, PHRASES[lang][aspect][pol]).replace("{n}", str(int(rng.integers(2, 9))))
        parts.append(phrase)
    sep = "，" if lang == "zh" else ", "
    body = sep.join(parts)
    opener = _pick(rng, OPENERS[lang][sentiment])
    if rng.random() < 0.3:
        body = (f"买的{item_name}，" if lang == "zh" else f"Bought the {item_name}: ") + body
    if lang == "en" and (not opener or opener.endswith(". ")):
        body = body[:1].upper() + body[1:]
    closer = _pick(rng, CLOSERS[lang][sentiment])
    end = "。" if lang == "zh" else "."
    text = opener + body + end + ((" " if lang == "en" else "") + closer if closer else "")
    if rng.random() < 0.25:
        text += _pick(rng, EMOJI[sentiment]) * int(rng.integers(1, 4))
    return _pick(rng, TITLES[lang][sentiment]), text.strip()


def sentiment_probabilities(
    quality: np.ndarray, returned: np.ndarray, churning: np.ndarray
) -> np.ndarray:
    """(n, 3) probabilities of negative, neutral, positive from the latent drivers.

    Examples
    --------
    >>> p = sentiment_probabilities(np.array([0.9]), np.array([False]), np.array([False]))
    >>> bool(p[0, 2] > 0.7)
    True
    """
    z = quality - 0.7
    logits = np.stack(
        [-0.3 - 4.0 * z + 1.8 * returned + 0.3 * churning,
         np.zeros_like(z),
         1.3 + 4.0 * z - 2.0 * returned - 0.5 * churning],
        axis=1,
    )  # fmt: skip
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
