"""An always-valid decision rule: the mixture sequential probability ratio test (mSPRT).

For an estimated difference ``d`` with variance ``s2`` (``var1/n1 + var0/n0``) and a
normal mixing prior ``N(0, tau^2)`` on the true difference, the mixture likelihood ratio
against "no difference" is

``Lambda = sqrt(s2 / (s2 + tau^2)) * exp(d^2 tau^2 / (2 s2 (s2 + tau^2)))``

(Robbins 1970; Johari, Pekelis & Walsh 2017, "Always valid inference"). Under the null
``Lambda`` is a martingale, so by Ville's inequality ``P(sup_n Lambda_n >= 1/alpha) <= alpha``:
the running ``min(1, 1/max Lambda)`` is a p-value that may be read after every new unit
without inflating the false-positive rate. Peeking at a fixed-horizon t-test instead
rejects far more often (the tests simulate both). Written here in a few lines rather than
taking ``savvi`` (which pulls cvxpy and four solvers) - see docs/decisions/0024.

Examples
--------
>>> import numpy as np
>>> p = msprt_pvalues(np.array([0.0, 0.5, 0.1]), np.array([1.0, 0.01, 0.005]), tau=0.2)
>>> bool(p[1] < 0.05) and bool(p[2] <= p[1])
True
"""

from __future__ import annotations

import numpy as np

from shoplens.errors import InputError

__all__ = ["msprt_lambda", "msprt_pvalues"]


def msprt_lambda(estimate: np.ndarray, s2: np.ndarray, tau: float) -> np.ndarray:
    """The mixture likelihood ratio of each (difference, variance) pair.

    Examples
    --------
    >>> float(msprt_lambda(np.array([0.0]), np.array([1.0]), tau=1.0)[0]) == 0.5 ** 0.5
    True
    """
    if tau <= 0:
        raise InputError(f"tau (the prior's scale of the effect) must be positive, got {tau}")
    d = np.asarray(estimate, dtype=float)
    v = np.asarray(s2, dtype=float)
    t2 = tau * tau
    with np.errstate(divide="ignore", invalid="ignore"):
        log = 0.5 * np.log(v / (v + t2)) + d * d * t2 / (2.0 * v * (v + t2))
    return np.exp(np.where(v > 0, log, 0.0))


def msprt_pvalues(estimate: np.ndarray, s2: np.ndarray, tau: float) -> np.ndarray:
    """Always-valid p-values along the last axis (one entry per look, in time order)."""
    lam = msprt_lambda(estimate, s2, tau)
    return np.minimum.accumulate(np.minimum(1.0, 1.0 / lam), axis=-1)
