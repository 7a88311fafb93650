"""The two-sample statistics the analysis uses, vectorised over numpy arrays.

* :func:`diff_in_proportions`: difference of two rates with the unpooled (Wald) standard
  error, a two-sided z p-value and interval (``statsmodels``' ``wald`` method);
* :func:`diff_in_means`: Welch's t (unequal variances, Welch-Satterthwaite degrees of
  freedom), as ``scipy.stats.ttest_ind(equal_var=False)``;
* :func:`cuped_adjust`: CUPED (Deng et al. 2013) with the pooled within-arm slope, so the
  adjusted difference equals the treatment coefficient of ``y ~ arm + x`` by OLS;
* :func:`srm_check`: the chi-square test of the arm counts against the planned shares.

Examples
--------
>>> c = diff_in_proportions(120, 1000, 100, 1000)
>>> round(float(c.estimate), 3), bool(c.p_value > 0.05)
(0.02, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

from shoplens.errors import InputError

__all__ = ["Comparison", "cuped_adjust", "diff_in_means", "diff_in_proportions", "srm_check"]


@dataclass(frozen=True)
class Comparison:
    """Treatment minus control: estimate, its standard error, interval and p-value."""

    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray


def diff_in_proportions(x1, n1, x0, n0, alpha: float = 0.05) -> Comparison:  # type: ignore[no-untyped-def]
    """Rate ``x1/n1`` minus ``x0/n0`` with a Wald interval and z-test."""
    x1, n1, x0, n0 = (np.asarray(a, dtype=float) for a in (x1, n1, x0, n0))
    p1, p0 = x1 / n1, x0 / n0
    se = np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    d = p1 - p0
    z = stats.norm.isf(alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(se > 0, 2 * stats.norm.sf(np.abs(d) / se), np.where(d == 0, 1.0, 0.0))
    return Comparison(d, se, d - z * se, d + z * se, p)


def diff_in_means(m1, v1, n1, m0, v0, n0, alpha: float = 0.05) -> Comparison:  # type: ignore[no-untyped-def]
    """Mean ``m1`` minus ``m0`` (sample variances ``v1, v0``) by Welch's t."""
    m1, v1, n1, m0, v0, n0 = (np.asarray(a, dtype=float) for a in (m1, v1, n1, m0, v0, n0))
    a, b = v1 / n1, v0 / n0
    s2 = a + b
    se = np.sqrt(s2)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = s2**2 / (a**2 / (n1 - 1) + b**2 / (n0 - 1))
        t = (m1 - m0) / se
        p = np.where(se > 0, 2 * stats.t.sf(np.abs(t), df), np.where(m1 == m0, 1.0, 0.0))
        q = np.where(se > 0, stats.t.isf(alpha / 2, df), 0.0)
    d = m1 - m0
    return Comparison(d, se, d - q * se, d + q * se, p)


def cuped_adjust(y: np.ndarray, x: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, float]:
    """``y - theta (x - mean x)`` and ``theta``, the pooled within-group slope of y on x.

    Examples
    --------
    >>> y, x = np.array([1.0, 2, 3, 5]), np.array([1.0, 2, 1, 3])
    >>> adj, theta = cuped_adjust(y, x, np.array([0, 0, 1, 1]))
    >>> round(theta, 3)
    1.0
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    if len(x) != len(y):
        raise InputError("the pre-period covariate must have one value per unit")
    if not np.isfinite(x).all():
        raise InputError("the pre-period covariate has missing values; fill them (e.g. 0)")
    _, g = np.unique(np.asarray(groups), return_inverse=True)
    k = g.max() + 1 if len(g) else 0
    cnt = np.bincount(g, minlength=k)
    xc = x - (np.bincount(g, x, k) / cnt)[g]
    yc = y - (np.bincount(g, y, k) / cnt)[g]
    sxx = float(xc @ xc)
    theta = float(xc @ yc) / sxx if sxx > 0 else 0.0
    return y - theta * (x - x.mean()), theta


def srm_check(
    counts: Mapping[str, int], shares: Mapping[str, float], threshold: float = 0.001
) -> dict[str, object]:
    """Chi-square test of observed arm counts against planned shares.

    A p-value under ``threshold`` (default 0.001, as most platforms use) flags a
    sample-ratio mismatch: the assignment or the logging is broken and no effect should
    be read.

    Examples
    --------
    >>> srm_check({"a": 5000, "b": 5400}, {"a": 0.5, "b": 0.5})["mismatch"]
    True
    """
    names = [n for n in shares if shares[n] > 0]
    obs = np.asarray([counts.get(n, 0) for n in names], dtype=float)
    w = np.asarray([shares[n] for n in names], dtype=float)
    if len(names) < 2 or obs.sum() == 0:
        return {"chi2": 0.0, "p_value": 1.0, "mismatch": False}
    res = stats.chisquare(obs, w / w.sum() * obs.sum())
    p = float(res.pvalue)
    return {"chi2": float(res.statistic), "p_value": p, "mismatch": bool(p < threshold)}
