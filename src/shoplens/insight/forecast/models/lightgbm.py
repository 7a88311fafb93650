"""A LightGBM global model over many series (mlforecast): lags, rolling means, calendar.

One model learns from every series at once (the M5 winners' recipe), with lags 1, the
season and twice the season, rolling means of the last week and month, the weekday and
month, and the calendar regressors when given. Intervals are conformal (mlforecast's
``PredictionIntervals``), so they need two backtest windows of history.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from shoplens.errors import require

__all__ = ["lightgbm_cross_validation", "lightgbm_forecast"]

ALIAS = "LightGBM"


def _model(season: int, freq: str, params: dict | None) -> Any:
    require("mlforecast", "forecast")
    import lightgbm as lgb
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean

    settings = {
        "n_estimators": 200,
        "learning_rate": 0.05,
        "num_leaves": 31,
        "min_child_samples": 10,
        "verbose": -1,
        "n_jobs": 1,
        "random_state": 0,
    }
    settings.update(params or {})
    lags = sorted({1, season, 2 * season})
    dates = ["dayofweek", "month"] if freq == "D" else ["month"]
    return MLForecast(
        models={ALIAS: lgb.LGBMRegressor(**settings)},
        freq=freq,
        lags=lags,
        lag_transforms={1: [RollingMean(season)], season: [RollingMean(4 * season)]},
        date_features=dates,
    )


def lightgbm_forecast(
    df: pd.DataFrame,
    h: int,
    *,
    freq: str,
    season: int,
    level: list[int],
    X_df: pd.DataFrame | None = None,
    params: dict | None = None,
) -> pd.DataFrame:
    """Fit on ``df`` (``unique_id, ds, y`` and regressors) and forecast ``h`` periods."""
    from mlforecast.utils import PredictionIntervals

    mlf = _model(season, freq, params)
    if not level:
        mlf.fit(df, static_features=[])
        return mlf.predict(h, X_df=X_df)
    mlf.fit(df, static_features=[], prediction_intervals=PredictionIntervals(n_windows=2, h=h))
    return mlf.predict(h, X_df=X_df, level=level)


def lightgbm_cross_validation(
    df: pd.DataFrame,
    h: int,
    n_windows: int,
    *,
    freq: str,
    season: int,
    step_size: int | None = None,
    level: list[int] | None = None,
    params: dict | None = None,
) -> pd.DataFrame:
    """Rolling-origin backtest with the same features (no intervals when ``level`` is None)."""
    from mlforecast.utils import PredictionIntervals

    mlf = _model(season, freq, params)
    kwargs: dict[str, Any] = {}
    if level:
        kwargs = {"level": level, "prediction_intervals": PredictionIntervals(n_windows=2, h=h)}
    return mlf.cross_validation(
        df, n_windows=n_windows, h=h, step_size=step_size or h, static_features=[], **kwargs
    )
