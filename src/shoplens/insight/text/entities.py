"""Entities in shopping texts: brands, model names, prices/amounts and specs, by rule.

* ``price``: ¥299, ￥1,299.00, 299元, 299块, RMB 50, $19.99, US$5, €20, 20 dollars/euros;
* ``spec``: storage and sizes such as 256G, 128GB, 1TB, 5000mAh, 6.1寸, 65W, 42码, XL, 2XL;
* ``brand``: words from a brand list (a default list of common brands, the catalog's
  brands when given, or your own);
* ``model``: product lines followed by a number or suffix, e.g. iPhone 15 Pro, Mate 60,
  Redmi K70, Galaxy S24.

Examples
--------
>>> [(e["type"], e["text"]) for e in EntityExtractor().extract("华为Mate 60 Pro 512G只要¥6999")]
[('brand', '华为'), ('model', 'Mate 60 Pro'), ('spec', '512G'), ('price', '¥6999')]
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["BRANDS", "MODEL_LINES", "EntityExtractor"]

#: default brand names; Chinese and Latin spellings are both listed
BRANDS: tuple[str, ...] = (
    "Apple",
    "苹果",
    "华为",
    "Huawei",
    "小米",
    "Xiaomi",
    "Redmi",
    "红米",
    "OPPO",
    "vivo",
    "荣耀",
    "Honor",
    "三星",
    "Samsung",
    "一加",
    "OnePlus",
    "魅族",
    "联想",
    "Lenovo",
    "戴尔",
    "Dell",
    "惠普",
    "HP",
    "华硕",
    "Asus",
    "索尼",
    "Sony",
    "佳能",
    "Canon",
    "尼康",
    "Nikon",
    "飞利浦",
    "Philips",
    "海尔",
    "Haier",
    "美的",
    "Midea",
    "格力",
    "Gree",
    "戴森",
    "Dyson",
    "耐克",
    "Nike",
    "阿迪达斯",
    "Adidas",
    "李宁",
    "安踏",
    "优衣库",
    "Uniqlo",
    "Zara",
    "H&M",
    "彪马",
    "Puma",
    "新百伦",
    "New Balance",
    "兰蔻",
    "Lancome",
    "雅诗兰黛",
    "Estee Lauder",
    "欧莱雅",
    "L'Oreal",
    "资生堂",
    "Shiseido",
    "Nintendo",
    "任天堂",
    "Microsoft",
    "微软",
    "Google",
    "谷歌",
    "Amazon",
    "亚马逊",
    "京东",
    "天猫",
    "淘宝",
    "Anker",
    "Bose",
    "JBL",
    "Logitech",
    "罗技",
    "Canon",
    "LEGO",
    "乐高",
    "IKEA",
    "宜家",
    "Lenovo",
    "ThinkPad",
)

#: product lines that introduce a model name
MODEL_LINES: tuple[str, ...] = (
    "iPhone",
    "iPad",
    "MacBook Air",
    "MacBook Pro",
    "MacBook",
    "AirPods",
    "Apple Watch",
    "Mate",
    "P",
    "nova",
    "Redmi",
    "Redmi Note",
    "Mi",
    "Galaxy S",
    "Galaxy Note",
    "Galaxy Z",
    "Galaxy A",
    "Galaxy",
    "Pixel",
    "ThinkPad",
    "XPS",
    "PlayStation",
    "PS",
    "Xbox",
    "Switch",
    "Find X",
    "Reno",
    "Magic",
    "Kindle",
    "Surface",
    "Air Jordan",
    "Air Max",
)

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_PRICE = re.compile(
    rf"(?:[¥￥$€£]|US\$|RMB\s?|CNY\s?|USD\s?|EUR\s?)\s?(?:{_NUM})"
    rf"|(?:{_NUM})\s?(?:元|块钱|块|rmb\b|yuan\b|dollars?\b|bucks\b|euros?\b|usd\b)",
    re.IGNORECASE,
)
_SPEC = re.compile(
    r"(?<![A-Za-z0-9.])(?:\d+(?:\.\d+)?\s?(?:TB|GB|G|MB|mAh|Hz|W|寸|英寸|码|ml|mL|L|kg|KG|g|cm|mm)"
    r"|[2-5]?X{1,3}[LS]|[SML]码)(?![A-Za-z0-9])"
)
_SUFFIX = r"(?:\s?(?:Pro\s?Max|Pro\+?|Max|Plus|Ultra|mini|Lite|SE|Air|Note|\+))*"


class EntityExtractor:
    """Rule-based brands, model names, prices and specs.

    Parameters
    ----------
    brands
        Brand names to find; default :data:`BRANDS`. ``extra_brands`` adds to it.
    model_lines
        Product lines that start a model name; default :data:`MODEL_LINES`.
    extra_brands
        More brands, e.g. the ``items.brand`` values of the catalog.

    Examples
    --------
    >>> EntityExtractor(extra_brands=["Acme"]).extract("Acme 42码 $19.99")[0]["type"]
    'brand'
    """

    def __init__(
        self,
        brands: Iterable[str] | None = None,
        model_lines: Iterable[str] | None = None,
        extra_brands: Iterable[str] | None = None,
    ) -> None:
        self.brands = tuple(BRANDS if brands is None else brands)
        self.model_lines = tuple(MODEL_LINES if model_lines is None else model_lines)
        self.extra_brands = tuple(extra_brands or ())
        names = sorted(
            {b.strip() for b in (*self.brands, *self.extra_brands) if b and str(b).strip()},
            key=len,
            reverse=True,
        )
        alts = [
            re.escape(b) if not b.isascii() else r"(?<![A-Za-z])" + re.escape(b) + r"(?![A-Za-z])"
            for b in names
        ]
        self._brand = re.compile("|".join(alts), re.IGNORECASE) if alts else None
        lines = sorted(self.model_lines, key=len, reverse=True)
        self._model = (
            re.compile(
                r"(?<![A-Za-z])(?:" + "|".join(re.escape(x) for x in lines) + r")"
                r"\s?\d{1,4}[A-Za-z]?" + _SUFFIX + r"(?![A-Za-z0-9])",
            )
            if lines
            else None
        )

    def extract(self, text: str) -> list[dict[str, object]]:
        """Return entities ``{"type", "text", "start", "end"}`` (+ ``value`` for prices).

        Overlapping matches keep the earlier type in the order model, brand, price, spec.

        Examples
        --------
        >>> [e["text"] for e in EntityExtractor().extract("iPhone 15 Pro Max 256GB 卖 7999元")]
        ['iPhone 15 Pro Max', '256GB', '7999元']
        """
        found: list[dict[str, object]] = []
        taken: list[tuple[int, int]] = []

        def add(kind: str, m: re.Match[str]) -> None:
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                return
            ent: dict[str, object] = {
                "type": kind,
                "text": m.group(0).strip(),
                "start": s,
                "end": e,
            }
            if kind == "price":
                num = re.search(_NUM, m.group(0))
                ent["value"] = float(num.group(0).replace(",", "")) if num else None
            taken.append((s, e))
            found.append(ent)

        for kind, rx in (
            ("model", self._model),
            ("brand", self._brand),
            ("price", _PRICE),
            ("spec", _SPEC),
        ):
            if rx is not None:
                for m in rx.finditer(text):
                    add(kind, m)
        return sorted(found, key=lambda x: x["start"])  # type: ignore[arg-type,return-value]
