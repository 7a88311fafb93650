"""The forecast part in the main job and the report: ``run_forecast`` and ``forecast_sections``.

``run_forecast`` computes and stores (house rule 13); ``forecast_sections`` only reads the
stored tables and draws: forecast plots with intervals, event effects, the backtest table,
trends and the alert list.

Examples
--------
>>> import shoplens
>>> [s.title for s in forecast_sections(shoplens.connect("duckdb", ":memory:"))]
['Sales forecast']
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
from ibis.backends import BaseBackend

from shoplens.insight.forecast.effects import effects_figure
from shoplens.insight.forecast.job import compute_forecasts, read_table, store_results
from shoplens.report.build import Section, figure_html, table_html

__all__ = ["forecast_figure", "forecast_sections", "run_forecast"]


def run_forecast(con: BaseBackend, **options: Any) -> None:
    """Compute forecasts, backtests, event effects, trends and alerts, and store them.

    ``options`` go to :func:`~shoplens.insight.forecast.job.compute_forecasts`
    (``levels``, ``measure``, ``freq``, ``horizon``, ``models``, ``promotions`` ...).
    A warehouse without orders stores nothing.
    """
    from threadpoolctl import threadpool_limits

    if con.table("orders").count().execute() == 0:
        return
    with threadpool_limits(1):  # many small fits: one BLAS thread each is faster
        store_results(con, compute_forecasts(con, **options))


def forecast_figure(frame: pd.DataFrame, unique_id: str, *, level: int = 80) -> Any:
    """Plotly figure of one series' stored history, forecast and ``level`` % interval."""
    import plotly.graph_objects as go

    g = frame[frame["unique_id"] == unique_id].sort_values("ds")
    hist, fc = g[g["kind"] == "history"], g[g["kind"] == "forecast"]
    fig = go.Figure()
    fig.add_scatter(x=hist["ds"], y=hist["y"], name="actual", line_color="#334155")
    for lv, alpha in ((95, 0.15), (level, 0.3)):
        if f"lo_{lv}" not in fc:
            continue
        fig.add_scatter(x=fc["ds"], y=fc[f"hi_{lv}"], line_width=0, showlegend=False)
        fig.add_scatter(
            x=fc["ds"],
            y=fc[f"lo_{lv}"],
            line_width=0,
            fill="tonexty",
            name=f"{lv}% interval",
            fillcolor=f"rgba(37,99,235,{alpha})",
        )
    model = fc["model"].iloc[0] if len(fc) else ""
    fig.add_scatter(x=fc["ds"], y=fc["mean"], name=f"forecast ({model})", line_color="#2563eb")
    measure = g["measure"].iloc[0] if len(g) else ""
    fig.update_layout(title=f"{measure} · {unique_id}", height=320, margin={"t": 40})
    return fig


def _missing() -> list[Section]:
    body = "<p class='muted'>Not computed yet: run <code>shoplens forecast run</code>.</p>"
    return [Section("Sales forecast", body, anchor="forecast")]


def forecast_sections(con: BaseBackend) -> list[Section]:
    """Report sections from the stored forecast tables (a "not computed yet" note if none)."""
    forecasts = read_table(con, "insight_forecasts")
    if forecasts is None or forecasts.empty:
        return _missing()
    sections = []
    plots = []
    for level in ("total", "category"):
        ids = forecasts.loc[forecasts["level"] == level, "unique_id"].unique()[:6]
        for uid in ids:
            plots.append(figure_html(forecast_figure(forecasts[forecasts["level"] == level], uid)))
    models = read_table(con, "insight_forecast_models")
    body = "".join(plots)
    if models is not None and not models.empty:
        body += table_html(
            models[["level", "unique_id", "kind", "model", "mase", "baseline_mase", "reason"]].head(
                30
            ),
            float_format="{:,.3f}",
        )
    sections.append(Section("Sales forecast", body, anchor="forecast"))
    effects = read_table(con, "insight_event_effects")
    if effects is not None and not effects.empty:
        fx = effects[effects["measure"] == "orders"]
        body = figure_html(effects_figure(fx)) + table_html(
            effects[["measure", "event", "label", "days", "uplift", "lo", "hi"]]
        )
        sections.append(Section("Shopping-event effects", body, anchor="forecast-events"))
    backtests = read_table(con, "insight_backtests")
    if backtests is not None and not backtests.empty:
        cols = [c for c in backtests.columns if c not in ("run_at",)]
        sections.append(
            Section(
                "Forecast backtest",
                "<p>Rolling-origin backtest per level and model (lower MASE is better; "
                "seasonal naive is the baseline).</p>"
                + table_html(backtests[cols], float_format="{:,.3f}"),
                anchor="forecast-backtest",
            )
        )
    trends = read_table(con, "insight_trends")
    if trends is not None and not trends.empty:
        moving = trends[trends["direction"] != "flat"].sort_values("trend_pct")
        sections.append(
            Section(
                "Trends",
                table_html(moving.drop(columns=["run_at"]).head(30)),
                anchor="forecast-trends",
            )
        )
    alerts = read_table(con, "insight_alerts")
    if alerts is not None:
        if alerts.empty:
            body = "<p>No alerts.</p>"
        else:
            cols = [
                "severity",
                "source",
                "kind",
                "level",
                "unique_id",
                "aspect",
                "start",
                "end",
                "observed",
                "expected",
                "explanation_en",
                "explanation_zh",
            ]
            body = f"<p>{len(alerts):,} alerts.</p>" + table_html(alerts[cols].head(50))
        sections.append(Section("Alerts", body, anchor="forecast-alerts"))
    return sections


def _escape(text: str) -> str:
    return html.escape(text)
