"""UCI Online Retail (v1) and Online Retail II: a UK gift shop's order lines, 2009-2011.

Online Retail II (``online_retail_II.xlsx`` or its csv export) has the columns
``Invoice, StockCode, Description, Quantity, InvoiceDate, Price, Customer ID, Country``;
the original Online Retail names three of them ``InvoiceNo``, ``UnitPrice`` and
``CustomerID``. Both are read, renamed to the v2 names.

Each row is one order line (``order_items``); the orders, items and customers it implies
come back as derived rows:

* ``line_number`` is the position of the line within its invoice, in file order;
* an invoice starting with ``C`` is a cancellation: its lines carry negative quantities,
  stored as ``abs(Quantity)`` under an order with status ``cancelled``;
* the order ``total`` is the sum of ``abs(Quantity) * Price`` over the invoice's lines
  that load, currency GBP;
* a line without ``Customer ID`` (about a quarter of the real file) belongs to the guest
  customer ``guest:<Invoice>``, flagged ``{"guest": true}`` in its attributes, so that no
  line and no order is lost;
* ``InvoiceDate`` is local UK time (Europe/London); a date that cannot be read
  quarantines the line;
* a negative ``Price`` (the ``Adjust bad debt`` rows) quarantines the line.

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"Invoice": ["536365", "536365"], "StockCode": ["85123A", "71053"],
...     "Description": ["HEART", "LANTERN"], "Quantity": ["6", "6"],
...     "InvoiceDate": ["2010-12-01 08:26:00"] * 2, "Price": ["2.55", "3.39"],
...     "Customer ID": ["17850.0", "17850.0"], "Country": ["United Kingdom"] * 2})
>>> m = UCIOnlineRetail().map(raw, "order_items")
>>> m.frame["line_number"].tolist()
[1, 2]
>>> m.derived["orders"].loc[0, "customer_id"], float(m.derived["orders"].loc[0, "total"])
('17850', 35.64)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from shoplens.data.formats import Adapter, Mapped, local_to_utc, register, timestamps_only

COLUMNS = ("Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price",
           "Customer ID", "Country")  # fmt: skip
#: Online Retail (v1) names of the columns that v2 renamed
V1_NAMES = {"InvoiceNo": "Invoice", "UnitPrice": "Price", "CustomerID": "Customer ID"}
#: layouts of ``InvoiceDate``: v2 csv and xlsx cells, then v1 csv (``12/1/2010 8:26``)
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S")
TIMEZONE = "Europe/London"


def normalise_columns(raw: pd.DataFrame) -> pd.DataFrame:
    """Rename Online Retail (v1) columns to their Online Retail II names.

    Examples
    --------
    >>> list(normalise_columns(pd.DataFrame(columns=["InvoiceNo", "UnitPrice"])).columns)
    ['Invoice', 'Price']
    """
    names = {old: new for old, new in V1_NAMES.items() if old in raw.columns and new not in raw}
    return raw.rename(columns=names) if names else raw


def clean_id(values: pd.Series) -> pd.Series:
    """Strip ids and drop the ``.0`` that spreadsheet exports add to numeric ids.

    Examples
    --------
    >>> clean_id(pd.Series(["13085.0", " 85123A ", None])).tolist()
    ['13085', '85123A', None]
    """
    clean = {v: _clean_one(v) for v in pd.unique(values.dropna())}  # ids repeat: once each
    return values.astype(object).map(clean).astype(object).where(values.notna(), None)


def _clean_one(value: object) -> str | None:
    text = str(value).strip()
    text = re.sub(r"^(\d+)\.0+$", r"\1", text)
    return text or None


def _short(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


@register
class UCIOnlineRetail(Adapter):
    """``--mapping uci_online_retail``: order lines (+ orders, items, customers)."""

    name = "uci_online_retail"
    tables = ("order_items",)
    source_columns: ClassVar[dict[str, tuple[str, ...]]] = {"order_items": COLUMNS}
    timezone = TIMEZONE

    def read(self, path: Path, fmt: str) -> pd.DataFrame:
        return normalise_columns(super().read(path, fmt))

    def check(self, raw: pd.DataFrame, table: str) -> None:
        super().check(normalise_columns(raw), table)

    def map(self, raw: pd.DataFrame, table: str) -> Mapped:
        raw = normalise_columns(raw)
        invoice = clean_id(raw["Invoice"])
        stock = clean_id(raw["StockCode"])
        qty = pd.to_numeric(raw["Quantity"], errors="coerce")
        price = pd.to_numeric(raw["Price"], errors="coerce")
        line = invoice.groupby(invoice, sort=False, dropna=False).cumcount() + 1
        ts = local_to_utc(raw["InvoiceDate"], TIMEZONE, DATE_FORMATS)
        bad_ts = raw["InvoiceDate"].notna() & timestamps_only(ts).isna()
        frame = pd.DataFrame(
            {
                "order_id": invoice,
                "line_number": line.where(invoice.notna()),
                "item_id": stock,
                "quantity": qty.abs().astype(object).where(qty.notna(), raw["Quantity"]),
                "unit_price": raw["Price"],
                # the line has no timestamp column: an unreadable invoice date is named here
                "_error": pd.Series(None, index=raw.index, dtype=object).where(
                    ~bad_ts, "bad timestamp in InvoiceDate: " + raw["InvoiceDate"].map(_short)
                ),
            },
            index=raw.index,
        )
        frame.loc[raw["InvoiceDate"].isna() & invoice.notna(), "_error"] = "missing InvoiceDate"

        customer = clean_id(raw["Customer ID"])
        guest = customer.isna()
        customer = customer.where(~guest, "guest:" + invoice.fillna(""))
        # the total sums the lines that load (a quarantined line is not part of it)
        loads = stock.notna() & raw["InvoiceDate"].notna() & ~bad_ts & (price >= 0)
        amount = (qty.abs() * price).where(loads)
        total = amount.groupby(invoice, sort=False, dropna=False).transform("sum")
        orders = pd.DataFrame(
            {
                "_row": raw.index,
                "order_id": invoice,
                "customer_id": customer,
                "ts": ts,
                "status": np.where(
                    invoice.fillna("").str.startswith("C"), "cancelled", "completed"
                ),
                "total": total.round(2),
                "currency": "GBP",
            }
        )
        items = pd.DataFrame(
            {
                "_row": raw.index,
                "item_id": stock,
                "title": raw["Description"],
                "price": price.where(price >= 0),
                "currency": "GBP",
                "lang": "en",
            }
        )
        seen = timestamps_only(ts)
        customers = pd.DataFrame(
            {
                "_row": raw.index,
                "customer_id": customer,
                "first_seen": seen.groupby(customer, dropna=False).transform("min"),
                "country": raw["Country"],
                "attributes": np.where(guest, json.dumps({"guest": True}), None),
            }
        )
        return Mapped(frame, {"orders": orders, "items": items, "customers": customers})
