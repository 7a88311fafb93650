"""Forecasting models: statsforecast models by name, the LightGBM global model, the GLM.

:func:`make_models` builds the statsforecast objects for a list of model names, a
season length and a horizon (the intermittent-demand models take conformal intervals,
which statsforecast sizes to the horizon).

Examples
--------
>>> [type(m).__name__ for m in make_models(["seasonal_naive", "auto_ets"], 7, 14)]
['SeasonalNaive', 'AutoETS']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shoplens.errors import InputError, require

__all__ = ["INTERMITTENT", "MODEL_NAMES", "SMOOTH", "make_models"]

#: models for smooth series (most days sell)
SMOOTH: tuple[str, ...] = ("seasonal_naive", "auto_ets", "auto_arima", "mstl", "lightgbm")
#: models for intermittent demand (many zero days)
INTERMITTENT: tuple[str, ...] = ("croston", "adida", "imapa", "tsb")
#: every statsforecast model name (plus ``naive``, the fallback of the shortest series)
MODEL_NAMES: tuple[str, ...] = (*SMOOTH[:-1], *INTERMITTENT, "naive")

#: our name -> the statsforecast alias (column name of its forecasts)
ALIASES: dict[str, str] = {
    "seasonal_naive": "SeasonalNaive",
    "auto_ets": "AutoETS",
    "auto_arima": "AutoARIMA",
    "mstl": "MSTL",
    "croston": "CrostonClassic",
    "adida": "ADIDA",
    "imapa": "IMAPA",
    "tsb": "TSB",
    "naive": "Naive",
    "lightgbm": "LightGBM",
}


def make_models(
    names: Sequence[str],
    season_length: int,
    h: int,
    *,
    yearly: int | None = None,
    exog: bool = False,
    conformal_windows: int = 2,
) -> list[Any]:
    """Return statsforecast model objects for ``names`` (``lightgbm`` is not one of them).

    Parameters
    ----------
    names
        Model names from :data:`MODEL_NAMES`.
    season_length
        Main season (7 for days, 52 for weeks, 12 for months).
    h
        Forecast horizon (sizes the conformal intervals of the intermittent models).
    yearly
        Second season of MSTL (365 for days), or None for one season.
    exog
        Whether calendar regressors come with the series: MSTL then forecasts its trend
        with AutoARIMA, which takes them (AutoETS, its default, does not).
    conformal_windows
        Backtest windows behind the intermittent models' conformal intervals.
    """
    require("statsforecast", "forecast")
    from statsforecast import models as m
    from statsforecast.utils import ConformalIntervals

    ci = ConformalIntervals(h=h, n_windows=conformal_windows)
    seasons = [season_length] + ([yearly] if yearly else [])
    build = {
        "seasonal_naive": lambda: m.SeasonalNaive(season_length=season_length),
        "auto_ets": lambda: m.AutoETS(season_length=season_length),
        "auto_arima": lambda: m.AutoARIMA(season_length=season_length),
        "mstl": lambda: (
            m.MSTL(season_length=seasons, trend_forecaster=m.AutoARIMA())
            if exog
            else m.MSTL(season_length=seasons)
        ),
        "croston": lambda: m.CrostonClassic(prediction_intervals=ci),
        "adida": lambda: m.ADIDA(prediction_intervals=ci),
        "imapa": lambda: m.IMAPA(prediction_intervals=ci),
        "tsb": lambda: m.TSB(alpha_d=0.1, alpha_p=0.1, prediction_intervals=ci),
        "naive": lambda: m.Naive(),
    }
    out = []
    for name in names:
        if name not in build:
            raise InputError(f"unknown model {name!r}; use one of {', '.join(MODEL_NAMES)}")
        out.append(build[name]())
    return out
