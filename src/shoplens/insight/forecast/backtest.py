"""Rolling-origin backtests: forecasts from several cutoffs, scored per model and level.

:func:`cross_validate` runs statsforecast's (and mlforecast's) cross-validation and returns
one long frame ``unique_id, ds, cutoff, y, model, mean, lo_80, hi_80 ...``; :func:`score`
scores each series, model and cutoff (MASE and RMSSE scaled by the history up to the
cutoff); :func:`summarize` averages per model, with WRMSSE weighted by each series'
volume in its training window.

Examples
--------
>>> import numpy as np, pandas as pd
>>> df = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2025-01-01", periods=60),
...                    "y": np.tile([1.0, 2, 3, 4, 5, 6, 9], 9)[:60]})
>>> cv = cross_validate(df, ["seasonal_naive"], h=7, n_windows=2)
>>> summarize(score(cv, df, season=7))[["model", "mase"]].to_dict("records")
[{'model': 'seasonal_naive', 'mase': 0.0}]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from shoplens.errors import InputError, require
from shoplens.insight.forecast.metrics import coverage, mase, rmsse, smape, wrmsse
from shoplens.insight.forecast.models import ALIASES, make_models
from shoplens.insight.forecast.series import SEASONS, check_frequency

__all__ = ["cross_validate", "score", "summarize", "to_long"]


def to_long(wide: pd.DataFrame, names: Sequence[str], levels: Sequence[int]) -> pd.DataFrame:
    """statsforecast's wide output (one column per model) as one row per model.

    Columns: the id columns present (``unique_id, ds``, ``cutoff``, ``y``), then ``model``,
    ``mean`` and ``lo_<level>``/``hi_<level>``.
    """
    keys = [c for c in ("unique_id", "ds", "cutoff", "y") if c in wide.columns]
    parts = []
    for name in names:
        alias = ALIASES[name]
        if alias not in wide.columns:
            continue
        part = wide[keys].copy()
        part["model"] = name
        part["mean"] = wide[alias].to_numpy(dtype=float)
        for lv in levels:
            for side in ("lo", "hi"):
                col = f"{alias}-{side}-{lv}"
                part[f"{side}_{lv}"] = wide[col].to_numpy(dtype=float) if col in wide else np.nan
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[*keys, "model", "mean"])
    return pd.concat(parts, ignore_index=True)


def cross_validate(
    df: pd.DataFrame,
    models: Sequence[str],
    *,
    h: int,
    n_windows: int = 3,
    step_size: int | None = None,
    freq: str = "D",
    season_length: int | None = None,
    yearly: int | None = None,
    level: Sequence[int] = (),
    exog: Sequence[str] = (),
    n_jobs: int = 1,
    lightgbm_params: dict | None = None,
) -> pd.DataFrame:
    """Backtest ``models`` on ``df`` from ``n_windows`` cutoffs, ``step_size`` apart.

    ``df`` is a long frame ``unique_id, ds, y`` (plus the regressor columns ``exog``);
    every series needs more than ``h * n_windows`` periods. Returns :func:`to_long` rows.
    """
    require("statsforecast", "forecast")
    from statsforecast import StatsForecast
    from statsforecast.models import SeasonalNaive

    pfreq = check_frequency(freq)
    season = season_length or SEASONS[freq]
    step = step_size or h
    shortest = int(df.groupby("unique_id").size().min()) if len(df) else 0
    if shortest <= h * n_windows:
        raise InputError(
            f"a backtest of {n_windows} windows of {h} needs more than {h * n_windows} periods"
            f" per series; the shortest has {shortest}: use fewer windows or a shorter horizon"
        )
    levels = list(level)
    stat = [m for m in models if m != "lightgbm"]
    parts = []
    if stat:
        cols = ["unique_id", "ds", "y", *exog]
        sf = StatsForecast(
            models=make_models(stat, season, h, yearly=yearly, exog=bool(exog)),
            freq=pfreq,
            n_jobs=n_jobs,
            fallback_model=SeasonalNaive(season_length=season),
        )
        wide = sf.cross_validation(
            df=df[cols], h=h, n_windows=n_windows, step_size=step, level=levels or None
        )
        parts.append(to_long(wide.reset_index(drop="unique_id" in wide.columns), stat, levels))
    if "lightgbm" in models:
        from shoplens.insight.forecast.models.lightgbm import lightgbm_cross_validation

        wide = lightgbm_cross_validation(
            df[["unique_id", "ds", "y", *exog]],
            h,
            n_windows,
            freq=pfreq,
            season=season,
            step_size=step,
            level=levels or None,
            params=lightgbm_params,
        )
        parts.append(to_long(wide, ["lightgbm"], levels))
    out = pd.concat(parts, ignore_index=True)
    out["mean"] = out["mean"].clip(lower=0) if (df["y"] >= 0).all() else out["mean"]
    return out


def _history(df: pd.DataFrame) -> dict[Any, tuple[np.ndarray, np.ndarray]]:
    return {
        uid: (g["ds"].to_numpy(), g["y"].to_numpy(dtype=float))
        for uid, g in df.sort_values(["unique_id", "ds"]).groupby("unique_id", sort=False)
    }


def score(cv: pd.DataFrame, df: pd.DataFrame, *, season: int) -> pd.DataFrame:
    """Score each series, model and cutoff of a :func:`cross_validate` frame.

    MASE and RMSSE are scaled by the series' history up to the cutoff (seasonal naive
    errors of lag ``season`` for MASE, one-step naive errors for RMSSE as in M5); the
    ``weight`` is the sum of ``y`` over that history (for WRMSSE).
    """
    hist = _history(df)
    levels = sorted({int(c.split("_")[1]) for c in cv.columns if c.startswith("lo_")})
    rows = []
    for (uid, model, cutoff), g in cv.groupby(["unique_id", "model", "cutoff"], sort=True):
        ds, y = hist[uid]
        train = y[ds <= np.datetime64(pd.Timestamp(cutoff))]
        row = {
            "unique_id": uid,
            "model": model,
            "cutoff": cutoff,
            "mase": mase(g["y"], g["mean"], train, season),
            "smape": smape(g["y"], g["mean"]),
            "rmsse": rmsse(g["y"], g["mean"], train, 1),
            "weight": float(np.sum(train)),
        }
        for lv in levels:
            lo, hi = g[f"lo_{lv}"], g[f"hi_{lv}"]
            row[f"coverage_{lv}"] = coverage(g["y"], lo, hi) if lo.notna().all() else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def summarize(scores: pd.DataFrame, by: Sequence[str] = ("model",)) -> pd.DataFrame:
    """Mean MASE, sMAPE, RMSSE and coverage, and WRMSSE, per ``by`` group.

    Infinite MASE/RMSSE (a constant history and a wrong forecast) are left out of the
    means; ``series`` counts the series scored.
    """
    rows = []
    cov = [c for c in scores.columns if c.startswith("coverage_")]
    for key, g in scores.groupby(list(by), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        fin = g.replace([np.inf, -np.inf], np.nan)
        row = dict(zip(by, key, strict=True))
        row.update(
            {
                "series": int(g["unique_id"].nunique()),
                "mase": float(fin["mase"].mean()),
                "smape": float(fin["smape"].mean()),
                "rmsse": float(fin["rmsse"].mean()),
                "wrmsse": wrmsse(fin["rmsse"], g["weight"]),
            }
        )
        row.update({c: float(g[c].mean()) for c in cov})
        rows.append(row)
    out = pd.DataFrame(rows)
    return out.sort_values([*by[:-1], "mase"]).reset_index(drop=True) if len(out) else out


def backtest_table(
    con: Any,
    *,
    levels: Sequence[str] = ("total", "category"),
    measure: str = "revenue",
    freq: str = "D",
    h: int = 14,
    n_windows: int = 3,
    models: Sequence[str] = ("seasonal_naive", "auto_ets", "mstl"),
    level: Sequence[int] = (80, 95),
) -> pd.DataFrame:
    """Backtest ``models`` on the warehouse's sales series at each of ``levels``.

    Series too short for the windows are left out (with ``InputError`` if none is left).
    Returns :func:`summarize` rows per level and model.
    """
    from shoplens.insight.forecast.series import sales_series

    season = SEASONS[freq]
    rows = []
    for lv in levels:
        df = sales_series(con, level=lv, measure=measure, freq=freq).to_pandas()
        n = df.groupby("unique_id")["y"].transform("size")
        df = df[n > h * n_windows + season]
        if df.empty:
            continue
        cv = cross_validate(df, models, h=h, n_windows=n_windows, freq=freq, level=level)
        rows.append(summarize(score(cv, df, season=season)).assign(level=lv))
    if not rows:
        raise InputError(
            f"no series is longer than {h * n_windows + season} periods: use fewer windows"
            " or a shorter horizon"
        )
    out = pd.concat(rows, ignore_index=True)
    return out[["level", *[c for c in out.columns if c != "level"]]]
