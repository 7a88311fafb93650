"""``Forecaster``: statsforecast (and LightGBM) models per series, chosen by backtest.

The frame decides, the models compute (house rule 2): :class:`Forecaster` checks the
long frame, sorts each series into smooth, intermittent, too short or all zero, backtests
the candidate models of each kind from rolling origins, keeps the model with the lowest
MASE per series (the reason is in ``choice_``) and forecasts each series with its model.

Fallbacks, documented and tested: a series too short to backtest gets seasonal naive
(naive when shorter than one season); an all-zero series gets zeros; a horizon longer
than a series' history gets seasonal naive for that series; a forecast with NaN or
infinite values is replaced by seasonal naive's. Forecasts of non-negative data are
clipped at zero. Duplicate timestamps, gaps and missing values are errors.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"unique_id": "shop", "ds": pd.date_range("2025-01-01", periods=84),
...                    "y": np.tile([5.0, 6, 7, 8, 9, 14, 12], 12) + rng.normal(0, 0.5, 84)})
>>> fc = Forecaster(["seasonal_naive", "auto_ets"], n_windows=2).fit(df).predict(7)
>>> fc.columns.tolist()
['unique_id', 'ds', 'model', 'mean', 'lo_80', 'hi_80', 'lo_95', 'hi_95']
>>> bool((fc["lo_95"] <= fc["mean"]).all())
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from shoplens.errors import InputError, require
from shoplens.insight.forecast.backtest import cross_validate, score, to_long
from shoplens.insight.forecast.calendars import Calendar
from shoplens.insight.forecast.models import ALIASES, INTERMITTENT, MODEL_NAMES, make_models
from shoplens.insight.forecast.series import SEASONS, check_frequency

__all__ = ["Forecaster", "check_series"]

EXOG_MODELS = frozenset({"auto_arima", "mstl", "lightgbm"})


def check_series(df: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Return ``df`` sorted, with ``ds`` naive UTC; raise :class:`InputError` on bad input.

    Bad input: missing columns, missing or infinite ``y``, duplicate ``(unique_id, ds)``,
    timestamps that are not period starts of ``freq``, and gaps inside a series.
    """
    missing = {"unique_id", "ds", "y"} - set(df.columns)
    if missing:
        raise InputError(f"series frame lacks column(s) {', '.join(sorted(missing))}")
    if df.empty:
        raise InputError("no series to forecast: the frame is empty")
    out = df[["unique_id", "ds", "y"]].copy()
    out["unique_id"] = out["unique_id"].astype(str)
    ds = pd.to_datetime(out["ds"])
    if getattr(ds.dt, "tz", None) is not None:
        ds = ds.dt.tz_convert("UTC").dt.tz_localize(None)
    out["ds"] = ds.astype("datetime64[ns]")
    out["y"] = pd.to_numeric(out["y"], errors="coerce").astype(float)
    if not np.isfinite(out["y"]).all():
        bad = out.loc[~np.isfinite(out["y"]), "unique_id"].iloc[0]
        raise InputError(f"series {bad!r} has missing or infinite values: fill or drop them")
    dup = out.duplicated(["unique_id", "ds"])
    if dup.any():
        row = out[dup].iloc[0]
        raise InputError(
            f"series {row['unique_id']!r} has more than one value at {row['ds']}:"
            " sum (or drop) duplicate timestamps first"
        )
    out = out.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    offset = pd.tseries.frequencies.to_offset(check_frequency(freq))
    for uid, g in out.groupby("unique_id", sort=False):
        want = pd.date_range(g["ds"].iloc[0], periods=len(g), freq=offset)
        if len(g) > 1 and not (want.to_numpy() == g["ds"].to_numpy()).all():
            raise InputError(
                f"series {uid!r} has gaps or timestamps off the {freq} grid: give every period,"
                " with explicit zeros (shoplens sales series do)"
            )
    return out


