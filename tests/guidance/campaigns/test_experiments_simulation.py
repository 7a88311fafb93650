"""Seeded simulations: A/A at the nominal level, power as designed, peeking with/without mSPRT."""

from __future__ import annotations

import numpy as np

from shoplens.guidance.campaigns.experiments import (
    diff_in_means,
    diff_in_proportions,
    msprt_pvalues,
    sample_size,
)

RUNS = 2000


def _band(rate: float, p: float, runs: int) -> bool:
    return abs(rate - p) <= 3.5 * np.sqrt(p * (1 - p) / runs)


def _welch(a: np.ndarray, b: np.ndarray):  # type: ignore[no-untyped-def]
    n1, n0 = a.shape[-1], b.shape[-1]
    return diff_in_means(a.mean(-1), a.var(-1, ddof=1), n1, b.mean(-1), b.var(-1, ddof=1), n0)


def test_aa_tests_reject_at_the_nominal_level():
    rng = np.random.default_rng(10)
    a, b = rng.lognormal(3, 1, (RUNS, 400)), rng.lognormal(3, 1, (RUNS, 400))
    assert _band(float((_welch(a, b).p_value < 0.05).mean()), 0.05, RUNS)
    x1, x0 = rng.binomial(3000, 0.08, RUNS), rng.binomial(3000, 0.08, RUNS)
    assert _band(float((diff_in_proportions(x1, 3000, x0, 3000).p_value < 0.05).mean()), 0.05, RUNS)


def test_designed_effects_are_detected_at_the_stated_power():
    rng = np.random.default_rng(11)
    n = sample_size(baseline=0.10, mde=0.02, power=0.8).per_arm
    x1, x0 = rng.binomial(n, 0.12, RUNS), rng.binomial(n, 0.10, RUNS)
    assert _band(float((diff_in_proportions(x1, n, x0, n).p_value < 0.05).mean()), 0.8, RUNS)
    m = sample_size(mde=0.25, std=1.0, power=0.9).per_arm
    a, b = rng.normal(0.25, 1, (RUNS, m)), rng.normal(0, 1, (RUNS, m))
    assert _band(float((_welch(a, b).p_value < 0.05).mean()), 0.9, RUNS)


def _peek(
    effect: float, rng: np.random.Generator, runs: int = 1000, n: int = 2000, every: int = 50
):
    a = rng.normal(effect, 1.0, (runs, n))
    b = rng.normal(0.0, 1.0, (runs, n))
    looks = np.arange(every, n + 1, every)
    ca, cb = np.cumsum(a, 1)[:, looks - 1], np.cumsum(b, 1)[:, looks - 1]
    qa, qb = np.cumsum(a * a, 1)[:, looks - 1], np.cumsum(b * b, 1)[:, looks - 1]
    ma, mb = ca / looks, cb / looks
    va = (qa - looks * ma**2) / (looks - 1)
    vb = (qb - looks * mb**2) / (looks - 1)
    naive = diff_in_means(ma, va, looks, mb, vb, looks).p_value
    seq = msprt_pvalues(ma - mb, va / looks + vb / looks, tau=0.1)
    return (naive < 0.05).any(1).mean(), (seq < 0.05).any(1).mean(), (naive[:, -1] < 0.05).mean()


def test_peeking_inflates_naive_t_tests_but_not_msprt():
    naive_any, seq_any, naive_final = _peek(0.0, np.random.default_rng(12))
    assert _band(float(naive_final), 0.05, 1000)  # one look at the end is fine
    assert naive_any > 0.15  # forty looks: several times the nominal level
    assert seq_any <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / 1000)
    _, seq_power, _ = _peek(0.15, np.random.default_rng(13))
    assert seq_power > 0.8  # and it still finds a real effect
