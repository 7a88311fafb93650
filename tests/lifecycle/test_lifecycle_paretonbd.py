"""Pareto/NBD likelihood by quadrature: value against lifetimes and mpmath, gradient against
finite differences, parameter recovery on simulated customers."""

from __future__ import annotations

import lifetimes
import mpmath
import numpy as np
import pytest

from shoplens.lifecycle import ParetoNBD, simulate_paretonbd
from shoplens.lifecycle.paretonbd import log_integral

# (r, alpha, s, beta): alpha > beta, alpha < beta, alpha == beta (to 1e-9 and exactly),
# far apart both ways, and the CDNOW estimate
POINTS = [
    (0.553, 10.578, 0.606, 11.669),
    (0.8, 25.0, 1.4, 3.0),
    (0.3, 2.0, 0.4, 40.0),
    (1.2, 7.5, 0.9, 7.5 * (1 + 1e-9)),
    (0.5, 12.0, 0.7, 12.0),
    (2.5, 150.0, 0.08, 0.2),
    (0.07, 0.15, 3.0, 180.0),
]


def customers(seed: int = 0, n: int = 400) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random histories with the edge cases: no repeats, ``tx == T``, ``tx`` just below
    ``T``, many repeats early in a long life, ``T`` tiny."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(0.5, 80.0, n)
    x = rng.integers(0, 60, n).astype(float)
    x[: n // 4] = 0
    tx = np.where(x > 0, T * rng.uniform(0, 1, n) ** 0.3, 0.0)
    tx[n // 4 : n // 4 + 20] = T[n // 4 : n // 4 + 20]
    tx[n // 4 + 20 : n // 4 + 40] = T[n // 4 + 20 : n // 4 + 40] * (1 - 1e-7)
    x[-10:], tx[-10:], T[-10:] = 200.0, 1.0, 80.0
    T[-20:-10], tx[-20:-10], x[-20:-10] = 1e-3, 0.0, 0.0
    return x, tx, T


@pytest.mark.parametrize("params", POINTS)
def test_loglik_matches_lifetimes(params):
    x, tx, T = customers()
    p = np.array(params)
    ours = ParetoNBD._loglik(p, x, tx, T)
    peer = lifetimes.ParetoNBDFitter._conditional_log_likelihood(p, x, tx, T)
    # lifetimes' hypergeometric difference cancels when tx is close to T: skip those rows
    ok = np.isfinite(peer) & ((T - tx) / T > 1e-5)
    assert ok.sum() > 300
    np.testing.assert_allclose(ours[ok], peer[ok], rtol=1e-10, atol=1e-9)
    assert np.isfinite(ours).all()


@pytest.mark.parametrize(
    ("params", "x", "tx", "T"),
    [
        ((0.553, 10.578, 0.606, 11.669), 0.0, 0.0, 38.9),
        ((0.553, 10.578, 0.606, 11.669), 12.0, 30.0, 30.0 + 1e-6),
        ((0.8, 25.0, 1.4, 3.0), 200.0, 1.0, 80.0),
        ((0.07, 0.15, 3.0, 180.0), 3.0, 0.5, 400.0),
        ((2.5, 150.0, 0.08, 0.2), 40.0, 2.0, 52.0),
    ],
)
def test_integral_matches_mpmath(params, x, tx, T):
    """``I = ∫_tx^T (α+τ)^-(r+x) (β+τ)^-(s+1) dτ`` by 30-digit tanh-sinh quadrature on
    80 subintervals graded towards ``tx`` (steep integrands need them: two equal halves
    give a wrong 4th digit at x = 200)."""
    r, a, s, b = params
    mpmath.mp.dps = 30
    integrand = lambda u: (a + u) ** -(r + x) * (b + u) ** -(s + 1)  # noqa: E731
    ref = mpmath.quad(integrand, [tx + (T - tx) * (mpmath.mpf(j) / 80) ** 3 for j in range(81)])
    got, _ = log_integral(np.array(params), np.array([x]), np.array([tx]), np.array([T]))
    assert got[0] == pytest.approx(float(mpmath.log(ref)), rel=1e-11, abs=1e-11)


@pytest.mark.parametrize("params", POINTS)
def test_analytic_gradient_matches_finite_differences(params, numeric_log_gradient):
    x, tx, T = customers(seed=1)
    model = ParetoNBD()
    data = model._prepare(x, tx, T, None)
    logp = np.log(params)
    total, grad = model._total(np.exp(logp), data, True)
    assert np.isfinite(total)
    numeric = numeric_log_gradient(model, params, data)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-4)


def test_integral_gradient_matches_finite_differences_per_row():
    """Each row's ``∂ log I/∂θ`` (not only the sum), in natural parameters."""
    x, tx, T = customers(seed=2, n=120)
    p = np.array([0.9, 6.0, 0.5, 9.0])
    li, g = log_integral(p, x, tx, T, grad=True)
    live = np.isfinite(li)
    for i in range(4):
        h = 1e-6 * p[i]
        up, down = p.copy(), p.copy()
        up[i] += h
        down[i] -= h
        num = (log_integral(up, x, tx, T)[0] - log_integral(down, x, tx, T)[0]) / (2 * h)
        np.testing.assert_allclose(g[live, i], num[live], rtol=1e-6, atol=1e-7)


def test_recovers_simulated_parameters():
    true = {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7}
    df = simulate_paretonbd(30_000, **true, T=(20.0, 80.0), seed=11)
    m = ParetoNBD().fit(df["frequency"], df["recency"], df["T"])
    for k, v in true.items():  # s and beta are the hardest to pin down
        assert abs(m.params_[k] / v - 1) < 0.2, (k, m.params_[k], v)
    few = df.iloc[:4000]  # lifetimes in the same run (slow on Pareto/NBD: a subset)
    ours = ParetoNBD().fit(few["frequency"], few["recency"], few["T"])
    peer = lifetimes.ParetoNBDFitter().fit(few["frequency"], few["recency"], few["T"])
    got = np.array(list(ours.params_.values()))
    want = peer.params_[["r", "alpha", "s", "beta"]].to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-3)
