"""Sample size and power of a two-arm test (normal approximation, two- or one-sided).

Conversion rates use Cohen's arcsine effect size ``h = 2 asin(sqrt p1) - 2 asin(sqrt p0)``,
means use ``d = mde / std``; the power of a z-test with ``n1`` units in treatment and
``n1 * ratio`` in control is ``P(Z > z_crit - d sqrt(n_eff)) + P(Z < -z_crit - d sqrt(n_eff))``
with ``n_eff = 1 / (1/n1 + 1/n2)``, both tails counted. Written here (a few lines on
:mod:`scipy.stats`) so the warehouse needs no statsmodels; the tests check every number
against ``statsmodels.stats.power.NormalIndPower``.

Examples
--------
>>> round(power(baseline=0.1, mde=0.02, per_arm=3835), 3)
0.8
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scipy import optimize, stats

from shoplens.errors import InputError

__all__ = ["SampleSize", "effect_size", "power", "sample_size"]

Alternative = Literal["two-sided", "larger", "smaller"]


@dataclass(frozen=True)
class SampleSize:
    """Units needed per arm (treatment ``per_arm``, control ``per_arm * ratio``) and in all."""

    per_arm: int
    control: int
    total: int
    effect_size: float
    alpha: float
    power: float


def effect_size(
    *, mde: float, baseline: float | None = None, std: float | None = None, relative: bool = False
) -> float:
    """Standardised effect: arcsine ``h`` for a rate (``baseline``), ``mde/std`` for a mean.

    Examples
    --------
    >>> round(effect_size(mde=0.5, std=2.0), 3)
    0.25
    """
    if (baseline is None) == (std is None):
        raise InputError("give either baseline (a conversion rate) or std (of a metric)")
    if baseline is not None:
        if not 0 < baseline < 1:
            raise InputError(f"baseline must be a rate between 0 and 1, got {baseline}")
        target = baseline * (1 + mde) if relative else baseline + mde
        if not 0 < target < 1:
            raise InputError(f"baseline + mde must stay between 0 and 1, got {target}")
        return 2 * math.asin(math.sqrt(target)) - 2 * math.asin(math.sqrt(baseline))
    assert std is not None
    if std <= 0:
        raise InputError(f"std must be positive, got {std}")
    return mde / std


def _power(es: float, n1: float, ratio: float, alpha: float, alternative: Alternative) -> float:
    n_eff = 1.0 / (1.0 / n1 + 1.0 / (n1 * ratio))
    shift = es * math.sqrt(n_eff)
    if alternative == "two-sided":
        crit = stats.norm.isf(alpha / 2)
        return float(stats.norm.sf(crit - shift) + stats.norm.cdf(-crit - shift))
    crit = stats.norm.isf(alpha)
    return float(stats.norm.sf(crit - shift if alternative == "larger" else crit + shift))


def _check(alpha: float, ratio: float) -> None:
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be between 0 and 1, got {alpha}")
    if ratio <= 0:
        raise InputError(f"ratio (control / treatment units) must be positive, got {ratio}")


def power(
    *,
    mde: float,
    per_arm: float,
    baseline: float | None = None,
    std: float | None = None,
    alpha: float = 0.05,
    ratio: float = 1.0,
    relative: bool = False,
    alternative: Alternative = "two-sided",
) -> float:
    """The power to detect ``mde`` with ``per_arm`` treatment units (control: ``x ratio``).

    Examples
    --------
    >>> round(power(mde=0.25, std=1.0, per_arm=100), 3)
    0.424
    """
    _check(alpha, ratio)
    if per_arm <= 0:
        raise InputError(f"per_arm must be positive, got {per_arm}")
    es = effect_size(mde=mde, baseline=baseline, std=std, relative=relative)
    return _power(es, per_arm, ratio, alpha, alternative)


def sample_size(
    *,
    mde: float,
    baseline: float | None = None,
    std: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    relative: bool = False,
    alternative: Alternative = "two-sided",
) -> SampleSize:
    """Units per arm to detect ``mde`` (absolute, or ``relative`` to ``baseline``).

    Parameters
    ----------
    mde
        Minimum detectable effect: a difference in rate (``baseline``) or in mean (``std``).
    baseline, std
        The control conversion rate, or the standard deviation of a per-customer metric.
    alpha, power
        Type I error and the wanted power.
    ratio
        Control units per treatment unit (``2`` = twice as many in control).
    alternative
        ``two-sided``, ``larger`` or ``smaller``.

    Examples
    --------
    >>> sample_size(mde=0.25, std=1.0).per_arm
    252
    """
    _check(alpha, ratio)
    if not 0 < power < 1 or power <= alpha:
        raise InputError(f"power must be between alpha and 1, got {power}")
    es = effect_size(mde=mde, baseline=baseline, std=std, relative=relative)
    if es == 0:
        raise InputError("mde must not be zero")
    if alternative == "smaller":
        es = -es
    if es < 0 and alternative != "two-sided":
        raise InputError("the mde points the other way than the one-sided alternative")
    alt: Alternative = "two-sided" if alternative == "two-sided" else "larger"
    es = abs(es)

    def short(n: float) -> float:
        return _power(es, n, ratio, alpha, alt) - power

    hi = 2.0
    while short(hi) < 0:
        hi *= 2
        if hi > 1e13:
            raise InputError("the effect is too small to detect with any practical sample")
    n1 = optimize.brentq(short, 1e-6, hi, xtol=1e-9)
    per_arm = math.ceil(n1 - 1e-9)
    control = math.ceil(per_arm * ratio - 1e-9)
    return SampleSize(per_arm, control, per_arm + control, es, alpha, power)
