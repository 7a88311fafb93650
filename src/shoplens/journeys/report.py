"""The journeys part of the main job: a job that computes and stores, a view that draws.

:func:`run_journeys` (the job) stores the session table in ``journey_sessions`` and what
the report shows: the default four-step funnel (by customer, 7-day window) and its
breakdown by channel (``journey_funnel``, ``journey_funnel_channels``), session paths by
journey stage and the costliest drop-off points (``journey_path_edges``,
``journey_drop_offs``), retention (weekly cohorts when the data spans at most 16 weeks,
monthly otherwise) and the activity composition (``journey_retention``,
``journey_activity``). :func:`journeys_sections` (the view) reads only those tables and
draws; an empty warehouse gives one section that says there are no events.

Examples
--------
>>> import shoplens
>>> con = shoplens.connect("duckdb", ":memory:")
>>> run_journeys(con)
>>> [s.title for s in journeys_sections(con)]
['Journeys']
"""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import ibis
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.journeys.cohorts import activity_composition, retention
from shoplens.journeys.funnels import funnel_frame
from shoplens.journeys.paths import drop_offs, path_edges
from shoplens.journeys.session_table import SESSION_TABLE as SESSIONS_TABLE
from shoplens.journeys.session_table import save_sessions
from shoplens.report.build import Section, figure_html, table_html

__all__ = ["DEFAULT_FUNNEL", "TABLES", "journeys_sections", "run_journeys", "sankey_figure"]

#: the funnel the report shows
DEFAULT_FUNNEL = ("view", "add_to_cart", "checkout", "purchase")
#: the tables the job writes besides ``journey_sessions``, read by the view
TABLES = (
    "journey_funnel",
    "journey_funnel_channels",
    "journey_path_edges",
    "journey_drop_offs",
    "journey_retention",
    "journey_activity",
)
STATUS_COLORS = {
    "new": "#2ca02c",
    "returning": "#1f77b4",
    "resurrecting": "#9467bd",
    "dormant": "#d62728",
}


def _empty(msg: str) -> list[Section]:
    return [Section("Journeys", f"<p>{html.escape(msg)}</p>", anchor="journeys")]


def _store(con: BaseBackend, name: str, frame: pd.DataFrame) -> None:
    from shoplens.warehouse import store_table

    store_table(con, name, ibis.memtable(frame.reset_index(drop=True)))


def run_journeys(con: BaseBackend) -> None:
    """The job: sessionize the events and store the journey tables the report shows.

    Does nothing when there are no events (the view then says so).

    Examples
    --------
    >>> import shoplens
    >>> run_journeys(shoplens.connect("duckdb", ":memory:")) is None
    True
    """
    if "events" not in con.list_tables():
        return
    events = con.table("events")
    span = events.aggregate(n=events.count(), lo=events.ts.min(), hi=events.ts.max()).execute()
    if not int(span["n"].iloc[0]):
        return
    save_sessions(con, events)
    days = (pd.Timestamp(span["hi"].iloc[0]) - pd.Timestamp(span["lo"].iloc[0])).days
    period = "week" if days <= 16 * 7 else "month"
    steps = list(DEFAULT_FUNNEL)
    window = timedelta(days=7)
    _store(con, "journey_funnel", funnel_frame(events, steps, window=window))
    by = funnel_frame(events, steps, window=window, breakdown="channel")
    by["channel"] = by["channel"].fillna("(none)")
    _store(con, "journey_funnel_channels", by)
    _store(
        con,
        "journey_path_edges",
        path_edges(events, depth=5, exits=True, level="stage").execute(),
    )
    _store(con, "journey_drop_offs", drop_offs(events, rank_by="revenue").limit(10).execute())
    ret = retention(events, period=period).execute()
    ret.insert(0, "period_unit", period)
    _store(con, "journey_retention", ret)
    life = activity_composition(events, period=period).execute()
    life.insert(0, "period_unit", period)
    _store(con, "journey_activity", life)


def journeys_sections(con: BaseBackend) -> list[Section]:
    """The view: report sections from the stored journey tables (nothing is recomputed).

    Examples
    --------
    >>> import shoplens
    >>> journeys_sections(shoplens.connect("duckdb", ":memory:"))[0].anchor
    'journeys'
    """
    have = set(con.list_tables())
    if not {SESSIONS_TABLE, *TABLES} <= have:
        if "events" in have and con.table("events").count().execute():
            return _empty(
                "Journeys not computed yet: run the main job (`shoplens run`) to store "
                "the sessions, funnel, paths and retention."
            )
        return _empty("There are no events in the warehouse yet: ingest events first.")
    read = {name: con.table(name).execute() for name in TABLES}
    return [
        _funnel_section(read["journey_funnel"], read["journey_funnel_channels"], con),
        _paths_section(read["journey_path_edges"], read["journey_drop_offs"]),
        _retention_section(read["journey_retention"], read["journey_activity"]),
    ]


def _funnel_section(f: pd.DataFrame, by: pd.DataFrame, con: BaseBackend) -> Section:
    import plotly.express as px
    import plotly.graph_objects as go

    sessions = con.table(SESSIONS_TABLE)
    fig = go.Figure(
        go.Funnel(y=f["name"], x=f["entered"], textinfo="value+percent initial"),
        layout={"title": "Customers reaching each step (7-day window)", "height": 380},
    )
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


def _paths_section(edges: pd.DataFrame, drops: pd.DataFrame) -> Section:
    fig = sankey_figure(edges, "Session paths by journey stage (first 5 steps)")
    body = (
        figure_html(fig)
        + "<h3>Where sessions leave without buying</h3>"
        + "<p>Revenue lost = sessions lost &times; average revenue of a converting session.</p>"
        + table_html(drops, float_format="{:,.2f}")
    )
    return Section("Journeys: paths and drop-offs", body, anchor="journeys-paths")


def _retention_section(ret: pd.DataFrame, life: pd.DataFrame) -> Section:
    import plotly.express as px

    units = [*ret["period_unit"], *life["period_unit"]]
    period = str(units[0]) if units else "week"
    ret, life = ret.drop(columns="period_unit"), life.drop(columns="period_unit")
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
