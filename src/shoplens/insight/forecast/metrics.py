"""Forecast accuracy: MASE, sMAPE, RMSSE, WRMSSE and interval coverage.

Plain numpy on one series (``y`` actuals, ``yhat`` forecasts, ``insample`` the training
history that scales MASE and RMSSE), as in the M4 and M5 competitions.

Examples
--------
>>> import numpy as np
>>> mase(np.array([3.0, 5.0]), np.array([4.0, 4.0]), np.array([1.0, 2.0, 3.0, 4.0]), 1)
1.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["coverage", "mase", "rmsse", "smape", "wrmsse"]


def _scale(insample: np.ndarray, season: int, power: int) -> float:
    x = np.asarray(insample, dtype=float)
    if x.size <= season:
        return float("nan")
    return float(np.mean(np.abs(x[season:] - x[:-season]) ** power))


def mase(y: np.ndarray, yhat: np.ndarray, insample: np.ndarray, season: int = 1) -> float:
    """Mean absolute error over the in-sample MAE of the seasonal naive forecast (M4).

    NaN when the history is no longer than one season; ``inf`` when it is constant and
    the forecast is wrong.
    """
    scale = _scale(insample, season, 1)
    err = float(np.mean(np.abs(np.asarray(y, float) - np.asarray(yhat, float))))
    if scale == 0:
        return 0.0 if err == 0 else float("inf")
    return err / scale


def rmsse(y: np.ndarray, yhat: np.ndarray, insample: np.ndarray, season: int = 1) -> float:
    """Root mean squared scaled error (M5: scaled by the one-step naive's squared error).

    Examples
    --------
    >>> rmsse(np.array([2.0]), np.array([0.0]), np.array([0.0, 1.0, 0.0]))
    2.0
    """
    scale = _scale(insample, season, 2)
    err = float(np.mean((np.asarray(y, float) - np.asarray(yhat, float)) ** 2))
    if scale == 0:
        return 0.0 if err == 0 else float("inf")
    return float(np.sqrt(err / scale))


def smape(y: np.ndarray, yhat: np.ndarray) -> float:
    """Symmetric MAPE in percent, 0-200 (M4); a period where both are 0 counts as 0.

    Examples
    --------
    >>> smape(np.array([0.0, 10.0]), np.array([0.0, 30.0]))
    50.0
    """
    y, yhat = np.asarray(y, float), np.asarray(yhat, float)
    den = np.abs(y) + np.abs(yhat)
    ratio = np.divide(2 * np.abs(y - yhat), den, out=np.zeros_like(den), where=den > 0)
    return float(100 * np.mean(ratio))


def coverage(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Share of actuals inside ``[lo, hi]``.

    Examples
    --------
    >>> coverage(np.array([1.0, 5.0]), np.array([0.0, 0.0]), np.array([2.0, 2.0]))
    0.5
    """
    y = np.asarray(y, float)
    return float(np.mean((y >= np.asarray(lo, float)) & (y <= np.asarray(hi, float))))


def wrmsse(scores: Sequence[float], weights: Sequence[float]) -> float:
    """Weighted RMSSE across series (M5): ``sum(w * rmsse) / sum(w)``, NaN scores left out.

    In M5 the weight of a series is its revenue over the last 28 days of the history,
    at every level of the hierarchy; :func:`~shoplens.insight.forecast.backtest.backtest`
    uses the revenue (or the measure) of the training window.

    Examples
    --------
    >>> wrmsse([1.0, 3.0], [3.0, 1.0])
    1.5
    """
    s, w = np.asarray(scores, float), np.asarray(weights, float)
    ok = np.isfinite(s) & (w > 0)
    if not ok.any():
        return float("nan")
    return float(np.sum(s[ok] * w[ok]) / np.sum(w[ok]))
