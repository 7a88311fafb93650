"""Trends per series: week over week, and the seasonally adjusted trend (STL).

For a daily series: the last complete week's total against the week before
(``wow_pct``) and against the same week a year earlier when there is one
(``yoy_pct``); the STL trend (statsmodels, weekly season, robust) at the end of the
history against four weeks before (``trend_pct``), which weekday patterns and single
peak days do not move. ``direction`` is ``up``/``down`` when the trend changed by more
than ``flat`` percent.

Examples
--------
>>> import numpy as np, pandas as pd
>>> ds = pd.date_range("2025-01-01", periods=84)
>>> y = np.linspace(10, 20, 84) * np.tile([1, 1, 1, 1, 1, 1.5, 1.5], 12)
>>> t = trends(pd.DataFrame({"unique_id": "a", "ds": ds, "y": y}))
>>> t.loc[0, "direction"], bool(t.loc[0, "trend_pct"] > 10)
('up', True)
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from shoplens.errors import require

__all__ = ["trends"]


def _pct(new: float, old: float) -> float:
    return float(100 * (new / old - 1)) if old > 0 else float("nan")


def trends(df: pd.DataFrame, *, flat: float = 5.0, min_days: int = 35) -> pd.DataFrame:
    """Trend table of daily series ``df`` (``unique_id, ds, y``), one row per series.

    Columns: ``unique_id, last_week, week, prev_week, wow_pct, yoy_pct, trend_pct,
    direction``. Series shorter than ``min_days`` are left out.
    """
    require("statsmodels", "forecast")
    from statsmodels.tsa.seasonal import STL

    rows = []
    for uid, g in df.sort_values("ds").groupby("unique_id", sort=True):
        if len(g) < min_days:
            continue
        y = g["y"].to_numpy(dtype=float)
        ds = pd.DatetimeIndex(g["ds"])
        # the last complete Monday-Sunday week
        end = len(y) - ((ds[-1].day_of_week + 1) % 7)
        week, prev = y[end - 7 : end].sum(), y[end - 14 : end - 7].sum()
        year = y[end - 371 : end - 364].sum() if end >= 371 else float("nan")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trend = STL(y, period=7, robust=True).fit().trend
        change = _pct(max(trend[-1], 0.0), max(trend[-29], 0.0))
        direction = (
            "flat"
            if not np.isfinite(change) or abs(change) <= flat
            else ("up" if change > 0 else "down")
        )
        rows.append(
            {
                "unique_id": uid,
                "week": ds[end - 7],
                "last_week": float(week),
                "prev_week": float(prev),
                "wow_pct": _pct(week, prev),
                "yoy_pct": _pct(week, year) if np.isfinite(year) else float("nan"),
                "trend_pct": change,
                "direction": direction,
            }
        )
    cols = [
        "unique_id",
        "week",
        "last_week",
        "prev_week",
        "wow_pct",
        "yoy_pct",
        "trend_pct",
        "direction",
    ]
    return pd.DataFrame(rows, columns=cols)
