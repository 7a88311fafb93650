"""The demo catalog: bilingual items with brands, specs, prices in CNY and latent quality.

Examples
--------
>>> import numpy as np
>>> cat = make_catalog(np.random.default_rng(0), 50)
>>> sorted(cat.frame.columns)[:3]
['attributes', 'brand', 'category']
>>> set(cat.frame["lang"]) <= {"zh", "en"}
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

# (key, zh name, share of items, share of sessions,
#  [(sub en, sub zh, median price, price spread)], [(brand en, brand zh)], specs, features)
CATEGORIES: list[dict] = [
    {
        "key": "Phones", "zh": "手机数码", "share": 0.2,
        "subs": [("Smartphones", "智能手机", 3299, 0.5), ("Earphones", "蓝牙耳机", 399, 0.6),
                 ("Chargers", "快充充电器", 99, 0.5), ("Tablets", "平板电脑", 2599, 0.4)],
        "brands": [("Huawei", "华为"), ("Xiaomi", "小米"), ("Apple", "苹果"), ("OPPO", "OPPO"),
                   ("vivo", "vivo"), ("Honor", "荣耀")],
        "specs": ["128G", "256G", "512G", "8+256G", "12+512G", "1TB"],
        "features": [("5G全网通", "5G ready"), ("超长续航", "all-day battery"),
                     ("旗舰芯片", "flagship chip"), ("高清影像", "pro-grade camera"),
                     ("主动降噪", "active noise cancelling"), ("65W快充", "65W fast charging")],
    },
    {
        "key": "Apparel", "zh": "服装", "share": 0.25,
        "subs": [("T-shirts", "T恤", 79, 0.4), ("Dresses", "连衣裙", 259, 0.5),
                 ("Down jackets", "羽绒服", 699, 0.5), ("Sneakers", "运动鞋", 459, 0.4),
                 ("Jeans", "牛仔裤", 199, 0.4)],
        "brands": [("Uniqlo", "优衣库"), ("Li-Ning", "李宁"), ("Anta", "安踏"),
                   ("Peacebird", "太平鸟"), ("Bosideng", "波司登"), ("Nike", "耐克")],
        "specs": ["S", "M", "L", "XL", "XXL", "38码", "40码", "42码"],
        "features": [("纯棉面料", "100% cotton"), ("修身版型", "slim fit"),
                     ("透气舒适", "breathable"), ("加厚保暖", "extra warm"),
                     ("百搭款", "easy to match"), ("新款", "new season")],
    },
    {
        "key": "Beauty", "zh": "美妆", "share": 0.2,
        "subs": [("Lipstick", "口红", 199, 0.4), ("Face cream", "面霜", 329, 0.6),
                 ("Serum", "精华液", 459, 0.6), ("Sunscreen", "防晒霜", 139, 0.4),
                 ("Face masks", "面膜", 99, 0.5)],
        "brands": [("Florasis", "花西子"), ("Perfect Diary", "完美日记"), ("Proya", "珀莱雅"),
                   ("Lancome", "兰蔻"), ("Estee Lauder", "雅诗兰黛"), ("Winona", "薇诺娜")],
        "specs": ["30ml", "50ml", "3.5g", "10片装", "100ml", "SPF50+"],
        "features": [("补水保湿", "deep hydration"), ("敏感肌可用", "for sensitive skin"),
                     ("持久不脱妆", "long-lasting"), ("温和不刺激", "gentle formula"),
                     ("提亮肤色", "brightening"), ("抗初老", "anti-ageing")],
    },
    {
        "key": "Home", "zh": "家居", "share": 0.2,
        "subs": [("Air fryers", "空气炸锅", 399, 0.4), ("Robot vacuums", "扫地机器人", 2199, 0.4),
                 ("Bedding sets", "床上四件套", 299, 0.5), ("Thermos cups", "保温杯", 129, 0.4),
                 ("Storage boxes", "收纳箱", 59, 0.4)],
        "brands": [("Midea", "美的"), ("Supor", "苏泊尔"), ("Xiaomi", "小米"), ("Joyoung", "九阳"),
                   ("Roborock", "石头"), ("Thermos", "膳魔师")],
        "specs": ["5L", "1.8m床", "500ml", "3L", "大号", "3件套"],
        "features": [("智能控制", "smart control"), ("一键清洁", "one-touch cleaning"),
                     ("静音设计", "quiet design"), ("食品级材质", "food-grade material"),
                     ("大容量", "large capacity"), ("节能省电", "energy saving")],
    },
    {
        "key": "Grocery", "zh": "食品", "share": 0.15,
        "subs": [("Nut gift boxes", "坚果礼盒", 129, 0.4), ("Coffee", "咖啡", 89, 0.4),
                 ("Tea", "茶叶", 199, 0.6), ("Milk", "牛奶", 69, 0.3),
                 ("Snack packs", "零食大礼包", 79, 0.4)],
        "brands": [("Three Squirrels", "三只松鼠"), ("BESTORE", "良品铺子"), ("Mengniu", "蒙牛"),
                   ("Yili", "伊利"), ("Nestle", "雀巢"), ("Luckin", "瑞幸")],
        "specs": ["500g", "1kg", "12盒装", "250ml*24", "礼盒装", "30包"],
        "features": [("新鲜直发", "shipped fresh"), ("0添加", "no additives"),
                     ("产地直供", "direct from origin"), ("独立小包装", "individually packed"),
                     ("醇香浓郁", "rich flavour"), ("年货必备", "holiday favourite")],
    },
]  # fmt: skip

#: English spelling of the specs written in Chinese
SPEC_EN: dict[str, str] = {
    "38码": "EU 38", "40码": "EU 40", "42码": "EU 42", "10片装": "10 sheets",
    "1.8m床": "1.8m bed", "大号": "large", "3件套": "3-piece", "12盒装": "12 boxes",
    "礼盒装": "gift box", "30包": "30 packs",
}  # fmt: skip
CATEGORY_KEYS: tuple[str, ...] = tuple(c["key"] for c in CATEGORIES)
#: every sub-category as (category index, English name, Chinese name), in catalog order
SUBS: tuple[tuple[int, str, str], ...] = tuple(
    (k, sub[0], sub[1]) for k, c in enumerate(CATEGORIES) for sub in c["subs"]
)
_SUB_OFFSET = np.cumsum([0] + [len(c["subs"]) for c in CATEGORIES])
SERIES: list[tuple[str, str]] = [
    ("Pro", "Pro"),
    ("Max", "Max"),
    ("Lite", "轻享版"),
    ("Air", "Air"),
    ("Plus", "Plus"),
    ("Classic", "经典款"),
    ("Flagship", "旗舰款"),
    ("2025", "2025新款"),
]
COLORS: list[tuple[str, str]] = [
    ("black", "黑色"),
    ("white", "白色"),
    ("blue", "蓝色"),
    ("pink", "粉色"),
    ("green", "绿色"),
    ("grey", "灰色"),
    ("red", "红色"),
    ("beige", "米色"),
]


@dataclass
class Catalog:
    """The generated items and the arrays the behaviour model samples from."""

    frame: pd.DataFrame  # the canonical ``items`` table
    category: np.ndarray  # category index per item
    tier: np.ndarray  # 0 budget, 1 premium (above its sub-category's median price)
    price: np.ndarray
    popularity: np.ndarray  # sampling weight, sums to 1 within each (category, tier)
    quality: np.ndarray  # latent quality in (0, 1); drives review sentiment
    short_zh: np.ndarray  # short names for texts
    short_en: np.ndarray
    truth: pd.DataFrame
    sub: np.ndarray  # global sub-category index per item (see :data:`SUBS`)
    brand: np.ndarray  # global brand index per item (category * 6 + brand)
    series: np.ndarray  # index into :data:`SERIES`
    color: np.ndarray  # index into :data:`COLORS`
    queries: dict[str, np.ndarray]  # lang -> (items, 4) search queries that find the item


def singular(noun: str) -> str:
    """A catalog sub-category in the singular.

    Examples
    --------
    >>> singular("Dresses"), singular("Jeans"), singular("Storage boxes"), singular("Tea")
    ('Dress', 'Jeans', 'Storage box', 'Tea')
    """
    if noun.endswith(("sses", "xes")):
        return noun[:-2]
    if noun.endswith("s") and not noun.endswith(("ss", "Jeans")):
        return noun[:-1]
    return noun


def _price(rng: np.random.Generator, median: float, spread: float, n: int) -> np.ndarray:
    p = median * np.exp(rng.normal(0.0, spread, n))
    # shop-style prices: 2999.00, 89.90, 9.90
    return np.where(p >= 100, np.round(p / 10) * 10 - 1, np.round(p) - 0.1).clip(1.9)


def make_catalog(rng: np.random.Generator, n: int) -> Catalog:
    """Generate ``n`` items, about 80 % with Chinese and 20 % with English titles.

    Examples
    --------
    >>> cat = make_catalog(np.random.default_rng(1), 20)
    >>> len(cat.frame), cat.frame["currency"].unique().tolist()
    (20, ['CNY'])
    """
    shares = np.array([c["share"] for c in CATEGORIES])
    cat = rng.choice(len(CATEGORIES), size=n, p=shares / shares.sum())
    cat[: min(n, len(CATEGORIES))] = np.arange(min(n, len(CATEGORIES)))  # every category present
    sub = np.array([rng.integers(len(CATEGORIES[c]["subs"])) for c in cat], dtype=np.int64)
    price = np.empty(n)
    rows, queries_zh, queries_en = [], [], []
    langs = np.where(rng.random(n) < 0.8, "zh", "en")
    brand_i = rng.integers(0, 6, n)
    series_i = rng.integers(0, len(SERIES), n)
    color_i = rng.integers(0, len(COLORS), n)
    spec_i = rng.integers(0, 6, n)
    feat = rng.integers(0, 6, (n, 2))
    feat[:, 1] = (feat[:, 0] + 1 + rng.integers(0, 5, n)) % 6
    for i in range(n):
        c = CATEGORIES[cat[i]]
        sub_en, sub_zh, median, spread = c["subs"][sub[i]]
        price[i] = _price(rng, median, spread, 1)[0]
        b_en, b_zh = c["brands"][brand_i[i]]
        s_en, s_zh = SERIES[series_i[i]]
        col_en, col_zh = COLORS[color_i[i]]
        spec = c["specs"][spec_i[i]]
        spec_en = SPEC_EN.get(spec, spec)
        f1, f2 = c["features"][feat[i, 0]], c["features"][feat[i, 1]]
        title_zh = f"{b_zh} {s_zh} {sub_zh} {spec} {col_zh}"
        title_en = f"{b_en} {s_en} {singular(sub_en)} {spec_en} {col_en.capitalize()}"
        desc_zh = (
            f"{b_zh}{sub_zh}，{f1[0]}，{f2[0]}，规格{spec}，{col_zh}款。正品保障，七天无理由退换。"
        )
        desc_en = (
            f"{b_en} {singular(sub_en).lower()} with {f1[1]} and {f2[1]}. Size/spec: {spec_en}, "
            f"colour: {col_en}. Genuine product, 7-day no-reason returns."
        )
        attrs = {
            "sub_category": sub_en, "category_zh": f"{c['zh']} > {sub_zh}", "spec": spec_en,
            "color": col_en, "title_zh": title_zh, "title_en": title_en,
            "description_zh": desc_zh, "description_en": desc_en,
        }  # fmt: skip
        sub_l = sub_en.lower()
        queries_zh.append((sub_zh, f"{b_zh} {sub_zh}", f"{sub_zh} {spec}", f1[0]))
        queries_en.append((sub_l, f"{b_en} {sub_l}", f"{sub_l} {spec_en}", f1[1]))
        zh = langs[i] == "zh"
        rows.append(
            (
                title_zh if zh else title_en,
                desc_zh if zh else desc_en,
                b_zh if zh else b_en,
                f"{c['key']} > {sub_en}",
                json.dumps(attrs, ensure_ascii=False, sort_keys=True),
                f"{b_zh}{sub_zh}",
                f"{b_en} {singular(sub_en).lower()}",
            )
        )
    title, desc, brand, category, attrs, short_zh, short_en = (
        list(x) for x in zip(*rows, strict=True)
    )
    # tier: above the median price of its sub-category
    key = cat * 10 + sub
    med = pd.Series(price).groupby(key).transform("median").to_numpy()
    tier = (price > med).astype(np.int64)
    raw = 1.0 / (1.0 + rng.permutation(n)) ** 0.9
    group = cat * 2 + tier
    pop = raw / pd.Series(raw).groupby(group).transform("sum").to_numpy()
    quality = rng.beta(5.0, 2.0, n)
    item_id = np.char.mod("I%05d", np.arange(1, n + 1)).astype(object)
    frame = pd.DataFrame(
        {
            "item_id": item_id,
            "title": title,
            "description": desc,
            "brand": brand,
            "category": category,
            "price": price,
            "currency": "CNY",
            "attributes": attrs,
            "lang": langs.astype(object),
        }
    )
    truth = pd.DataFrame(
        {
            "item_id": item_id,
            "category": np.asarray(CATEGORY_KEYS, dtype=object)[cat],
            "tier": np.where(tier == 1, "premium", "budget").astype(object),
            "popularity": pop,
            "quality": np.round(quality, 6),
        }
    )
    return Catalog(
        frame, cat, tier, price, pop, quality,
        np.asarray(short_zh, dtype=object), np.asarray(short_en, dtype=object), truth,
        sub=_SUB_OFFSET[cat] + sub, brand=cat * 6 + brand_i, series=series_i, color=color_i,
        queries={"zh": np.asarray(queries_zh, dtype=object).reshape(n, 4),
                 "en": np.asarray(queries_en, dtype=object).reshape(n, 4)},
    )  # fmt: skip
