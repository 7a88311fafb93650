"""Amazon Reviews 2023 (McAuley Lab): review files and item metadata files, JSON lines.

* **reviews** (``<Category>.jsonl``): ``rating, title, text, images, asin, parent_asin,
  user_id, timestamp, helpful_vote, verified_purchase``; ``timestamp`` is epoch
  milliseconds. ``review_id`` is ``amz:`` + sha1 of ``user_id``, ``asin`` and
  ``timestamp`` (the dataset has no review id), so a repeated review is a duplicate;
  ``item_id`` is ``parent_asin`` (the product, whatever its variant), else ``asin``;
  ``lang`` is ``en``. The reviewers come back as derived ``customers``. ``images``,
  ``helpful_vote`` and ``verified_purchase`` have no canonical column.
* **items** (``meta_<Category>.jsonl``): ``main_category, title, average_rating,
  rating_number, features, description, price, images, videos, store, categories,
  details, parent_asin, bought_together``. ``item_id`` = ``parent_asin``, ``brand`` =
  ``store``, ``category`` = ``categories`` joined by `` > `` (else ``main_category``),
  ``description`` = its paragraphs joined by newlines, ``currency`` USD; the rest
  (``main_category``, ratings, ``features``, ``details``, ``bought_together``) goes to
  ``attributes``.

A line that is not valid JSON arrives as a row with an ``_error``; it stays a row and is
quarantined with that reason.

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame([{"rating": 5.0, "title": "Nice", "text": "Works", "images": [],
...     "asin": "B01", "parent_asin": "B00", "user_id": "U1", "timestamp": 1588687728923,
...     "helpful_vote": 2, "verified_purchase": True}])
>>> row = AmazonReviews2023().map(raw, "reviews").frame.iloc[0]
>>> row["item_id"], str(row["ts"])
('B00', '2020-05-05 14:08:48.923000+00:00')
"""

from __future__ import annotations

import hashlib
import json
from typing import ClassVar

import pandas as pd

from shoplens.data.formats import Adapter, Mapped, register, timestamps_only

REVIEW_COLUMNS = ("rating", "title", "text", "images", "asin", "parent_asin", "user_id",
                  "timestamp", "helpful_vote", "verified_purchase")  # fmt: skip
META_COLUMNS = ("main_category", "title", "average_rating", "rating_number", "features",
                "description", "price", "images", "videos", "store", "categories", "details",
                "parent_asin", "bought_together")  # fmt: skip
#: metadata fields kept in ``items.attributes``
ATTRIBUTES = ("main_category", "average_rating", "rating_number", "features", "details",
              "bought_together")  # fmt: skip


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    return isinstance(value, str) and value.strip() in ("", "None", "null")


def _review_id(user: object, asin: object, ts: object) -> str | None:
    if _missing(user) or _missing(asin) or _missing(ts):
        return None
    if isinstance(ts, float) and ts.is_integer():
        ts = int(ts)  # a column with gaps turns epoch ints into floats
    key = f"{user}\x1f{asin}\x1f{ts}"
    return "amz:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


def _epoch_ms(value: object) -> object:
    if _missing(value):
        return None
    try:
        return pd.Timestamp(int(float(value)), unit="ms", tz="UTC")
    except (TypeError, ValueError, OverflowError):
        return value  # left as it is: validation names it


def _text(value: object, sep: str) -> str | None:
    if isinstance(value, list):
        parts = [str(v) for v in value if not _missing(v)]
        return sep.join(parts) if parts else None
    return None if _missing(value) else str(value)


def _column(raw: pd.DataFrame, name: str) -> pd.Series:
    if name in raw.columns:
        return raw[name].astype(object)
    return pd.Series(None, index=raw.index, dtype=object)


def _json_safe(value: object) -> object:
    if isinstance(value, dict | list | str | int | bool):
        return value
    if isinstance(value, float):
        return None if value != value else value
    return None if value is None else str(value)


@register
class AmazonReviews2023(Adapter):
    """``--mapping amazon_reviews_2023``: review lines into ``reviews``, metadata into ``items``."""

    name = "amazon_reviews_2023"
    tables = ("reviews", "items")
    source_columns: ClassVar[dict[str, tuple[str, ...]]] = {
        "reviews": ("rating", "title", "text", "asin", "parent_asin", "user_id", "timestamp"),
        "items": ("parent_asin", "title"),
    }

    def map(self, raw: pd.DataFrame, table: str) -> Mapped:
        return self._items(raw) if table == "items" else self._reviews(raw)

    def _reviews(self, raw: pd.DataFrame) -> Mapped:
        asin, parent = raw["asin"].astype(object), raw["parent_asin"].astype(object)
        item = [a if _missing(p) else p for a, p in zip(asin, parent, strict=True)]
        review_id = [
            _review_id(u, a, t)
            for u, a, t in zip(raw["user_id"], asin, raw["timestamp"], strict=True)
        ]
        ts = raw["timestamp"].astype(object).map(_epoch_ms)
        if all(v is None or isinstance(v, pd.Timestamp) for v in ts):
            ts = pd.to_datetime(ts, utc=True)  # a datetime column: validation's fast path
        frame = pd.DataFrame(
            {
                "review_id": review_id,
                "customer_id": raw["user_id"],
                "item_id": [None if _missing(v) else v for v in item],
                "ts": ts,
                "rating": raw["rating"],
                "title": raw["title"],
                "text": raw["text"],
                "lang": "en",
                "_error": _column(raw, "_error"),
            },
            index=raw.index,
        )
        seen = timestamps_only(ts)
        customers = pd.DataFrame(
            {
                "_row": raw.index,
                "customer_id": raw["user_id"],
                "first_seen": seen.groupby(raw["user_id"], dropna=False).transform("min"),
            }
        )
        return Mapped(frame, {"customers": customers})

    def _items(self, raw: pd.DataFrame) -> Mapped:
        categories = _column(raw, "categories").map(lambda v: _text(v, " > "))
        main = _column(raw, "main_category").map(lambda v: _text(v, " > "))
        attrs = [
            json.dumps(
                {k: _json_safe(rec.get(k)) for k in ATTRIBUTES if not _missing(rec.get(k))},
                ensure_ascii=False,
            )
            for rec in raw.reindex(columns=list(ATTRIBUTES)).to_dict(orient="records")
        ]
        frame = pd.DataFrame(
            {
                "item_id": raw["parent_asin"],
                "title": raw["title"],
                "description": _column(raw, "description").map(lambda v: _text(v, "\n")),
                "brand": _column(raw, "store").map(lambda v: _text(v, " ")),
                "category": categories.where(categories.notna(), main),
                "price": _column(raw, "price").map(lambda v: None if _missing(v) else v),
                "currency": "USD",
                "attributes": attrs,
                "lang": "en",
                "_error": _column(raw, "_error"),
            },
            index=raw.index,
        )
        return Mapped(frame)
