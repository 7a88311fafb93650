"""The journeys part of the main job: sessions, funnel, paths, retention, lifecycle.

:func:`journey_sections` stores the session table in ``journey_sessions`` (when
``write``), then returns the report sections: the default four-step funnel (by customer,
7-day window) and its breakdown by channel, a Sankey of session paths by journey stage
with the costliest drop-off points, the retention heatmap (weekly cohorts when the data
spans at most 16 weeks, monthly otherwise) and the lifecycle composition bars. An empty
warehouse gives one section that says there are no events.

Examples
--------
>>> import shoplens
>>> [s.title for s in journey_sections(shoplens.connect("duckdb", ":memory:"))]
['Journeys']
"""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pandas as pd
from ibis.backends import BaseBackend

from shoplens.journeys.cohorts import lifecycle, retention
from shoplens.journeys.funnels import funnel_frame
from shoplens.journeys.paths import drop_offs, path_edges
from shoplens.journeys.session_table import save_sessions
from shoplens.journeys.sessions import sessionize
from shoplens.report.build import Section, figure_html, table_html

__all__ = ["DEFAULT_FUNNEL", "journey_sections", "sankey_figure"]

#: the funnel the report shows
DEFAULT_FUNNEL = ("view", "add_to_cart", "checkout", "purchase")
STATUS_COLORS = {
    "new": "#2ca02c",
    "returning": "#1f77b4",
    "resurrecting": "#9467bd",
    "dormant": "#d62728",
}


def _empty(msg: str) -> list[Section]:
    return [Section("Journeys", f"<p>{html.escape(msg)}</p>", anchor="journeys")]


def journey_sections(con: BaseBackend, *, write: bool = True) -> list[Section]:
    """Compute the journey analytics on ``con`` and return the report sections.

    Parameters
    ----------
    con
        The warehouse.
    write
        Store the session table as ``journey_sessions`` (replaced on every run).

    Examples
    --------
    >>> import shoplens
    >>> journey_sections(shoplens.connect("duckdb", ":memory:"))[0].anchor
    'journeys'
    """
    if "events" not in con.list_tables():
        return _empty("No events table: ingest events to see funnels, paths and retention.")
    events = con.table("events")
    span = events.aggregate(n=events.count(), lo=events.ts.min(), hi=events.ts.max()).execute()
    if not int(span["n"].iloc[0]):
        return _empty("There are no events in the warehouse yet: ingest events first.")
    sessions = save_sessions(con, events) if write else sessionize(events)
    days = (pd.Timestamp(span["hi"].iloc[0]) - pd.Timestamp(span["lo"].iloc[0])).days
    return [
        _funnel_section(events, sessions),
        _paths_section(events),
        _retention_section(events, "week" if days <= 16 * 7 else "month"),
    ]


def _funnel_section(events: Any, sessions: Any) -> Section:
    import plotly.express as px
    import plotly.graph_objects as go

    steps = list(DEFAULT_FUNNEL)
    f = funnel_frame(events, steps, window=timedelta(days=7))
    fig = go.Figure(
        go.Funnel(y=f["name"], x=f["entered"], textinfo="value+percent initial"),
        layout={"title": "Customers reaching each step (7-day window)", "height": 380},
    )
    by = funnel_frame(events, steps, window=timedelta(days=7), breakdown="channel")
    by["channel"] = by["channel"].fillna("(none)")
    bars = px.bar(
        by,
        x="name",
        y="conversion_rate",
        color="channel",
        barmode="group",
        title="Conversion from the first step, by channel",
        labels={"name": "step", "conversion_rate": "conversion"},
        height=380,
    )
    s = sessions.aggregate(
        sessions=sessions.count(),
        customers=sessions.customer_id.nunique(),
        converted=sessions.converted.cast("int64").sum(),
        median_minutes=(sessions.duration_seconds / 60).median(),
        revenue=sessions.revenue.sum(),
    ).execute()
    s["conversion_rate"] = s["converted"] / s["sessions"].where(s["sessions"] > 0)
    cols = ["step", "name", "entered", "dropped", "in_progress", "conversion_rate"]
    body = (
        "<p>Sessions: 30 minutes of inactivity start a new one (stored in "
        "<code>journey_sessions</code>).</p>"
        + table_html(s, float_format="{:,.3f}")
        + figure_html(fig)
        + table_html(f[cols], float_format="{:.3f}")
        + figure_html(bars)
    )
    return Section("Journeys: sessions and funnel", body, anchor="journeys")


def sankey_figure(edges: pd.DataFrame, title: str = "Session paths") -> Any:
    """A plotly ``go.Sankey`` of :func:`~shoplens.journeys.paths.path_edges` output.

    Examples
    --------
    >>> e = pd.DataFrame({"source": ["view"], "source_depth": [1], "target": ["purchase"],
    ...                   "target_depth": [2], "sessions": [3]})
    >>> sankey_figure(e).data[0].type
    'sankey'
    """
    import plotly.graph_objects as go

    nodes: dict[tuple[str, int], int] = {}
    for s, d in zip(
        [*edges["source"], *edges["target"]],
        [*edges["source_depth"], *edges["target_depth"]],
        strict=True,
    ):
        nodes.setdefault((str(s), int(d)), len(nodes))
    src = [
        nodes[(str(s), int(d))] for s, d in zip(edges["source"], edges["source_depth"], strict=True)
    ]
    tgt = [
        nodes[(str(s), int(d))] for s, d in zip(edges["target"], edges["target_depth"], strict=True)
    ]
    labels = [f"{name} @{depth}" for name, depth in nodes]
    return go.Figure(
        go.Sankey(
            node={"label": labels, "pad": 12},
            link={"source": src, "target": tgt, "value": [int(v) for v in edges["sessions"]]},
        ),
        layout={"title": title, "height": 520},
    )


def _paths_section(events: Any) -> Section:
    edges = path_edges(events, depth=5, exits=True, level="stage").execute()
    fig = sankey_figure(edges, "Session paths by journey stage (first 5 steps)")
    drops = drop_offs(events, rank_by="revenue").limit(10).execute()
    body = (
        figure_html(fig)
        + "<h3>Where sessions leave without buying</h3>"
        + "<p>Revenue lost = sessions lost &times; average revenue of a converting session.</p>"
        + table_html(drops, float_format="{:,.2f}")
    )
    return Section("Journeys: paths and drop-offs", body, anchor="journeys-paths")


def _retention_section(events: Any, period: str) -> Section:
    import plotly.express as px

    ret = retention(events, period=period).execute()
    life = lifecycle(events, period=period).execute()
    parts = []
    if len(ret):
        ret["cohort"] = pd.to_datetime(ret["cohort"]).dt.strftime("%Y-%m-%d")
        grid = ret.pivot_table(index="cohort", columns="period_offset", values="rate")
        grid = grid.loc[:, [c for c in grid.columns if c <= 12]]
        heat = px.imshow(
            grid,
            color_continuous_scale="Blues",
            aspect="auto",
            labels={"x": f"{period}s since first seen", "y": "cohort", "color": "retained"},
            title=f"Retention by {period}ly cohort (any event)",
            height=520,
        )
        parts.append(figure_html(heat))
    if len(life):
        life["period"] = pd.to_datetime(life["period"])
        bars = px.bar(
            life,
            x="period",
            y="customers",
            color="status",
            color_discrete_map=STATUS_COLORS,
            barmode="relative",
            title=f"Lifecycle per {period}: new, returning, resurrecting, dormant (negative)",
            height=420,
        )
        parts.append(figure_html(bars))
    return Section("Journeys: retention and lifecycle", "".join(parts), anchor="journeys-retention")
