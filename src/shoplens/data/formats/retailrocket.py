"""RetailRocket e-commerce dataset: the ``events.csv`` clickstream (2.7M events, 2015).

Columns ``timestamp,visitorid,event,itemid,transactionid``; ``timestamp`` is Unix epoch
milliseconds (UTC) and ``event`` one of ``view``, ``addtocart``, ``transaction``. Each
row becomes one canonical event:

* ``type``: ``view`` -> ``view``, ``addtocart`` -> ``add_to_cart``, ``transaction`` ->
  ``purchase``; other values are kept as they are;
* ``customer_id`` is the (anonymous) ``visitorid``; ``properties`` holds
  ``{"transactionid": ...}`` when the row has one;
* ``event_id`` is ``rr:`` + sha1 of the five raw values and the occurrence number of that
  exact line in the file, so identical lines stay separate events while re-ingesting the
  same file yields the same ids (all duplicates).

The visitors come back as derived ``customers`` (``first_seen``: their earliest event).

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"timestamp": ["1433221332117"], "visitorid": ["257597"],
...     "event": ["addtocart"], "itemid": ["355908"], "transactionid": [None]})
>>> row = RetailRocket().map(raw, "events").frame.iloc[0]
>>> row["type"], str(row["ts"])
('add_to_cart', '2015-06-02 05:02:12.117000+00:00')
"""

from __future__ import annotations

import hashlib
import json
from typing import ClassVar

import pandas as pd

from shoplens.data.formats import Adapter, Mapped, register, timestamps_only

COLUMNS = ("timestamp", "visitorid", "event", "itemid", "transactionid")
TYPES = {"view": "view", "addtocart": "add_to_cart", "transaction": "purchase"}


def epoch_ms_to_utc(values: pd.Series) -> pd.Series:
    """Epoch milliseconds (numbers or digit strings) as UTC timestamps; others stay as they are.

    Examples
    --------
    >>> epoch_ms_to_utc(pd.Series(["0", "yesterday"])).astype(str).tolist()
    ['1970-01-01 00:00:00+00:00', 'yesterday']
    """
    ms = pd.to_numeric(values, errors="coerce")
    ts = pd.to_datetime(ms, unit="ms", utc=True, errors="coerce")
    if ts.notna().sum() == values.notna().sum():
        return ts  # all read: a datetime column (validation takes its fast path)
    return ts.astype(object).where(ts.notna(), values)


def line_ids(raw: pd.DataFrame, columns: list[str], prefix: str) -> pd.Series:
    """Deterministic ids: sha1 of the values and the occurrence number of identical rows.

    Examples
    --------
    >>> ids = line_ids(pd.DataFrame({"a": ["x", "x", "y"]}), ["a"], "rr:")
    >>> ids[0] != ids[1], ids[0].startswith("rr:")
    (True, True)
    """
    values = raw[columns].astype(object).where(raw[columns].notna(), "\x00").astype(str)
    n = values.groupby(columns, sort=False).cumcount() + 1
    first, *rest = columns
    joined = values[first].str.cat([values[c] for c in rest] + [n.astype(str)], sep="\x1f")
    return prefix + joined.map(lambda s: hashlib.sha1(s.encode("utf-8")).hexdigest()[:20])


@register
class RetailRocket(Adapter):
    """``--mapping retailrocket``: ``events.csv`` into ``events`` (+ customers)."""

    name = "retailrocket"
    tables = ("events",)
    source_columns: ClassVar[dict[str, tuple[str, ...]]] = {"events": COLUMNS}

    def map(self, raw: pd.DataFrame, table: str) -> Mapped:
        ts = epoch_ms_to_utc(raw["timestamp"])
        event = raw["event"].astype(object)
        stripped = event.where(event.isna(), event.astype(str).str.strip())
        transaction = raw["transactionid"]
        frame = pd.DataFrame(
            {
                "event_id": line_ids(raw, list(COLUMNS), "rr:"),
                "customer_id": raw["visitorid"],
                "ts": ts,
                "type": stripped.map(lambda v: TYPES.get(v, v)),
                "item_id": raw["itemid"],
                "properties": transaction.map(
                    lambda t: None if pd.isna(t) else json.dumps({"transactionid": str(t)})
                ),
            },
            index=raw.index,
        )
        seen = timestamps_only(ts)
        customers = pd.DataFrame(
            {
                "_row": raw.index,
                "customer_id": raw["visitorid"],
                "first_seen": seen.groupby(raw["visitorid"], dropna=False).transform("min"),
            }
        )
        return Mapped(frame, {"customers": customers})
