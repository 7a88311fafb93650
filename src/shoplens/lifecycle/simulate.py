"""Customers simulated from the BG/NBD and Gamma-Gamma processes, with known parameters.

Used by the tests (parameter recovery within sampling error) and by the benchmark
(a population of a million customers): the data has a known answer and nobody's
implementation of the likelihood is involved in drawing it.

Examples
--------
>>> df = simulate_bgnbd(1000, r=0.5, alpha=6.0, a=0.8, b=2.5, seed=1)
>>> list(df.columns)
['frequency', 'recency', 'T']
>>> bool((df.recency <= df["T"]).all())
True
>>> spend = simulate_spend(df.frequency, p=6.0, q=4.0, v=20.0, seed=1)
>>> bool((spend[df.frequency == 0] == 0).all() and (spend[df.frequency > 0] > 0).all())
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from shoplens.errors import InputError

__all__ = ["simulate_bgnbd", "simulate_paretonbd", "simulate_spend"]


def simulate_bgnbd(
    n: int,
    r: float,
    alpha: float,
    a: float,
    b: float,
    *,
    T: float | tuple[float, float] | ArrayLike = (20.0, 52.0),
    ceil_recency: bool = False,
    seed: int = 0,
) -> pd.DataFrame:
    """Draw ``n`` customers from the BG/NBD process and summarise them.

    Each customer buys at Poisson rate ``λ ~ Gamma(r, α)`` (``α`` is a rate: mean
    ``r / α`` purchases per time unit) and drops out after each purchase with
    probability ``p ~ Beta(a, b)``; the first purchase is at time 0.

    Parameters
    ----------
    n
        Number of customers.
    r, alpha, a, b
        BG/NBD parameters, ``alpha`` in the time unit of ``T``.
    T
        Age of each customer at the end of observation: one number, ``(low, high)``
        for a uniform draw, or one value per customer.
    ceil_recency
        Round the time of the last purchase up to a whole time unit (at least 1,
        at most ``T``), as a summary at day precision does.
    seed
        Seed of the generator.

    Returns
    -------
    pandas.DataFrame
        ``frequency`` (repeat purchases), ``recency`` (age at the last purchase, 0
        without repeats) and ``T``.

    Examples
    --------
    >>> simulate_bgnbd(3, 0.5, 6.0, 0.8, 2.5, T=[10, 20, 30], seed=0)["T"].tolist()
    [10.0, 20.0, 30.0]
    """
    if n < 1 or min(r, alpha, a, b) <= 0:
        raise InputError("n must be >= 1 and r, alpha, a, b positive")
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    drop = rng.beta(a, b, n)
    if isinstance(T, tuple):
        big_t = rng.uniform(T[0], T[1], n)
    else:
        big_t = np.broadcast_to(np.asarray(T, dtype=np.float64), (n,)).copy()
    if (big_t <= 0).any():
        raise InputError("T must be positive")
    t = np.zeros(n)
    x = np.zeros(n)
    tx = np.zeros(n)
    alive = np.ones(n, bool)
    while alive.any():
        t = t + rng.exponential(1.0, n) / lam
        buy = alive & (t <= big_t)
        x[buy] += 1
        tx[buy] = t[buy]
        alive = buy & (rng.random(n) >= drop)
    if ceil_recency:
        tx = np.where(x > 0, np.clip(np.ceil(tx), 1.0, big_t), 0.0)
    return pd.DataFrame({"frequency": x, "recency": tx, "T": big_t})


def simulate_paretonbd(
    n: int,
    r: float,
    alpha: float,
    s: float,
    beta: float,
    *,
    T: float | tuple[float, float] | ArrayLike = (20.0, 52.0),
    ceil_recency: bool = False,
    seed: int = 0,
) -> pd.DataFrame:
    """Draw ``n`` customers from the Pareto/NBD process and summarise them.

    Each customer buys at Poisson rate ``λ ~ Gamma(r, α)`` while alive and dies at an
    exponential time with rate ``μ ~ Gamma(s, β)`` (``α``, ``β`` are rates); the first
    purchase is at time 0. Given the observed lifetime ``min(death, T)``, the repeat
    count is Poisson and the last of ``x`` uniform purchase times is drawn directly.

    Parameters
    ----------
    n
        Number of customers.
    r, alpha, s, beta
        Pareto/NBD parameters, ``alpha`` and ``beta`` in the time unit of ``T``.
    T, ceil_recency, seed
        As in :func:`simulate_bgnbd`.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency`` and ``T``.

    Examples
    --------
    >>> df = simulate_paretonbd(1000, 0.55, 10.6, 0.61, 11.7, T=39.0, seed=0)
    >>> bool((df.recency <= df["T"]).all() and (df.recency[df.frequency == 0] == 0).all())
    True
    """
    if n < 1 or min(r, alpha, s, beta) <= 0:
        raise InputError("n must be >= 1 and r, alpha, s, beta positive")
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    if isinstance(T, tuple):
        big_t = rng.uniform(T[0], T[1], n)
    else:
        big_t = np.broadcast_to(np.asarray(T, dtype=np.float64), (n,)).copy()
    if (big_t <= 0).any():
        raise InputError("T must be positive")
    with np.errstate(divide="ignore"):
        death = rng.exponential(1.0, n) / mu
    seen = np.minimum(death, big_t)
    x = rng.poisson(lam * seen).astype(np.float64)
    # the largest of x uniform times on (0, seen) is seen * U^(1/x)
    tx = np.where(x > 0, seen * rng.random(n) ** (1.0 / np.maximum(x, 1.0)), 0.0)
    if ceil_recency:
        tx = np.where(x > 0, np.clip(np.ceil(tx), 1.0, big_t), 0.0)
    return pd.DataFrame({"frequency": x, "recency": tx, "T": big_t})


def simulate_spend(
    frequency: ArrayLike, p: float, q: float, v: float, *, seed: int = 0
) -> np.ndarray:
    """Average value of each customer's repeat purchases under the Gamma-Gamma model.

    Each transaction is ``Gamma(p, ν)`` with ``ν ~ Gamma(q, v)`` per customer, so the
    mean of ``x`` transactions is ``Gamma(p x, ν x)``; customers without repeat
    purchases get 0.

    Examples
    --------
    >>> simulate_spend([0, 2], 6.0, 4.0, 20.0, seed=0)[0]
    np.float64(0.0)
    """
    x = np.asarray(frequency, dtype=np.float64)
    if min(p, q, v) <= 0:
        raise InputError("p, q and v must be positive")
    rng = np.random.default_rng(seed)
    nu = rng.gamma(q, 1.0 / v, len(x))
    xs = np.maximum(x, 1.0)
    return np.where(x > 0, rng.gamma(p * xs, 1.0 / (nu * xs)), 0.0)
