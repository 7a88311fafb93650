"""CDNOW transactions (Fader & Hardie), as shipped in the ``lifetimes`` package.

Two layouts, both whitespace-separated:

* ``CDNOW_master.txt``: a header line, then ``customer_id date number_of_cds dollar_value``;
* ``CDNOW_sample.txt``: no header, ``master_id sample_id date number_of_cds dollar_value``
  (the 2,357-customer sample of the BG/NBD paper); the master id is kept as customer id.

Dates are ``YYYYMMDD``. Each line is one purchase occasion, mapped to an order whose id is
``<customer>:<date>:<n>`` (``n`` counts lines of the same customer and day in file order,
so re-reading the same file gives the same ids).

Examples
--------
>>> raw = read_cdnow(cdnow_path("sample"))  # doctest: +SKIP
>>> raw.shape  # doctest: +SKIP
(6919, 4)
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pandas as pd

from shoplens.data.formats import Adapter, Mapped, local_to_utc, register
from shoplens.errors import DependencyError, InputError

COLUMNS = ("customer_id", "date", "number_of_cds", "dollar_value")


def cdnow_path(which: str = "sample") -> Path:
    """Path of ``CDNOW_sample.txt`` or ``CDNOW_master.txt`` inside the installed lifetimes."""
    import importlib.util

    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        raise DependencyError(
            "the CDNOW data ships in the lifetimes package: pip install 'shoplens[data]'"
        )
    name = {"sample": "CDNOW_sample.txt", "master": "CDNOW_master.txt"}[which]
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / name


def read_cdnow(path: str | Path) -> pd.DataFrame:
    """Read either CDNOW layout into ``customer_id, date, number_of_cds, dollar_value``.

    Values stay strings; lines with the wrong number of fields keep ``None`` in the
    missing places so that validation quarantines them.
    """
    p = Path(path)
    rows: list[list[str | None]] = []
    with p.open(encoding="utf-8") as fh:
        for line in fh:
            fields = line.split()
            if not fields:
                continue
            if fields[0] == "customer_id":  # master header
                continue
            if len(fields) == 5:  # sample: drop the sample id, keep the master id
                fields = [fields[0], *fields[2:]]
            fields = (fields + [None] * 4)[:4]
            rows.append(fields)
    if not rows:
        raise InputError(f"{p.name} holds no CDNOW transactions")
    return pd.DataFrame(rows, columns=list(COLUMNS))


@register
class CDNOW(Adapter):
    """``--mapping cdnow``: CDNOW transactions into ``orders`` (+ lines, customers)."""

    name = "cdnow"
    tables = ("orders",)
    source_columns: ClassVar[dict[str, tuple[str, ...]]] = {"orders": COLUMNS}

    def read(self, path: Path, fmt: str) -> pd.DataFrame:
        return read_cdnow(path)

    def map(self, raw: pd.DataFrame, table: str) -> Mapped:
        n = raw.groupby(["customer_id", "date"], sort=False, dropna=False).cumcount() + 1
        order_id = raw["customer_id"].str.cat([raw["date"].fillna(""), n.astype(str)], sep=":")
        ts = local_to_utc(raw["date"], "UTC", ("%Y%m%d",))
        frame = pd.DataFrame(
            {
                "order_id": order_id,
                "customer_id": raw["customer_id"],
                "ts": ts,
                "status": "completed",
                "total": raw["dollar_value"],
                "currency": "USD",
            },
            index=raw.index,
        )
        cds = pd.to_numeric(raw["number_of_cds"], errors="coerce")
        value = pd.to_numeric(raw["dollar_value"], errors="coerce")
        lines = pd.DataFrame(
            {
                "_row": raw.index,
                "order_id": order_id,
                "line_number": 1,
                "item_id": "cd",
                "quantity": cds,
                "unit_price": (value / cds).where(cds > 0),
            }
        )
        customers = pd.DataFrame(
            {"_row": raw.index, "customer_id": raw["customer_id"], "first_seen": ts}
        )
        customers = customers.sort_values("first_seen", kind="stable")
        return Mapped(frame, {"order_items": lines, "customers": customers})
