"""The lifecycle part of the main job: score customers, store them, and report.

:func:`lifecycle_sections` builds ``lifecycle_customers`` for the latest date, writes it
to the warehouse, and returns the report sections: segment sizes and value, stage
transitions, CLV distribution, the P(alive) matrix and the churn lift chart (LightGBM
against BG/NBD P(alive) on a later cutoff than the one it was trained on).

Examples
--------
>>> import shoplens
>>> [s.title for s in lifecycle_sections(shoplens.connect("duckdb", ":memory:"))]
['Lifecycle']
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.errors import InputError
from shoplens.lifecycle.features import purchases, to_timestamp
from shoplens.report.build import Section, figure_html, table_html

__all__ = ["churn_evaluation", "lifecycle_sections"]


def churn_evaluation(con: BaseBackend, end: Any, window_days: float = 90.0) -> dict[str, Any]:
    """Train at ``end - 2 windows``, test at ``end - 1 window``: LightGBM vs P(alive).

    Returns ``{"model": metrics, "p_alive": metrics, "lift": frame, "top_features": series}``
    where metrics hold AUC and PR AUC for the churn label (no purchase in the window).
    """
    from shoplens.lifecycle import rfm_summary
    from shoplens.lifecycle.propensity import PurchasePropensity, evaluate, lift_table, time_split
    from shoplens.lifecycle.store import fit_bgnbd

    end = to_timestamp(end)
    test_cut = end - pd.Timedelta(days=window_days)
    train = [
        time_split(con, test_cut - pd.Timedelta(days=window_days * i), window_days) for i in (1, 2)
    ]
    X = pd.concat([x for x, _ in train])
    y = pd.concat([v for _, v in train])
    model = PurchasePropensity().fit(X, y)
    Xt, yt = time_split(con, test_cut, window_days)
    churn = 1 - yt.to_numpy()
    score = model.churn_probability(Xt)
    out: dict[str, Any] = {
        "model": evaluate(score, churn),
        "lift": lift_table(score, churn),
        "top_features": model.importance_.head(10),
    }
    s = rfm_summary(purchases(con.table("orders"), test_cut), test_cut, freq="D", freq_multiplier=7)
    s = s.execute().set_index("customer_id").reindex(Xt.index)
    bg = fit_bgnbd(s)
    if bg is not None:
        pa = bg.conditional_probability_alive(s["frequency"], s["recency"], s["T"])
        out["p_alive"] = evaluate(1 - pa, churn)
    return out


def _missing(msg: str) -> list[Section]:
    return [Section("Lifecycle", f"<p>{html.escape(msg)}</p>", anchor="lifecycle")]


def lifecycle_sections(con: BaseBackend, *, write: bool = True) -> list[Section]:
    """Score customers (stored in ``lifecycle_customers`` when ``write``) and report them."""
    import plotly.express as px

    from shoplens.lifecycle.stages import stage_transitions
    from shoplens.lifecycle.store import build_lifecycle_customers, write_lifecycle_customers

    if "orders" not in con.list_tables():
        return _missing("No orders table: ingest orders to see segments, stages, CLV and churn.")
    last = purchases(con.table("orders")).ts.max().execute()
    if last is None or pd.isna(last):
        return _missing("No orders yet: ingest orders to see segments, stages, CLV and churn.")
    lc = build_lifecycle_customers(con)
    if write:
        write_lifecycle_customers(con, lc)
    end = pd.Timestamp(lc["run_date"].iloc[0])
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

    customers = con.table("customers") if "customers" in con.list_tables() else None
    start = end - pd.Timedelta(days=90)
    m = stage_transitions(con.table("orders"), start, end, None, customers).execute()
    pivot = m.pivot_table(index="stage_from", columns="stage_to", values="customers", fill_value=0)
    fig = px.imshow(
        pivot, text_auto=True, title=f"Stage transitions {start:%Y-%m-%d} → {end:%Y-%m-%d}"
    )
    counts = lc["stage"].value_counts().rename_axis("stage").reset_index(name="customers")
    sections.append(
        Section(
            "Lifecycle stages", figure_html(fig) + table_html(counts), anchor="lifecycle-stages"
        )
    )

    clv = lc["clv"].dropna()
    if len(clv):
        fig = px.histogram(clv.clip(upper=clv.quantile(0.99)), nbins=40, title="12-month CLV")
        text = f"<p>Total 12-month CLV {clv.sum():,.0f} over {len(clv):,} buyers.</p>"
        sections.append(
            Section("Customer lifetime value", text + figure_html(fig), anchor="lifecycle-clv")
        )

    pa = lc.dropna(subset=["p_alive", "frequency"])
    if len(pa):
        f = np.minimum(pa["frequency"].to_numpy() - 1, 10).astype(int)
        rbin = pd.cut(pa["recency_days"], bins=10).astype(str)
        grid = pd.DataFrame(
            {"repeat purchases": f, "days since last order": rbin, "p": pa["p_alive"]}
        )
        grid = grid.pivot_table(
            index="repeat purchases", columns="days since last order", values="p"
        )
        fig = px.imshow(grid, title="BG/NBD P(alive): repeat purchases × recency", aspect="auto")
        sections.append(Section("P(alive) matrix", figure_html(fig), anchor="lifecycle-p-alive"))

    try:
        ev = churn_evaluation(con, end)
    except InputError as exc:
        sections.append(Section("Churn propensity", f"<p>{html.escape(str(exc))}</p>"))
        return sections
    lift = ev["lift"]
    fig = px.bar(lift, x="decile", y="lift", title="Churn lift by decile (LightGBM, later cutoff)")
    rows = [{"score": "LightGBM churn probability", **ev["model"]}]
    if "p_alive" in ev:
        rows.append({"score": "1 - BG/NBD P(alive)", **ev["p_alive"]})
    body = figure_html(fig) + table_html(pd.DataFrame(rows), float_format="{:,.3f}")
    top = ev["top_features"].rename("gain").rename_axis("feature").reset_index()
    body += "<h4>Top features</h4>" + table_html(top)
    sections.append(Section("Churn propensity", body, anchor="lifecycle-churn"))
    return sections
