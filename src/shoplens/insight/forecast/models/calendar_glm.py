"""``CalendarGLM``: a quasi-Poisson regression of sales on trend, weekday, season and events.

``log E[y] = trend + weekday + yearly Fourier terms + sum(beta_e * event_e)``, fitted with
statsmodels' GLM (Poisson family, dispersion from Pearson's chi-square, so revenue and
over-dispersed counts get honest standard errors). ``exp(beta_e)`` is the multiplicative
uplift of event ``e`` with its confidence interval; the fitted means with negative-binomial
tails (variance ``phi * mu``) are what anomaly alerts compare against. Outliers (Pearson
residual beyond ``clip``) get zero weight in a second fit, so a stock-out or a price
error does not bend the baseline.

Written here rather than taken from Prophet: Prophet fits additive holiday effects by MAP
without standard errors; this is ten lines of design matrix over a well-kept GLM.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> ds = pd.date_range("2025-01-01", periods=200)
>>> ev = pd.DataFrame({"sale": (ds.day % 30 == 0).astype(int)})
>>> y = rng.poisson(20 * np.where(ev["sale"] == 1, 3.0, 1.0))
>>> glm = CalendarGLM().fit(ds, y, ev)
>>> round(float(glm.effects().loc[0, "uplift"]), 1)
3.0
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import numpy as np
import pandas as pd
from scipy import stats

from shoplens.errors import InputError, require

__all__ = ["CalendarGLM"]


class CalendarGLM:
    """Quasi-Poisson GLM of a series on its calendar.

    Parameters
    ----------
    freq
        ``D`` (weekday terms) or ``W``/``M`` (none).
    fourier
        Yearly Fourier pairs (used when the series spans at least 300 days).
    knots_every
        Days between the knots of the piecewise-linear trend (None: a straight line).
    clip
        Pearson residuals beyond this get zero weight in the second fit (None: one fit).

    Attributes
    ----------
    params_, bse_ : pandas.Series
        Coefficients and standard errors (dispersion-scaled).
    phi_ : float
        Dispersion (1 for Poisson data; larger when over-dispersed).
    weights_ : numpy.ndarray
        1 for the periods used in the final fit, 0 for the outliers left out.
    """

    def __init__(
        self,
        freq: str = "D",
        *,
        fourier: int = 3,
        knots_every: int | None = 120,
        clip: float | None = 5.0,
    ) -> None:
        self.freq = freq
        self.fourier = fourier
        self.knots_every = knots_every
        self.clip = clip

    def _design(self, ds: pd.DatetimeIndex, events: pd.DataFrame) -> pd.DataFrame:
        t = (ds - self.t0_).days.to_numpy(dtype=float)
        cols: dict[str, np.ndarray] = {"const": np.ones(len(ds)), "trend": t / 365.25}
        for k in self.knots_:
            cols[f"knot_{int(k)}"] = np.maximum(0.0, t - k) / 365.25
        if self.freq == "D":
            for d in range(1, 7):
                cols[f"weekday_{d}"] = (ds.day_of_week == d).astype(float)
        doy = ds.day_of_year.to_numpy(dtype=float)
        for j in range(1, self.n_fourier_ + 1):
            cols[f"sin_{j}"] = np.sin(2 * np.pi * j * doy / 365.25)
            cols[f"cos_{j}"] = np.cos(2 * np.pi * j * doy / 365.25)
        x = pd.DataFrame(cols)
        for name in self.events_:
            x[f"event_{name}"] = events[name].to_numpy(dtype=float) if name in events else 0.0
        return x

    def fit(self, ds: Sequence, y: Sequence[float], events: pd.DataFrame | None = None):
        """Fit on periods ``ds``, values ``y`` and 0/1 event columns ``events``."""
        require("statsmodels", "forecast")
        import statsmodels.api as sm

        ds = pd.DatetimeIndex(pd.to_datetime(list(ds)))
        y = np.asarray(y, dtype=float)
        if len(ds) != len(y) or len(y) < 14:
            raise InputError("a calendar model needs at least 14 periods of history")
        if (y < 0).any() or not np.isfinite(y).all():
            raise InputError("a calendar model needs finite, non-negative values")
        events = (
            pd.DataFrame(index=range(len(y))) if events is None else events.reset_index(drop=True)
        )
        self.t0_ = ds[0]
        span = (ds[-1] - ds[0]).days
        self.n_fourier_ = self.fourier if span >= 300 else 0
        every = self.knots_every
        self.knots_ = np.arange(every, span - every / 2, every, dtype=float) if every else []
        self.events_ = [c for c in events.columns if events[c].sum() > 0 and not events[c].all()]
        x = self._design(ds, events)
        weights = np.ones(len(y))
        res = _fit(sm, y, x, weights)
        if self.clip is not None and y.sum() > 0:
            mu = res.fittedvalues
            resid = (y - mu) / np.sqrt(np.maximum(res.scale * mu, 1e-12))
            weights = (np.abs(resid) <= self.clip).astype(float)
            if weights.sum() < len(y):
                res = _fit(sm, y, x, weights)
        self.params_, self.bse_ = res.params, res.bse
        self.phi_ = float(max(res.scale, 1.0)) if np.isfinite(res.scale) else 1.0
        self.weights_ = weights
        return self

    def predict(self, ds: Sequence, events: pd.DataFrame | None = None) -> np.ndarray:
        """Expected values on ``ds`` with ``events`` (the columns seen in ``fit``)."""
        ds = pd.DatetimeIndex(pd.to_datetime(list(ds)))
        events = (
            pd.DataFrame(index=range(len(ds))) if events is None else events.reset_index(drop=True)
        )
        x = self._design(ds, events)
        return np.exp(np.clip(x.to_numpy() @ self.params_.to_numpy(), -50, 50))

    def effects(self, level: float = 0.95) -> pd.DataFrame:
        """One row per event: ``event, uplift, lo, hi`` (multiplicative, ``level`` interval)."""
        z = stats.norm.ppf(0.5 + level / 2)
        rows = []
        for name in self.events_:
            b, se = float(self.params_[f"event_{name}"]), float(self.bse_[f"event_{name}"])
            rows.append((name, np.exp(b), np.exp(b - z * se), np.exp(b + z * se)))
        return pd.DataFrame(rows, columns=["event", "uplift", "lo", "hi"])

    def tail_probabilities(self, y: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``P(Y >= y)`` and ``P(Y <= y)`` under a negative binomial of mean ``mu`` and
        variance ``phi * mu`` (Poisson when ``phi`` is 1); ``y`` is rounded to counts."""
        y = np.round(np.asarray(y, dtype=float))
        mu = np.maximum(np.asarray(mu, dtype=float), 1e-9)
        if self.phi_ <= 1.0 + 1e-9:
            return stats.poisson.sf(y - 1, mu), stats.poisson.cdf(y, mu)
        n, p = mu / (self.phi_ - 1.0), 1.0 / self.phi_
        return stats.nbinom.sf(y - 1, n, p), stats.nbinom.cdf(y, n, p)

    def interval(self, mu: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """The central ``level`` prediction interval of one period, per mean ``mu``."""
        mu = np.maximum(np.asarray(mu, dtype=float), 1e-9)
        a = (1 - level) / 2
        if self.phi_ <= 1.0 + 1e-9:
            return stats.poisson.ppf(a, mu), stats.poisson.ppf(1 - a, mu)
        n, p = mu / (self.phi_ - 1.0), 1.0 / self.phi_
        return stats.nbinom.ppf(a, n, p), stats.nbinom.ppf(1 - a, n, p)


def _fit(sm, y: np.ndarray, x: pd.DataFrame, weights: np.ndarray) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    import warnings

    keep = weights > 0
    xk = x[keep]
    # a column that is zero on every kept row (an event hit only by outliers) is left out
    used = [c for c in x.columns if c == "const" or xk[c].abs().sum() > 0]
    from threadpoolctl import threadpool_limits

    # one BLAS thread: these are small least-squares problems, slower when threaded
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")
        res = sm.GLM(y[keep], xk[used], family=sm.families.Poisson()).fit(scale="X2")
    params = pd.Series(0.0, index=x.columns)
    params[used] = res.params.to_numpy()
    bse = pd.Series(np.inf, index=x.columns)
    bse[used] = res.bse.to_numpy()
    fitted = np.exp(np.clip(x.to_numpy() @ params.to_numpy(), -50, 50))
    return SimpleNamespace(params=params, bse=bse, scale=float(res.scale), fittedvalues=fitted)