class Forecaster:
    """Forecast many series, each with the model that backtests best for it.

    Parameters
    ----------
    models
        Candidates for smooth series, from ``seasonal_naive``, ``auto_ets``,
        ``auto_arima``, ``mstl`` (weekly + yearly seasons when the history has two
        years) and ``lightgbm`` (one global model over all series).
    freq
        ``D``, ``W`` or ``M`` (period starts, as :func:`sales_series` gives them).
    season_length
        Main season; default 7 (days), 52 (weeks) or 12 (months).
    intermittent_models
        Candidates for series with more than ``intermittent_share`` zero periods:
        ``croston``, ``adida``, ``imapa``, ``tsb`` (and always seasonal naive).
    select
        Backtest the candidates and keep the best per series (else the first model).
    n_windows, select_h
        Backtest windows and their horizon (default 7 days, 8 weeks or 3 months).
    calendar
        A :class:`~shoplens.insight.forecast.calendars.Calendar`: 0/1 regressors for
        the models that take them (AutoARIMA, MSTL's trend, LightGBM).
    level
        Prediction interval levels in percent.
    n_jobs
        Processes for statsforecast.

    Attributes
    ----------
    choice_ : pandas.DataFrame
        Per series: ``unique_id, kind, model, mase, baseline_mase, reason``.
    scores_ : pandas.DataFrame
        The selection backtest, per series, model and cutoff (:func:`score`).
    history_ : pandas.DataFrame
        The checked training frame.
    """

    def __init__(
        self,
        models: Sequence[str] = ("seasonal_naive", "auto_ets", "mstl"),
        *,
        freq: str = "D",
        season_length: int | None = None,
        intermittent_models: Sequence[str] = INTERMITTENT,
        intermittent_share: float = 0.5,
        select: bool = True,
        n_windows: int = 3,
        select_h: int | None = None,
        calendar: Calendar | None = None,
        level: Sequence[int] = (80, 95),
        n_jobs: int = 1,
        lightgbm_params: dict | None = None,
    ) -> None:
        self.models = models
        self.freq = freq
        self.season_length = season_length
        self.intermittent_models = intermittent_models
        self.intermittent_share = intermittent_share
        self.select = select
        self.n_windows = n_windows
        self.select_h = select_h
        self.calendar = calendar
        self.level = level
        self.n_jobs = n_jobs
        self.lightgbm_params = lightgbm_params

    # -- settings --------------------------------------------------------------
    def _season(self) -> int:
        return int(self.season_length or SEASONS[self.freq])

    def _yearly(self, n: int) -> int | None:
        year = {"D": 365, "W": 52, "M": 12}[self.freq]
        return year if year != self._season() and n >= 2 * year + 1 else None

    def _h_select(self) -> int:
        return int(self.select_h or {"D": 7, "W": 8, "M": 3}[self.freq])

    def _check_models(self) -> None:
        known = (*MODEL_NAMES, "lightgbm")
        for name in (*self.models, *self.intermittent_models):
            if name not in known:
                raise InputError(f"unknown model {name!r}; use one of {', '.join(known)}")
        if not self.models:
            raise InputError("give at least one model")

    def _exog(self, ds: pd.Series) -> pd.DataFrame:
        assert self.calendar is not None
        return self.calendar.features(ds, freq=self.freq)

    # -- fit -------------------------------------------------------------------
    def fit(self, df: pd.DataFrame) -> Forecaster:
        """Check ``df`` (``unique_id, ds, y``), sort its series and choose their models."""
        require("statsforecast", "forecast")
        self._check_models()
        check_frequency(self.freq)
        hist = check_series(df, self.freq)
        season, h = self._season(), self._h_select()
        stats = hist.groupby("unique_id", sort=True)["y"].agg(
            n="size", zeros=lambda y: float(np.mean(y == 0)), total=lambda y: float(np.abs(y).sum())
        )
        need = h * self.n_windows + max(season, 2) + 1
        kind = np.where(
            stats["total"] == 0,
            "all_zero",
            np.where(
                stats["n"] < need,
                "short",
                np.where(stats["zeros"] > self.intermittent_share, "intermittent", "smooth"),
            ),
        )
        self.kinds_ = pd.Series(kind, index=stats.index, name="kind")
        self.n_obs_ = stats["n"].astype(int)
        self.history_ = hist
        rows, scores = [], []
        for k, candidates in (("smooth", list(self.models)), ("intermittent", self._intermit())):
            ids = self.kinds_.index[self.kinds_ == k]
            if len(ids) == 0:
                continue
            sub = hist[hist["unique_id"].isin(ids)]
            if self.select and len(candidates) > 1:
                s = self._backtest(sub, candidates, h)
                scores.append(s.assign(kind=k))
                rows.append(self._choose(s, candidates, k))
            else:
                why = "the only candidate" if len(candidates) == 1 else "selection off"
                rows.append(_rows(ids, k, candidates[0], why))
        for k, why in (
            ("short", f"fewer than {need} periods to backtest: seasonal naive"),
            ("all_zero", "all zeros: forecast zero"),
        ):
            ids = self.kinds_.index[self.kinds_ == k]
            if len(ids):
                longer = (k == "short") & (self.n_obs_[ids] > season)
                model = np.where(longer, "seasonal_naive", "naive")
                tiny = f"shorter than one season ({season}): naive (last value)"
                reason = np.where(longer | (k == "all_zero"), why, tiny)
                rows.append(_rows(ids, k, model, reason))
        self.choice_ = pd.concat(rows, ignore_index=True).sort_values("unique_id")
        self.choice_ = self.choice_.reset_index(drop=True)
        self.scores_ = pd.concat(scores, ignore_index=True) if scores else pd.DataFrame()
        return self

    def _intermit(self) -> list[str]:
        own = [m for m in self.intermittent_models if m != "seasonal_naive"]
        return [*own, "seasonal_naive"] if self.select or not own else own

    def _frame_with_exog(self, df: pd.DataFrame, names: Sequence[str]) -> tuple[pd.DataFrame, list]:
        if self.calendar is None or not EXOG_MODELS.intersection(names):
            return df, []
        x = self._exog(df["ds"])
        keep = [c for c in x.columns if x[c].any() and not x[c].all()]
        return pd.concat([df.reset_index(drop=True), x[keep]], axis=1), keep

    def _backtest(self, df: pd.DataFrame, candidates: list[str], h: int) -> pd.DataFrame:
        frame, exog = self._frame_with_exog(df, candidates)
        cv = cross_validate(
            frame,
            candidates,
            h=h,
            n_windows=self.n_windows,
            freq=self.freq,
            season_length=self._season(),
            yearly=self._yearly(int(self.n_obs_.min())),
            exog=exog,
            level=list(self.level),
            n_jobs=self.n_jobs,
            lightgbm_params=self.lightgbm_params,
        )
        return score(cv, df, season=self._season())

    def _choose(self, s: pd.DataFrame, candidates: list[str], kind: str) -> pd.DataFrame:
        mean = s.replace([np.inf, -np.inf], np.nan).groupby(["unique_id", "model"])["mase"].mean()
        table = mean.unstack("model").reindex(columns=candidates)
        base = table["seasonal_naive"] if "seasonal_naive" in table else table.iloc[:, 0]
        filled = table.fillna(np.inf)
        best = filled.idxmin(axis=1)
        best_score = filled.min(axis=1)
        # a model must beat the baseline, not tie it: ties keep the simpler baseline
        baseline = "seasonal_naive" if "seasonal_naive" in candidates else candidates[0]
        use = np.where(best_score < base.fillna(np.inf) - 1e-12, best, baseline)
        reasons = []
        for uid, model in zip(table.index, use, strict=True):
            b, m = base.get(uid, np.nan), table.loc[uid, model]
            if model == baseline:
                reasons.append(f"no candidate beat {baseline} (MASE {b:.3f}) in the backtest")
            else:
                reasons.append(
                    f"lowest backtest MASE {m:.3f} vs {baseline} {b:.3f} over"
                    f" {self.n_windows} windows of {self._h_select()}"
                )
        return pd.DataFrame(
            {
                "unique_id": table.index,
                "kind": kind,
                "model": use,
                "mase": [table.loc[u, m] for u, m in zip(table.index, use, strict=True)],
                "baseline_mase": base.to_numpy(),
                "reason": reasons,
            }
        )

    # -- predict ---------------------------------------------------------------
    def predict(self, h: int, level: Sequence[int] | None = None) -> pd.DataFrame:
        """Forecast ``h`` periods: ``unique_id, ds, model, mean, lo_<l>, hi_<l>``.

        ``model`` is the model each series used (its choice, or seasonal naive where the
        horizon is longer than its history or the choice gave NaN forecasts).
        """
        if not hasattr(self, "choice_"):
            raise InputError("call fit() before predict()")
        if int(h) < 1:
            raise InputError(f"the horizon must be at least 1 period, got {h}")
        h, levels = int(h), list(self.level if level is None else level)
        plan = self.choice_.set_index("unique_id")["model"].copy()
        too_long = self.n_obs_[self.n_obs_ < h].index
        plan[plan.index.isin(too_long) & (plan != "naive")] = "seasonal_naive"
        plan[(plan == "seasonal_naive") & (self.n_obs_[plan.index] <= self._season())] = "naive"
        parts = [self._forecast(name, ids.index, h, levels) for name, ids in plan.groupby(plan)]
        out = pd.concat(parts, ignore_index=True)
        bad = out.groupby("unique_id")[["mean", *_bounds(levels)]].apply(
            lambda g: not np.isfinite(g.to_numpy()).all()
        )
        bad = bad[bad].index
        if len(bad):
            fallback = "seasonal_naive" if self.n_obs_[bad].min() > self._season() else "naive"
            out = pd.concat(
                [out[~out["unique_id"].isin(bad)], self._forecast(fallback, bad, h, levels)],
                ignore_index=True,
            )
        out = out.sort_values(["unique_id", "ds"]).reset_index(drop=True)
        if (self.history_["y"] >= 0).all():
            cols = ["mean", *_bounds(levels)]
            out[cols] = out[cols].clip(lower=0)
        for lv in levels:  # intervals from some models can be NaN for tiny series
            out[f"lo_{lv}"] = out[f"lo_{lv}"].fillna(out["mean"])
            out[f"hi_{lv}"] = out[f"hi_{lv}"].fillna(out["mean"])
        return out[["unique_id", "ds", "model", "mean", *_bounds(levels)]]

    def _forecast(self, name: str, ids: Any, h: int, levels: list[int]) -> pd.DataFrame:
        from statsforecast import StatsForecast
        from statsforecast.models import SeasonalNaive

        df = self.history_[self.history_["unique_id"].isin(ids)]
        frame, exog = self._frame_with_exog(df, [name])
        x_future = None
        if exog:
            future = _future(df, h, self.freq)
            x_future = pd.concat([future, self._exog(future["ds"])[exog]], axis=1)
        season = self._season()
        if name == "lightgbm":
            from shoplens.insight.forecast.models.lightgbm import lightgbm_forecast

            if (self.n_obs_[ids] < 2 * h + 4 * season).any():
                return self._forecast("seasonal_naive", ids, h, levels)
            wide = lightgbm_forecast(
                frame,
                h,
                freq=check_frequency(self.freq),
                season=season,
                level=levels,
                X_df=x_future,
                params=self.lightgbm_params,
            )
        else:
            n_min = int(self.n_obs_[ids].min())
            conformal = max(2, min(2, (n_min - 1) // h))
            if name in INTERMITTENT and (n_min - 1) // h < 2:
                return self._forecast("seasonal_naive", ids, h, levels)
            sf = StatsForecast(
                models=make_models(
                    [name],
                    season,
                    h,
                    yearly=self._yearly(n_min),
                    exog=bool(exog),
                    conformal_windows=conformal,
                ),
                freq=check_frequency(self.freq),
                n_jobs=self.n_jobs,
                fallback_model=SeasonalNaive(season_length=season) if n_min > season else None,
            )
            wide = sf.forecast(df=frame, h=h, X_df=x_future, level=levels or None)
        return to_long(wide.reset_index(drop="unique_id" in wide.columns), [name], levels)


def _rows(ids: Any, kind: str, model: Any, reason: Any) -> pd.DataFrame:
    nan = np.full(len(ids), np.nan)
    return pd.DataFrame(
        {
            "unique_id": ids,
            "kind": kind,
            "model": model,
            "mase": nan,
            "baseline_mase": nan,
            "reason": reason,
        }
    )


def _bounds(levels: Sequence[int]) -> list[str]:
    return [f"{side}_{lv}" for lv in levels for side in ("lo", "hi")]


def _future(df: pd.DataFrame, h: int, freq: str) -> pd.DataFrame:
    offset = pd.tseries.frequencies.to_offset(check_frequency(freq))
    last = df.groupby("unique_id")["ds"].max()
    return pd.DataFrame(
        [
            (u, d)
            for u, t in last.items()
            for d in pd.date_range(t + offset, periods=h, freq=offset)
        ],
        columns=["unique_id", "ds"],
    )


# keep the alias table importable from here for the direct-equality tests
ALIAS = ALIASES
