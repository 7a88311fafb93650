"""The estimated effect of each calendar event: uplift with an interval, table and plot.

Each series is fitted with :class:`~shoplens.insight.forecast.models.calendar_glm.CalendarGLM`
on its trend, weekday, season and every event of the calendar at once, so a presale and
its peak day get separate uplifts and neither absorbs the other.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from shoplens.insight.forecast.calendars import Calendar
>>> ds = pd.date_range("2025-05-01", "2025-12-31")
>>> y = np.random.default_rng(1).poisson(np.where(ds.strftime("%m-%d") == "06-18", 90, 30))
>>> df = pd.DataFrame({"unique_id": "total", "ds": ds, "y": y.astype(float)})
>>> fx = event_effects(df, Calendar.china(2025))
>>> row = fx.set_index("event").loc["618"]
>>> bool(row["lo"] < 3 < row["hi"])
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from shoplens.insight.forecast.calendars import Calendar
from shoplens.insight.forecast.models.calendar_glm import CalendarGLM

__all__ = ["effects_figure", "event_effects"]


def event_effects(
    df: pd.DataFrame, calendar: Calendar, *, freq: str = "D", level: float = 0.95
) -> pd.DataFrame:
    """Uplift of every event on every series of ``df`` (``unique_id, ds, y``).

    Returns ``unique_id, event, label, kind, days, uplift, lo, hi, level``: ``uplift`` is
    the factor on an event day against the same day without it (1.0 = no effect).
    Events with no day in a series' history are left out.
    """
    labels = calendar.frame().drop_duplicates("name").set_index("name")
    rows = []
    for uid, g in df.sort_values("ds").groupby("unique_id", sort=True):
        if len(g) < 28 or g["y"].sum() <= 0:
            continue
        x = calendar.features(g["ds"], freq=freq)
        fit = CalendarGLM(freq).fit(g["ds"], g["y"], x)
        fx = fit.effects(level)
        fx["days"] = [int(x[e].sum()) for e in fx["event"]]
        fx.insert(0, "unique_id", uid)
        rows.append(fx)
    cols = ["unique_id", "event", "label", "kind", "days", "uplift", "lo", "hi", "level"]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.concat(rows, ignore_index=True)
    out["label"] = out["event"].map(labels["label"]).fillna("")
    out["kind"] = out["event"].map(labels["kind"]).fillna("")
    out["level"] = level
    out = out.replace([np.inf, -np.inf], np.nan)
    return out[cols]


def effects_figure(effects: pd.DataFrame, unique_id: str | None = None) -> Any:
    """A Plotly dot-and-whisker chart of the uplifts (log axis, 1 = no effect)."""
    import plotly.graph_objects as go

    fx = effects if unique_id is None else effects[effects["unique_id"] == unique_id]
    fx = fx.sort_values("uplift")
    names = [f"{e} {lab}".strip() for e, lab in zip(fx["event"], fx["label"], strict=True)]
    fig = go.Figure(
        go.Scatter(
            x=fx["uplift"],
            y=names,
            mode="markers",
            error_x={
                "type": "data",
                "symmetric": False,
                "array": fx["hi"] - fx["uplift"],
                "arrayminus": fx["uplift"] - fx["lo"],
            },
        )
    )
    fig.add_vline(x=1.0, line_dash="dot")
    fig.update_layout(
        title="Event effects (uplift, 95% interval)", height=120 + 28 * len(fx), xaxis_type="log"
    )
    return fig
