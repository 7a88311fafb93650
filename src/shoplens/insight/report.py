"""The insight part of the main job: a job that scores new texts, a view that draws.

:func:`run_insight` (the job) scores the reviews and chat messages not yet in
``insight_texts`` with the default :class:`~shoplens.insight.text.TextAnalyzer` and
appends them; :func:`insight_sections` (the view) reads ``insight_texts``, ``reviews``
and ``messages`` and draws sentiment, aspects, the review trend, chat intents and the
latest negative reviews. It never scores a text.

Examples
--------
>>> import shoplens
>>> con = shoplens.connect("duckdb", ":memory:")
>>> [s.title for s in insight_sections(con)]
['What customers say']
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import ibis
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.report.build import Section, figure_html, table_html

__all__ = ["insight_sections", "run_insight"]

SENTIMENT_COLORS = {"negative": "#dc2626", "neutral": "#9ca3af", "positive": "#16a34a"}
TITLE = "What customers say"


def run_insight(con: BaseBackend, *, intent_model: Any = None) -> None:
    """The job: score new reviews and messages into ``insight_texts`` (incremental).

    ``intent_model`` is an optional trained intent classifier (see
    :class:`~shoplens.insight.text.TextAnalyzer`).
    """
    from shoplens.insight.text import TextAnalyzer

    TextAnalyzer(intent_model=intent_model).enrich(con, progress=False)


def insight_sections(con: BaseBackend) -> list[Section]:
    """The view: report sections from ``insight_texts`` (no text is scored here)."""
    tables = set(con.list_tables())
    if "insight_texts" not in tables:
        has_texts = any(
            name in tables and con.table(name).count().execute() for name in ("reviews", "messages")
        )
        msg = (
            "Texts not scored yet: run the main job (`shoplens run`) or "
            "`shoplens insight text enrich`."
            if has_texts
            else "No reviews or chats yet."
        )
        return [Section(TITLE, f"<p class='muted'>{msg}</p>")]
    scored = con.table("insight_texts")
    if scored.count().execute() == 0:
        return [Section(TITLE, "<p class='muted'>No reviews or chats yet.</p>")]
    parts = [
        _sentiment_mix(scored),
        _aspects(scored),
        _review_trend(con, scored),
        _intents(con, scored),
        _worst_reviews(con, scored),
    ]
    return [Section(TITLE, "".join(p for p in parts if p))]


def _sentiment_mix(scored: ibis.Table) -> str:
    import plotly.graph_objects as go

    mix = (
        scored.group_by(["source", "lang", "sentiment"])
        .agg(texts=scored.count())
        .order_by(["source", "lang", "sentiment"])
        .to_pandas()
        .assign(group=lambda f: f["source"] + " · " + f["lang"].fillna("?"))
    )
    fig = go.Figure()
    for label, color in SENTIMENT_COLORS.items():
        rows = mix[mix["sentiment"] == label]
        fig.add_bar(x=rows["group"], y=rows["texts"], name=label, marker_color=color)
    fig.update_layout(barmode="stack", title="Sentiment by source and language", height=340)
    return figure_html(fig)


def _aspects(scored: ibis.Table) -> str:
    import plotly.graph_objects as go

    counts: Counter[tuple[str, str]] = Counter()
    reviews = scored.filter(scored.source == "reviews").order_by("text_id")
    for raw in reviews.aspects.to_pandas().dropna():
        for hit in json.loads(raw):
            counts[(hit["aspect"], hit["sentiment"])] += 1
    if not counts:
        return ""
    frame = pd.DataFrame([(a, s, n) for (a, s), n in counts.items()], columns=["a", "s", "n"])
    order = frame.groupby("a")["n"].sum().sort_values().index.tolist()
    fig = go.Figure()
    for label, color in SENTIMENT_COLORS.items():
        rows = frame[frame["s"] == label].set_index("a").reindex(order).fillna(0)
        fig.add_bar(y=order, x=rows["n"], name=label, orientation="h", marker_color=color)
    fig.update_layout(barmode="stack", title="Aspects mentioned in reviews", height=380)
    return figure_html(fig)


def _review_trend(con: BaseBackend, scored: ibis.Table) -> str:
    from plotly.subplots import make_subplots

    reviews = con.table("reviews")
    joined = reviews.join(
        scored.filter(scored.source == "reviews"), reviews.review_id == scored.text_id
    )
    monthly = (
        joined.group_by(month=joined.ts.truncate("M"))
        .agg(
            reviews=joined.count(),
            negative=(joined.sentiment == "negative").cast("int64").sum(),
            rating=joined.rating.mean(),
        )
        .order_by("month")
        .to_pandas()
    )
    if monthly.empty:
        return ""
    monthly["month"] = pd.to_datetime(monthly["month"]).dt.strftime("%Y-%m")
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=monthly["month"], y=monthly["reviews"], name="reviews", marker_color="#93c5fd")
    fig.add_scatter(
        x=monthly["month"],
        y=monthly["negative"] / monthly["reviews"],
        name="share negative",
        secondary_y=True,
        line_color="#dc2626",
    )
    fig.update_layout(title="Reviews per month and the share that is negative", height=340)
    fig.update_yaxes(tickformat=".0%", secondary_y=True)
    return figure_html(fig)


def _intents(con: BaseBackend, scored: ibis.Table) -> str:
    import plotly.graph_objects as go

    msgs = con.table("messages")
    first = msgs.filter(msgs.role == "customer").mutate(
        n=ibis.row_number().over(group_by=msgs.conversation_id, order_by=[msgs.ts, msgs.message_id])
    )
    first = first.filter(first.n == 0)
    joined = first.join(
        scored.filter(scored.source == "messages"), first.message_id == scored.text_id
    )
    intents = (
        joined.group_by("intent")
        .agg(conversations=joined.count())
        .order_by(["conversations", "intent"])
        .to_pandas()
    )
    if intents.empty:
        return ""
    fig = go.Figure(go.Bar(y=intents["intent"], x=intents["conversations"], orientation="h"))
    fig.update_layout(title="Why customers open a chat (intent of the first message)", height=360)
    return figure_html(fig)


def _worst_reviews(con: BaseBackend, scored: ibis.Table) -> str:
    reviews = con.table("reviews")
    neg = scored.filter((scored.source == "reviews") & (scored.sentiment == "negative"))
    joined = reviews.join(neg, reviews.review_id == neg.text_id)
    worst = (
        joined.order_by([ibis.desc(joined.ts), joined.review_id])
        .select("ts", "item_id", "rating", "text", "p_neg")
        .limit(8)
        .to_pandas()
    )
    if worst.empty:
        return ""
    worst["ts"] = pd.to_datetime(worst["ts"]).dt.strftime("%Y-%m-%d")
    return "<h3>Latest negative reviews</h3>" + table_html(worst)
