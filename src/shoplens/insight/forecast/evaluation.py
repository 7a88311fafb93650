"""Honest evaluation of the automatic choice: select on the past, score on the future.

For each of ``n_windows`` rolling origins, a fresh :class:`Forecaster` chooses its models
on the history up to the origin only (its own inner backtest), then forecasts ``h``
periods; seasonal naive forecasts from the same origin. Both are scored on what came
next, so the choice never sees the periods it is judged on.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2025-01-01", periods=91),
...                    "y": 20 + np.tile([0, 1, 2, 3, 4, 9, 8.0], 13) + rng.normal(0, 1, 91)})
>>> s = evaluate_selection(df, ["seasonal_naive", "auto_ets"], h=7, n_windows=2)
>>> sorted(s["model"].unique())
['chosen', 'seasonal_naive']
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from shoplens.errors import InputError
from shoplens.insight.forecast.backtest import score
from shoplens.insight.forecast.calendars import Calendar
from shoplens.insight.forecast.models.forecaster import Forecaster
from shoplens.insight.forecast.series import SEASONS, check_frequency

__all__ = ["evaluate_selection"]


def evaluate_selection(
    df: pd.DataFrame,
    models: Sequence[str],
    *,
    h: int,
    n_windows: int = 3,
    freq: str = "D",
    season_length: int | None = None,
    inner_windows: int = 2,
    calendar: Calendar | None = None,
) -> pd.DataFrame:
    """:func:`~shoplens.insight.forecast.backtest.score` rows for ``chosen`` and
    ``seasonal_naive`` at each origin, plus the ``choice`` each series made there."""
    ends = df.groupby("unique_id")["ds"].max()
    if ends.nunique() > 1:
        raise InputError("evaluate_selection needs series that end on the same period")
    season = season_length or SEASONS[freq]
    offset = pd.tseries.frequencies.to_offset(check_frequency(freq))
    last = pd.Timestamp(df["ds"].max())
    rows = []
    for w in range(n_windows, 0, -1):
        cutoff = last - offset * (h * w)
        train = df[df["ds"] <= cutoff]
        test = df[(df["ds"] > cutoff) & (df["ds"] <= cutoff + offset * h)]
        kw = {"freq": freq, "season_length": season, "n_windows": inner_windows, "level": ()}
        kw["calendar"] = calendar
        chosen = Forecaster(models, **kw).fit(train)
        naive = Forecaster(["seasonal_naive"], select=False, **kw).fit(train)
        for name, model in (("chosen", chosen), ("seasonal_naive", naive)):
            fc = model.predict(h).merge(test, on=["unique_id", "ds"])
            picked = model.choice_.set_index("unique_id")["model"]
            fc = fc.assign(cutoff=cutoff, choice=fc["unique_id"].map(picked), model=name)
            rows.append(fc)
    cv = pd.concat(rows, ignore_index=True)
    scores = score(cv, df, season=season)
    picks = cv.drop_duplicates(["unique_id", "cutoff", "model"])[
        ["unique_id", "cutoff", "model", "choice"]
    ]
    return scores.merge(picks, on=["unique_id", "cutoff", "model"])
