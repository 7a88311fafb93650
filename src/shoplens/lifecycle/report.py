"""The lifecycle part of the main job: a job that scores and stores, a view that draws.

:func:`run_lifecycle` (the job) builds ``lifecycle_customers`` for the as-of date (default:
the day after the last order) and stores what the report shows beside it:
``lifecycle_stage_transitions`` (the last 90 days), and the churn model's evaluation on
a later cutoff than the one it was trained on (``lifecycle_churn_metrics``,
``lifecycle_churn_lift``, ``lifecycle_churn_features``). :func:`lifecycle_sections` (the
view) reads only those tables and draws segment sizes and value, stage transitions, the
CLV distribution, the P(alive) matrix and the churn lift chart; it never fits a model.

Examples
--------
>>> import shoplens
>>> con = shoplens.connect("duckdb", ":memory:")
>>> run_lifecycle(con)
>>> [s.title for s in lifecycle_sections(con)]
['Lifecycle']
"""

from __future__ import annotations

import html
from typing import Any

import ibis
import numpy as np
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.errors import InputError
from shoplens.lifecycle.churn import churn_evaluation
from shoplens.report.build import Section, figure_html, table_html

__all__ = ["TABLES", "churn_evaluation", "lifecycle_sections", "run_lifecycle"]

#: the tables the job writes (besides ``lifecycle_customers``) and the view reads
TABLES = (
    "lifecycle_stage_transitions",
    "lifecycle_churn_metrics",
    "lifecycle_churn_lift",
    "lifecycle_churn_features",
)
_NO_ORDERS = "No orders yet: ingest orders to see segments, stages, CLV and churn."


def _store(con: BaseBackend, name: str, frame: pd.DataFrame) -> None:
    from shoplens.warehouse import store_table

    store_table(con, name, ibis.memtable(frame.reset_index(drop=True)))


def run_lifecycle(
    con: BaseBackend, *, as_of: Any = None, window_days: float = 90.0, k: int | None = None
) -> None:
    """The job: score customers as of ``as_of`` and store the lifecycle tables.

    Does nothing when there are no purchases (the view then says so).
    """
    from shoplens.lifecycle.cutoff import default_as_of, to_timestamp
    from shoplens.lifecycle.stages import stage_transitions
    from shoplens.lifecycle.store import build_lifecycle_customers, write_lifecycle_customers

    if "orders" not in con.list_tables():
        return
    orders = con.table("orders")
    end = default_as_of(orders) if as_of is None else to_timestamp(as_of)
    if end is None:
        return
    lc = build_lifecycle_customers(con, end, window_days=window_days, k=k)
    if lc.empty:
        return
    write_lifecycle_customers(con, lc)
    customers = con.table("customers") if "customers" in con.list_tables() else None
    start = end - pd.Timedelta(days=90)
    m = stage_transitions(orders, start, end, None, customers).execute()
    m.insert(0, "date_from", start.date())
    m.insert(1, "date_to", end.date())
    _store(con, "lifecycle_stage_transitions", m)
    try:
        ev = churn_evaluation(con, end, window_days)
    except InputError as exc:
        note = pd.DataFrame(
            {"score": [None], "auc": [np.nan], "pr_auc": [np.nan], "base_rate": [np.nan]}
        ).astype({"score": "string"})
        note["n"], note["note"] = 0, str(exc)
        _store(con, "lifecycle_churn_metrics", note)
        for name in ("lifecycle_churn_lift", "lifecycle_churn_features"):
            if name in con.list_tables():
                con.drop_table(name)
        return
    rows = [{"score": "LightGBM churn probability", **ev["model"]}]
    if "p_alive" in ev:
        rows.append({"score": "1 - BG/NBD P(alive)", **ev["p_alive"]})
    metrics = pd.DataFrame(rows)
    metrics["note"] = ""
    _store(con, "lifecycle_churn_metrics", metrics)
    _store(con, "lifecycle_churn_lift", ev["lift"])
    top = ev["top_features"].rename("gain").rename_axis("feature").reset_index()
    _store(con, "lifecycle_churn_features", top)


