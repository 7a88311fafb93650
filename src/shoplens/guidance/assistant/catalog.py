"""The catalog tool: BM25 over item titles, brands and categories; lookup and compare.

Products are public, so one :class:`Catalog` serves every conversation. Descriptions go
through :func:`~shoplens.guidance.assistant.guardrails.sanitize` before anything reads
them.

Examples
--------
>>> import pandas as pd
>>> items = pd.DataFrame({"item_id": ["I1"], "title": ["Xiaomi Smartphone 256G"],
...     "description": ["A phone."], "brand": ["Xiaomi"], "category": ["Phones > Smartphones"],
...     "price": [2999.0], "currency": ["CNY"], "attributes": ["{}"], "lang": ["en"]})
>>> Catalog(items).fit().lookup("xiaomi smartphone price", "en").summary
'Xiaomi Smartphone 256G costs 2999.00 CNY [item:I1].'
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import numpy as np
import pandas as pd

from shoplens.errors import require
from shoplens.guidance.assistant.guardrails import sanitize
from shoplens.guidance.assistant.results import ToolResult
from shoplens.guidance.assistant.tokenize import search_tokens

__all__ = ["Catalog"]


class Catalog:
    """BM25 over item titles, brands and categories (both languages of the category)."""

    def __init__(self, items: pd.DataFrame) -> None:
        self.items = items.reset_index(drop=True)

    def fit(self) -> Catalog:
        """Index the items."""
        bm25s = require("bm25s", "llm")
        docs = []
        for row in self.items.itertuples(index=False):
            zh = ""
            with contextlib.suppress(TypeError, ValueError, AttributeError):
                zh = json.loads(row.attributes or "{}").get("category_zh", "")
            docs.append(search_tokens(f"{row.title} {row.brand} {row.category} {zh}") or ["_"])
        self.bm25_ = bm25s.BM25()
        self.bm25_.index(docs, show_progress=False)
        self.by_id_ = {r.item_id: i for i, r in enumerate(self.items.itertuples(index=False))}
        return self

    def search(self, text: str, k: int = 3) -> list[tuple[int, float]]:
        """Row numbers and BM25 scores of the best ``k`` items (score > 0)."""
        tokens = search_tokens(text)
        if not tokens or self.items.empty:
            return []
        scores = np.asarray(self.bm25_.get_scores(tokens), dtype=float)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(int(i), float(scores[i])) for i in order if scores[i] > 0]

    def row(self, i: int) -> dict[str, Any]:
        """The item as a dict (description with instructions removed)."""
        r = self.items.iloc[i]
        return {
            "item_id": r["item_id"],
            "title": r["title"],
            "brand": r["brand"],
            "category": r["category"],
            "price": float(r["price"]),
            "currency": r["currency"],
            "description": sanitize(str(r["description"] or "")),
        }

    def lookup(self, text: str, lang: str, k: int = 1) -> ToolResult:
        """The best-matching item(s): title, price and description."""
        hits = [h for h in self.search(text, k=max(k, 3)) if h[1] > 0][:k]
        if not hits:
            msg = (
                "我没有在商品目录中找到这件商品。"
                if lang == "zh"
                else ("I could not find that product in the catalog.")
            )
            return ToolResult("product_lookup", "catalog", {"query": text}, msg, found=False)
        rows = [self.row(i) for i, _ in hits]
        parts = []
        for r in rows:
            if lang == "zh":
                parts.append(f"{r['title']}售价{r['price']:.2f}元 [item:{r['item_id']}]。")
            else:
                parts.append(
                    f"{r['title']} costs {r['price']:.2f} {r['currency']} [item:{r['item_id']}]."
                )
        sep = "" if lang == "zh" else " "
        return ToolResult("product_lookup", f"item:{rows[0]['item_id']}", {"items": rows},
                          sep.join(parts))  # fmt: skip

    def compare(self, first: str, second: str, lang: str) -> ToolResult:
        """Two items side by side (price, brand, category)."""
        a, b = self.search(first, 1), self.search(second, 1)
        if not a or not b or a[0][0] == b[0][0]:
            return self.lookup(f"{first} {second}", lang, k=2)
        ra, rb = self.row(a[0][0]), self.row(b[0][0])
        if lang == "zh":
            text = (
                f"{ra['title']}售价{ra['price']:.2f}元（{ra['category']}）[item:{ra['item_id']}]；"
                f"{rb['title']}售价{rb['price']:.2f}元（{rb['category']}）[item:{rb['item_id']}]。"
            )
        else:
            text = (
                f"{ra['title']} costs {ra['price']:.2f} CNY ({ra['category']}) "
                f"[item:{ra['item_id']}]; {rb['title']} costs {rb['price']:.2f} CNY "
                f"({rb['category']}) [item:{rb['item_id']}]."
            )
        return ToolResult("compare_products", f"item:{ra['item_id']}", {"items": [ra, rb]}, text)
