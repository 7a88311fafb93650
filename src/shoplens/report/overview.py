"""The report's first sections: data overview, reconciliation, activity over time."""

from __future__ import annotations

import html

import ibis
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.data.ingest import table_counts
from shoplens.report.build import Section, figure_html, table_html


def overview_sections(con: BaseBackend) -> list[Section]:
    """Overview cards, the ingestion reconciliation and the activity plots."""
    counts = table_counts(con)
    return [
        Section("Overview", _cards(con, counts)),
        Section("Reconciliation", _reconciliation(con)),
        Section("Activity", _activity(con, counts)),
    ]


def _span(con: BaseBackend, table: str) -> str:
    t = con.table(table)
    lo, hi = t.ts.min().execute(), t.ts.max().execute()
    if pd.isna(lo):
        return "no data"
    return f"{pd.Timestamp(lo):%Y-%m-%d} → {pd.Timestamp(hi):%Y-%m-%d}"


def _cards(con: BaseBackend, counts: dict[str, int]) -> str:
    revenue = con.table("orders").total.sum().execute() if counts["orders"] else 0.0
    cards = [
        ("customers", f"{counts['customers']:,}"),
        ("items", f"{counts['items']:,}"),
        ("events", f"{counts['events']:,}"),
        ("orders", f"{counts['orders']:,}"),
        ("revenue", f"{(revenue or 0):,.0f}"),
        ("reviews", f"{counts['reviews']:,}"),
        ("chat messages", f"{counts['messages']:,}"),
    ]
    body = "".join(
        f'<div class="card"><div class="v">{v}</div><div class="k">{html.escape(k)}</div></div>'
        for k, v in cards
    )
    spans = []
    for name in ("events", "orders", "reviews", "messages"):
        if counts[name]:
            spans.append(f"<li>{name}: {_span(con, name)}</li>")
    span_html = f"<ul class='muted'>{''.join(spans)}</ul>" if spans else ""
    return f'<div class="cards">{body}</div>{span_html}'


def _reconciliation(con: BaseBackend) -> str:
    batches = con.table("ingest_batches").order_by("ingested_at").to_pandas()
    if batches.empty:
        return "<p class='muted'>Nothing ingested yet.</p>"
    total = batches["rows_loaded"] + batches["rows_duplicate"] + batches["rows_quarantined"]
    counts = {
        "read": "rows_read",
        "loaded": "rows_loaded",
        "duplicates": "rows_duplicate",
        "quarantined": "rows_quarantined",
    }
    frame = pd.DataFrame(
        {
            "file": batches["source"].map(lambda s: s.rsplit("/", 1)[-1]),
            "table": batches["table_name"],
            **{name: batches[col].astype("int64") for name, col in counts.items()},
            "balanced": (total == batches["rows_read"]).map({True: "✓", False: "✗"}),
        }
    )
    out = table_html(frame)
    reasons = (
        con.table("ingest_quarantine")
        .group_by(["table_name", "reason"])
        .agg(rows=ibis._.count())
        .order_by(ibis.desc("rows"))
        .limit(10)
        .to_pandas()
    )
    if not reasons.empty:
        out += "<h3>Top quarantine reasons</h3>" + table_html(reasons)
    return "<p>Every input row is loaded, a duplicate, or quarantined with its reason.</p>" + out


def _activity(con: BaseBackend, counts: dict[str, int]) -> str:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    parts: list[str] = []
    if counts["orders"]:
        o = con.table("orders")
        monthly = (
            o.group_by(month=o.ts.truncate("M"))
            .agg(orders=o.count(), revenue=o.total.sum())
            .order_by("month")
            .to_pandas()
        )
        monthly["month"] = pd.to_datetime(monthly["month"]).dt.strftime("%Y-%m")
        fig = make_subplots(specs=[[{"secondary_y": True}]])
        fig.add_bar(x=monthly["month"], y=monthly["revenue"], name="revenue")
        fig.add_scatter(x=monthly["month"], y=monthly["orders"], name="orders", secondary_y=True)
        fig.update_layout(title="Orders and revenue per month", height=360, margin={"t": 50})
        parts.append(figure_html(fig))
    if counts["events"]:
        e = con.table("events")
        weekly = (
            e.group_by(week=e.ts.truncate("W"), type=e.type)
            .agg(events=e.count())
            .order_by(["week", "type"])
            .to_pandas()
        )
        fig = go.Figure()
        for kind, rows in weekly.groupby("type"):
            fig.add_scatter(x=rows["week"], y=rows["events"], name=str(kind), stackgroup="one")
        fig.update_layout(title="Events per week by type", height=360, margin={"t": 50})
        parts.append(figure_html(fig))
    return "".join(parts) or "<p class='muted'>No orders or events yet.</p>"