def _missing(msg: str) -> list[Section]:
    return [Section("Lifecycle", f"<p>{html.escape(msg)}</p>", anchor="lifecycle")]


def _read(con: BaseBackend, name: str) -> pd.DataFrame | None:
    return con.table(name).execute() if name in con.list_tables() else None


def lifecycle_sections(con: BaseBackend) -> list[Section]:
    """The view: report sections from the stored lifecycle tables (no model is fitted)."""
    import plotly.express as px

    from shoplens.lifecycle.store import read_lifecycle_customers

    lc = read_lifecycle_customers(con)
    if lc.empty:
        if "orders" in con.list_tables() and con.table("orders").count().execute():
            return _missing(
                "Lifecycle not computed yet: run the main job (`shoplens run`) or "
                "`shoplens lifecycle segments --save`."
            )
        return _missing(_NO_ORDERS)
    sections = []

    seg = lc.dropna(subset=["segment_name"]).groupby("segment_name")
    sizes = seg.agg(
        customers=("customer_id", "size"), clv=("clv", "sum"), spend=("monetary", "sum")
    )
    sizes = sizes.sort_values("customers", ascending=False).reset_index()
    fig = px.bar(
        sizes, x="segment_name", y="customers", color="spend", title="Segments: size and spend"
    )
    sections.append(
        Section(
            "Customer segments",
            figure_html(fig) + table_html(sizes),
            anchor="lifecycle-segments",
        )
    )

    counts = lc["stage"].value_counts().rename_axis("stage").reset_index(name="customers")
    body = ""
    m = _read(con, "lifecycle_stage_transitions")
    if m is not None and len(m):
        start, end = pd.Timestamp(m["date_from"].iloc[0]), pd.Timestamp(m["date_to"].iloc[0])
        pivot = m.pivot_table(
            index="stage_from", columns="stage_to", values="customers", fill_value=0
        )
        fig = px.imshow(
            pivot, text_auto=True, title=f"Stage transitions {start:%Y-%m-%d} → {end:%Y-%m-%d}"
        )
        body = figure_html(fig)
    sections.append(
        Section("Lifecycle stages", body + table_html(counts), anchor="lifecycle-stages")
    )

    clv = lc["clv"].dropna().astype(float)
    if len(clv):
        fig = px.histogram(clv.clip(upper=clv.quantile(0.99)), nbins=40, title="12-month CLV")
        text = f"<p>Total 12-month CLV {clv.sum():,.0f} over {len(clv):,} buyers.</p>"
        sections.append(
            Section("Customer lifetime value", text + figure_html(fig), anchor="lifecycle-clv")
        )

    pa = lc.dropna(subset=["p_alive", "frequency"])
    if len(pa):
        f = np.minimum(pa["frequency"].to_numpy(dtype=float) - 1, 10).astype(int)
        rbin = pd.cut(pa["recency_days"].astype(float), bins=10).astype(str)
        grid = pd.DataFrame(
            {"repeat purchases": f, "days since last order": rbin, "p": pa["p_alive"]}
        )
        grid = grid.pivot_table(
            index="repeat purchases", columns="days since last order", values="p"
        )
        fig = px.imshow(grid, title="BG/NBD P(alive): repeat purchases × recency", aspect="auto")
        sections.append(Section("P(alive) matrix", figure_html(fig), anchor="lifecycle-p-alive"))

    metrics = _read(con, "lifecycle_churn_metrics")
    if metrics is None:
        return sections
    notes = [n for n in metrics["note"] if isinstance(n, str) and n]
    if notes:
        body = f"<p>{html.escape(notes[0])}</p>"
        sections.append(Section("Churn propensity", body, anchor="lifecycle-churn"))
        return sections
    lift = _read(con, "lifecycle_churn_lift")
    fig = px.bar(lift, x="decile", y="lift", title="Churn lift by decile (LightGBM, later cutoff)")
    body = figure_html(fig) + table_html(metrics.drop(columns="note"), float_format="{:,.3f}")
    top = _read(con, "lifecycle_churn_features")
    if top is not None:
        body += "<h4>Top features</h4>" + table_html(top)
    sections.append(Section("Churn propensity", body, anchor="lifecycle-churn"))
    return sections
