"""The feedback loop: served lists become ``impression`` events, clicks ``click_rec`` ones.

Each event carries ``{"model", "slot", "request_id", "model_version"}`` in ``properties``,
so :func:`ctr_by_model_position` can report click-through by model and slot, and the
interactions builder counts the clicks (and, weakly, the impressions) at the next fit.

Examples
--------
>>> import shoplens
>>> con = shoplens.connect("duckdb", ":memory:")
>>> recs = pd.DataFrame({"customer_id": ["c1"], "rank": [1], "item_id": ["i1"],
...                      "model": ["ease"]})
>>> request = record_served(con, recs, ts="2025-01-01")
>>> _ = record_click(con, "c1", "i1", request_id=request, slot=1, model="ease",
...                  ts="2025-01-01 00:01")
>>> ctr_by_model_position(con).execute()[["model", "slot", "impressions", "clicks"]].values.tolist()
[['ease', 1, 1, 1]]
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.data.schema import TABLES

__all__ = ["ctr_by_model_position", "record_click", "record_served"]


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    f = pd.DataFrame(rows).reindex(columns=list(TABLES["events"].columns))
    f["ts"] = pd.to_datetime(f["ts"], utc=True).astype("datetime64[us, UTC]")
    f["value"] = f["value"].astype("float64")
    return f


def record_served(
    con: BaseBackend,
    recs: pd.DataFrame,
    *,
    request_id: str | None = None,
    placement: str = "recommendations",
    model_version: str | None = None,
    ts: Any | None = None,
) -> str:
    """Write one ``impression`` event per served row; returns the request id."""
    request_id = request_id or uuid.uuid4().hex
    when = pd.Timestamp(ts if ts is not None else pd.Timestamp.now(tz="UTC"))
    rows = []
    for r in recs.itertuples(index=False):
        props = {"model": str(r.model), "slot": int(r.rank), "request_id": request_id,
                 "placement": placement, "model_version": model_version}  # fmt: skip
        rows.append(
            {"event_id": f"imp:{request_id}:{int(r.rank)}", "customer_id": str(r.customer_id),
             "ts": when, "type": "impression", "item_id": str(r.item_id),
             "properties": json.dumps(props)}
        )  # fmt: skip
    if rows:
        con.insert("events", _frame(rows))
    return request_id


def record_click(
    con: BaseBackend,
    customer: str,
    item: str,
    *,
    request_id: str,
    slot: int,
    model: str,
    ts: Any | None = None,
) -> None:
    """Write the ``click_rec`` event of a click on a served recommendation."""
    when = pd.Timestamp(ts if ts is not None else pd.Timestamp.now(tz="UTC"))
    props = {"model": model, "slot": int(slot), "request_id": request_id}
    con.insert(
        "events",
        _frame(
            [{"event_id": f"click:{request_id}:{int(slot)}", "customer_id": str(customer),
              "ts": when, "type": "click_rec", "item_id": str(item),
              "properties": json.dumps(props)}]
        ),
    )  # fmt: skip


def _prop(t: ir.Table, key: str) -> ir.StringValue:
    return t.properties.re_extract(rf'"{key}":\s*"?([^",}}]*)', 1).nullif("")


def ctr_by_model_position(con: BaseBackend) -> ir.Table:
    """Impressions, clicks and CTR by model (or placement) and slot, as Ibis.

    A click counts for the impression of the same request and slot (or, for events with
    no request id, the same customer, item and slot).
    """
    e = con.table("events")
    e = e.filter(e.type.isin(["impression", "click_rec"]), e.properties.notnull())
    e = e.mutate(
        model=ibis.coalesce(_prop(e, "model"), _prop(e, "placement"), ibis.literal("unknown")),
        slot=_prop(e, "slot").cast("int64"),
        request=ibis.coalesce(_prop(e, "request_id"), e.customer_id + ":" + e.item_id),
    ).filter(lambda t: t.slot.notnull())
    imp = e.filter(e.type == "impression")
    clk = e.filter(e.type == "click_rec").select("request", "slot", clicked=ibis.literal(1))
    clk = clk.distinct()
    j = imp.left_join(clk, ["request", "slot"])
    g = j.group_by(["model", "slot"]).aggregate(
        impressions=j.count(), clicks=j.clicked.fill_null(0).sum()
    )
    return g.mutate(ctr=g.clicks.cast("float64") / g.impressions).order_by(["model", "slot"])
