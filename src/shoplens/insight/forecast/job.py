"""The forecast part's job: compute forecasts, backtests, event effects, trends and alerts,
and store them (``insight_forecasts``, ``insight_forecast_models``, ``insight_backtests``,
``insight_event_effects``, ``insight_trends``, ``insight_alerts``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.errors import InputError
from shoplens.insight.forecast.alerts import ALERT_COLUMNS, sales_alerts
from shoplens.insight.forecast.backtest import summarize
from shoplens.insight.forecast.calendars import Calendar
from shoplens.insight.forecast.effects import event_effects
from shoplens.insight.forecast.models.forecaster import Forecaster
from shoplens.insight.forecast.sentiment import sentiment_alerts, sentiment_frame
from shoplens.insight.forecast.series import activity_series, sales_series
from shoplens.insight.forecast.trends import trends
from shoplens.warehouse import store_table

__all__ = ["ForecastRun", "build_calendar", "compute_forecasts", "store_results"]

#: how many periods of history are stored next to each forecast (for the plots)
HISTORY_KEPT = 120


@dataclass
class ForecastRun:
    """What :func:`compute_forecasts` made, one frame per stored table."""

    forecasts: pd.DataFrame
    models: pd.DataFrame
    backtests: pd.DataFrame
    effects: pd.DataFrame
    trends: pd.DataFrame
    alerts: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def build_calendar(
    years: Sequence[int], region: str = "china", promotions: str | Path | None = None
) -> Calendar:
    """The built-in calendar of ``region`` for ``years``, plus a promotions CSV if given."""
    cal = Calendar.default(years, region=region)
    return cal + Calendar.csv(promotions) if promotions is not None else cal


def compute_forecasts(
    con: BaseBackend,
    *,
    levels: Sequence[str] = ("total", "category"),
    measure: str = "revenue",
    freq: str = "D",
    horizon: int = 28,
    models: Sequence[str] = ("seasonal_naive", "auto_ets", "mstl"),
    n_windows: int = 3,
    calendar_region: str = "china",
    promotions: str | Path | None = None,
    alert_levels: Sequence[tuple[str, str]] = (
        ("total", "orders"),
        ("category", "units"),
        ("region", "orders"),
        ("item", "orders"),
        ("item", "views"),
    ),
    alert_top_items: int = 200,
    alert_since: str | None = None,
    progress: Callable[[str], object] | None = None,
) -> ForecastRun:
    """Compute everything the forecast part stores; nothing is written."""
    say = progress or (lambda step: None)
    if horizon < 1:
        raise InputError(f"the horizon must be at least 1 period, got {horizon}")
    total = sales_series(con, level="total", measure=measure, freq="D").to_pandas()
    years = sorted(
        {*pd.to_datetime(total["ds"]).dt.year, pd.to_datetime(total["ds"]).max().year + 1}
    )
    calendar = build_calendar(years, calendar_region, promotions)
    forecasts, choices, backtests, notes = [], [], [], []
    for level in levels:
        say(f"forecasting {measure} per {level}")
        df = sales_series(con, level=level, measure=measure, freq=freq).to_pandas()
        model = Forecaster(models, freq=freq, n_windows=n_windows, calendar=calendar).fit(df)
        fc = model.predict(horizon)
        hist = df.groupby("unique_id").tail(HISTORY_KEPT).assign(kind="history", model="actual")
        fc = fc.assign(kind="forecast", y=float("nan"))
        both = pd.concat([hist, fc], ignore_index=True).assign(
            level=level, measure=measure, freq=freq
        )
        forecasts.append(both)
        choices.append(model.choice_.assign(level=level, measure=measure, freq=freq))
        if not model.scores_.empty:
            table = summarize(model.scores_, by=("kind", "model")).assign(level=level)
            backtests.append(table)
    say("event effects")
    effects = []
    for m in ("orders", "revenue"):
        s = total if m == measure else sales_series(con, level="total", measure=m).to_pandas()
        effects.append(event_effects(s, calendar).assign(measure=m))
    say("trends")
    trend_rows = []
    for level in ("category", "item"):
        s = sales_series(con, level=level, measure="units").to_pandas()
        trend_rows.append(trends(s).assign(level=level, measure="units"))
    say("alerts")
    alerts = []
    for level, m in alert_levels:
        kw: dict[str, Any] = {"since": alert_since}
        if m == "views":  # views show a vanished item; their lumpy spikes are no news
            s = activity_series(con, event_type="view").to_pandas()
            kw.update(kinds=("stockout",), top=alert_top_items // 2)
        else:
            s = sales_series(con, level=level, measure=m).to_pandas()
            kw["top"] = alert_top_items if level == "item" else None
        alerts.append(sales_alerts(s, calendar, level=level, measure=m, **kw))
    alerts.append(sentiment_alerts(sentiment_frame(con), since=alert_since))
    alerts = [a for a in alerts if len(a)]
    return ForecastRun(
        forecasts=_order(pd.concat(forecasts, ignore_index=True)),
        models=pd.concat(choices, ignore_index=True),
        backtests=pd.concat(backtests, ignore_index=True) if backtests else pd.DataFrame(),
        effects=pd.concat(effects, ignore_index=True),
        trends=pd.concat(trend_rows, ignore_index=True),
        alerts=pd.concat(alerts, ignore_index=True)
        if alerts
        else pd.DataFrame(columns=ALERT_COLUMNS),
        notes=notes,
    )


def _order(frame: pd.DataFrame) -> pd.DataFrame:
    cols = ["level", "measure", "freq", "unique_id", "ds", "kind", "model", "y", "mean"]
    rest = [c for c in frame.columns if c.startswith(("lo_", "hi_"))]
    return frame[cols + rest]


def _frame_for_store(frame: pd.DataFrame, run_at: pd.Timestamp) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype).startswith(("str", "string")):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
            out[col] = [None if v is None else str(v) for v in out[col]]
        elif pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = pd.to_datetime(out[col]).astype("datetime64[us]")
    out["run_at"] = run_at
    return out


def store_results(con: BaseBackend, run: ForecastRun) -> None:
    """Write a :class:`ForecastRun` to its tables (each replaced in one transaction)."""
    run_at = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    tables = {
        "insight_forecasts": run.forecasts,
        "insight_forecast_models": run.models,
        "insight_backtests": run.backtests,
        "insight_event_effects": run.effects.drop(columns=[], errors="ignore"),
        "insight_trends": run.trends,
        "insight_alerts": run.alerts,
    }
    for name, frame in tables.items():
        if frame.empty and not len(frame.columns):
            continue
        data = _frame_for_store(frame, run_at)
        if "start" in data and "end" in data:
            data["start"] = pd.to_datetime(data["start"]).astype("datetime64[us]")
            data["end"] = pd.to_datetime(data["end"]).astype("datetime64[us]")
        table = ibis.memtable(data)
        nulls = {c: "string" for c, d in table.schema().items() if d.is_null()}
        store_table(con, name, table.cast(nulls) if nulls else table)


def read_table(con: BaseBackend, name: str) -> pd.DataFrame | None:
    """A stored table as pandas, or None when it does not exist."""
    if name not in con.list_tables():
        return None
    return con.table(name).to_pandas()


def run_summary(run: ForecastRun) -> dict[str, Any]:
    """Row counts of a run, for the CLI."""
    return {
        "series forecast": int(run.models.shape[0]),
        "forecast rows": int((run.forecasts["kind"] == "forecast").sum()),
        "events": int(run.effects.shape[0]),
        "alerts": int(run.alerts.shape[0]),
    }
