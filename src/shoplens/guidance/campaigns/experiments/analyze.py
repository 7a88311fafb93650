"""Analyse an experiment: per-arm metrics, intervals, CUPED, SRM and a sequential decision.

:func:`analyze` takes one row per assigned customer (arm, converted, revenue, optionally
a pre-period covariate and a segment) and returns an :class:`ExperimentResult`: each arm
against control on every metric (difference, relative lift, interval, fixed-horizon
p-value and the always-valid mSPRT p-value), the sample-ratio check, uplift by segment and
one decision. It refuses a decision (and says why) when an arm has fewer than
``min_units`` customers or the sample ratio is off.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> f = pd.DataFrame({"arm": np.repeat(["control", "treatment"], 2000),
...                   "converted": rng.random(4000) < np.repeat([0.10, 0.16], 2000)})
>>> r = analyze(f, metrics=("converted",))
>>> r.decision
'ship treatment'
>>> analyze(f.iloc[1950:2050], metrics=("converted",)).decision
'refused'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from shoplens.errors import InputError
from shoplens.guidance.campaigns.experiments.assign import HOLDOUT
from shoplens.guidance.campaigns.experiments.sequential import msprt_pvalues
from shoplens.guidance.campaigns.experiments.stats import (
    Comparison,
    cuped_adjust,
    diff_in_means,
    diff_in_proportions,
    srm_check,
)

__all__ = [
    "ArmComparison",
    "ExperimentResult",
    "analyze",
    "cuped_adjust",
    "diff_in_means",
    "diff_in_proportions",
    "srm_check",
]

ArmComparison = Comparison


@dataclass
class ExperimentResult:
    """What :func:`analyze` found.

    Attributes
    ----------
    arms
        Per arm: units, and the mean of every metric.
    comparisons
        Per (metric, arm) against control: ``estimate, ci_low, ci_high, relative_lift,
        p_value`` (fixed horizon), ``always_valid_p`` (mSPRT), ``cuped`` and ``theta``.
    srm
        The sample-ratio check (``chi2, p_value, mismatch``).
    by_segment
        Uplift of the primary metric per segment and arm (empty without a segment).
    decision, reasons
        ``ship <arm>``, ``stop <arm>`` (it hurts), ``keep running``, ``no effect`` (the
        planned sample reached, nothing found) or ``refused``; and why.
    """

    arms: pd.DataFrame
    comparisons: pd.DataFrame
    srm: dict[str, object]
    by_segment: pd.DataFrame
    decision: str
    reasons: list[str] = field(default_factory=list)


def _compare(metric: str, y1: np.ndarray, y0: np.ndarray, binary: bool, alpha: float) -> Comparison:
    if binary:
        return diff_in_proportions(y1.sum(), len(y1), y0.sum(), len(y0), alpha)
    return diff_in_means(
        y1.mean(), y1.var(ddof=1), len(y1), y0.mean(), y0.var(ddof=1), len(y0), alpha
    )


def _is_binary(values: pd.Series) -> bool:
    return values.dtype == bool or set(np.unique(values.dropna())) <= {0, 1}


def analyze(
    frame: pd.DataFrame,
    *,
    arm: str = "arm",
    control: str = "control",
    metrics: Sequence[str] = ("converted", "revenue"),
    pre: str | None = None,
    segment: str | None = None,
    shares: Mapping[str, float] | None = None,
    alpha: float = 0.05,
    min_units: int = 100,
    tau: Mapping[str, float] | float | None = None,
    planned_per_arm: int | None = None,
) -> ExperimentResult:
    """Compare every arm with ``control`` on ``metrics`` (the first one decides).

    Parameters
    ----------
    frame
        One row per assigned customer; holdout rows (arm ``"holdout"``) are left out.
    pre
        Pre-period covariate column (e.g. revenue in the weeks before): continuous metrics
        are CUPED-adjusted with it (the interval shrinks, the estimate stays unbiased).
    segment
        Column to report uplift by.
    shares
        Planned share of each arm for the sample-ratio check (default: equal).
    min_units
        Fewest customers per arm before any decision is made.
    tau
        Scale of the mSPRT prior on the effect, per metric or for all; default a 10 %
        relative change of the control mean (the sd when that mean is 0).
    planned_per_arm
        The designed sample size: with it, "no effect" once every arm reached it.
    """
    for col in (arm, *metrics, *(c for c in (pre, segment) if c)):
        if col not in frame.columns:
            raise InputError(f"the experiment frame has no column {col!r}")
    if not metrics:
        raise InputError("name at least one metric to analyse")
    f = frame[frame[arm].astype(str) != HOLDOUT]
    f = f.assign(**{arm: f[arm].astype(str)})
    names = sorted(f[arm].unique(), key=lambda a: (a != control, a))
    if control not in names:
        raise InputError(f"no units in the control arm {control!r}; arms: {names}")
    treat = [a for a in names if a != control]
    if not treat:
        raise InputError("the experiment has only the control arm")
    counts = f[arm].value_counts().to_dict()
    arms = (
        f.groupby(arm)[list(metrics)]
        .mean()
        .astype(float)
        .assign(units=pd.Series(counts))
        .reindex(names)
    )
    arms.index.name = "arm"
    srm = srm_check(counts, shares or {a: 1.0 for a in names})
    rows = []
    g = f[arm].to_numpy()
    for metric in metrics:
        y = pd.to_numeric(f[metric], errors="coerce").astype(float)
        if y.isna().any():
            raise InputError(f"metric {metric!r} has missing or non-numeric values")
        binary = _is_binary(f[metric])
        yv, theta, cuped = y.to_numpy(), 0.0, False
        if pre is not None and not binary:
            yv, theta = cuped_adjust(yv, f[pre].astype(float).to_numpy(), g)
            cuped = True
        y0 = yv[g == control]
        for a in treat:
            y1 = yv[g == a]
            c = _compare(metric, y1, y0, binary and not cuped, alpha)
            base = float(y[g == control].mean())
            t = tau.get(metric) if isinstance(tau, Mapping) else tau
            if t is None:
                t = 0.1 * abs(base) if base != 0 else max(float(np.std(y0)), 1e-9)
            av = float(msprt_pvalues(np.atleast_1d(c.estimate), np.atleast_1d(c.se) ** 2, t)[-1])
            rows.append(
                {
                    "metric": metric,
                    "arm": a,
                    "control_mean": base,
                    "estimate": float(c.estimate),
                    "ci_low": float(c.ci_low),
                    "ci_high": float(c.ci_high),
                    "relative_lift": float(c.estimate) / base if base else np.nan,
                    "p_value": float(c.p_value),
                    "always_valid_p": av,
                    "cuped": cuped,
                    "theta": theta,
                }
            )
    comparisons = pd.DataFrame(rows)
    by_segment = _by_segment(f, arm, control, metrics[0], segment, alpha, min_units)
    decision, reasons = _decide(comparisons[comparisons.metric == metrics[0]], counts, names,
                                srm, alpha, min_units, planned_per_arm)  # fmt: skip
    return ExperimentResult(arms.reset_index(), comparisons, srm, by_segment, decision, reasons)


def _by_segment(f, arm, control, metric, segment, alpha, min_units) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    cols = ["segment", "arm", "units", "control_units", "estimate", "ci_low", "ci_high",
            "p_value", "enough_units"]  # fmt: skip
    if segment is None:
        return pd.DataFrame(columns=cols)
    binary = _is_binary(f[metric])
    rows = []
    for seg, part in f.groupby(segment, sort=True):
        g, y = part[arm].to_numpy(), part[metric].astype(float).to_numpy()
        y0 = y[g == control]
        for a in sorted(set(g) - {control}):
            y1 = y[g == a]
            if len(y1) < 2 or len(y0) < 2:
                continue
            c = _compare(metric, y1, y0, binary, alpha)
            rows.append([seg, a, len(y1), len(y0), float(c.estimate), float(c.ci_low),
                         float(c.ci_high), float(c.p_value),
                         min(len(y1), len(y0)) >= min_units])  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def _decide(primary, counts, names, srm, alpha, min_units, planned):  # type: ignore[no-untyped-def]
    small = [a for a in names if counts.get(a, 0) < min_units]
    if small:
        return "refused", [
            f"too few units to decide: {', '.join(f'{a} has {counts.get(a, 0)}' for a in small)}"
            f" (at least {min_units} per arm needed)"
        ]
    if srm["mismatch"]:
        return "refused", [
            f"sample ratio mismatch (chi-square p = {srm['p_value']:.2g}): check the assignment"
            " and the logging before reading any effect"
        ]
    sig = primary[primary.always_valid_p < alpha]
    if len(sig):
        best = sig.sort_values("estimate", ascending=False).iloc[0]
        verb = "ship" if best.estimate > 0 else "stop"
        return f"{verb} {best.arm}", [
            f"{best.arm}: {best.metric} {best.estimate:+.4g} (always-valid p = "
            f"{best.always_valid_p:.3g} < {alpha})"
        ]
    if planned is not None and all(counts.get(a, 0) >= planned for a in names):
        return "no effect", [f"every arm reached the planned {planned} units with no effect"]
    return "keep running", ["no arm differs from control yet (always-valid p above alpha)"]
