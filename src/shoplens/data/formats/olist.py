"""Olist Brazilian E-Commerce public dataset (100k orders, 2016-2018), one file per table.

``--table`` says which file is being loaded:

========================================  ==============  ===================================
file                                      table           notes
========================================  ==============  ===================================
``olist_customers_dataset.csv``           customers       ``region`` = state, ``country`` BR
``olist_orders_dataset.csv``              orders          ``ts`` = purchase time
``olist_order_items_dataset.csv``         order_items     + derived items
``olist_order_reviews_dataset.csv``       reviews         ``review_id:order_id``, ``lang`` pt
========================================  ==============  ===================================

Choices:

* **customers.** Olist's ``customer_id`` is issued per order; ``customer_unique_id`` is the
  person. Orders reference ``customer_id`` only, so it stays the canonical
  ``customer_id`` (every order finds its customer whatever the order of loading);
  ``customer_unique_id``, the zip code prefix and the city go to ``attributes`` so that
  analyses of repeat buyers can group by the person.
* **reviews.** Olist ``review_id`` values repeat across orders in the real data, so the
  canonical ``review_id`` is ``<review_id>:<order_id>``: deterministic and loses no row.
  The review is about the order, so ``customer_id`` and ``item_id`` stay empty.
* **orders** carry no total in this file (it is in the payments file): ``total`` is empty.
  The approval and delivery dates have no canonical column and are not loaded.
* Times are local São Paulo time (America/Sao_Paulo) converted to UTC; money is BRL.

Load ``customers`` first: the other files imply no customer rows.

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"review_id": ["r1"], "order_id": ["o1"], "review_score": ["5"],
...     "review_comment_title": [None], "review_comment_message": ["Ótimo"],
...     "review_creation_date": ["2018-01-18 00:00:00"],
...     "review_answer_timestamp": ["2018-01-18 21:46:59"]})
>>> row = Olist().map(raw, "reviews").frame.iloc[0]
>>> row["review_id"], str(row["ts"]), row["lang"]
('r1:o1', '2018-01-18 02:00:00+00:00', 'pt')
"""

from __future__ import annotations

import json
from typing import ClassVar

import numpy as np
import pandas as pd

from shoplens.data.formats import Adapter, Mapped, local_to_utc, register

TIMEZONE = "America/Sao_Paulo"
FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")

COLUMNS: dict[str, tuple[str, ...]] = {
    "orders": ("order_id", "customer_id", "order_status", "order_purchase_timestamp",
               "order_approved_at", "order_delivered_carrier_date",
               "order_delivered_customer_date", "order_estimated_delivery_date"),
    "order_items": ("order_id", "order_item_id", "product_id", "seller_id",
                    "shipping_limit_date", "price", "freight_value"),
    "customers": ("customer_id", "customer_unique_id", "customer_zip_code_prefix",
                  "customer_city", "customer_state"),
    "reviews": ("review_id", "order_id", "review_score", "review_comment_title",
                "review_comment_message", "review_creation_date", "review_answer_timestamp"),
}  # fmt: skip


def sao_paulo_to_utc(values: pd.Series) -> pd.Series:
    """Naive São Paulo times as UTC timestamps; unreadable values stay as they are.

    Brazil still had daylight saving time in 2016-2018: a midnight that did not exist
    (clocks jumped to 01:00) is shifted forward, an ambiguous hour is read as standard time.

    Examples
    --------
    >>> sao_paulo_to_utc(pd.Series(["2017-10-15 00:00:00", "n/a"])).astype(str).tolist()
    ['2017-10-15 03:00:00+00:00', 'n/a']
    """
    return local_to_utc(values, TIMEZONE, FORMATS)


def _json_rows(frame: pd.DataFrame) -> list[str]:
    return [
        json.dumps({k: v for k, v in row.items() if pd.notna(v)}, ensure_ascii=False)
        for row in frame.to_dict(orient="records")
    ]


@register
class Olist(Adapter):
    """``--mapping olist``: the Olist files into orders, order_items, customers, reviews."""

    name = "olist"
    tables = ("orders", "order_items", "customers", "reviews")
    source_columns: ClassVar[dict[str, tuple[str, ...]]] = COLUMNS
    timezone = TIMEZONE

    def map(self, raw: pd.DataFrame, table: str) -> Mapped:
        return {
            "orders": self._orders,
            "order_items": self._order_items,
            "customers": self._customers,
            "reviews": self._reviews,
        }[table](raw)

    def _orders(self, raw: pd.DataFrame) -> Mapped:
        frame = pd.DataFrame(
            {
                "order_id": raw["order_id"],
                "customer_id": raw["customer_id"],
                "ts": sao_paulo_to_utc(raw["order_purchase_timestamp"]),
                "status": raw["order_status"],
                "total": None,
                "currency": "BRL",
            },
            index=raw.index,
        )
        return Mapped(frame)

    def _order_items(self, raw: pd.DataFrame) -> Mapped:
        frame = pd.DataFrame(
            {
                "order_id": raw["order_id"],
                "line_number": raw["order_item_id"],
                "item_id": raw["product_id"],
                "quantity": 1.0,
                "unit_price": raw["price"],
            },
            index=raw.index,
        )
        price = pd.to_numeric(raw["price"], errors="coerce")
        items = pd.DataFrame(
            {
                "_row": raw.index,
                "item_id": raw["product_id"],
                "price": price.where(price >= 0),
                "currency": "BRL",
                "lang": "pt",
            }
        )
        return Mapped(frame, {"items": items})

    def _customers(self, raw: pd.DataFrame) -> Mapped:
        extra = raw[["customer_unique_id", "customer_zip_code_prefix", "customer_city"]]
        frame = pd.DataFrame(
            {
                "customer_id": raw["customer_id"],
                "country": "BR",
                "region": raw["customer_state"],
                "attributes": _json_rows(extra),
            },
            index=raw.index,
        )
        return Mapped(frame)

    def _reviews(self, raw: pd.DataFrame) -> Mapped:
        review = raw["review_id"].astype(object)
        order = raw["order_id"].astype(object)
        known = review.notna() & order.notna()
        frame = pd.DataFrame(
            {
                "review_id": (review.astype(str) + ":" + order.astype(str)).where(known),
                "ts": sao_paulo_to_utc(raw["review_creation_date"]),
                "rating": raw["review_score"],
                "title": raw["review_comment_title"],
                "text": raw["review_comment_message"],
                "lang": "pt",
                # a review without its order cannot be keyed: say so rather than "missing review_id"
                "_error": np.where(review.notna() & order.isna(), "missing order_id", None),
            },
            index=raw.index,
        )
        return Mapped(frame)
