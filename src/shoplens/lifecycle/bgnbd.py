"""BG/NBD: the beta-geometric / negative binomial model (Fader, Hardie & Lee 2005).

While alive, a customer buys as a Poisson process with rate ``λ ~ Gamma(r, α)``; after
each purchase they drop out with probability ``p ~ Beta(a, b)``. Fitted by maximum
likelihood on ``(frequency, recency, T)``; the log-likelihood is written in log space
(``gammaln``, ``betaln``, ``logaddexp``) and its gradient analytically.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> f = rng.poisson(1.0, 500).astype(float)
>>> T = np.full(500, 40.0)
>>> r = np.where(f > 0, rng.uniform(1, 40, 500), 0.0)
>>> model = BGNBD(penalizer_coef=0.01).fit(f, r, T)
>>> sorted(model.params_)
['a', 'alpha', 'b', 'r']
>>> bool(0 <= model.conditional_probability_alive(1, 30.0, 40.0) <= 1)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from shoplens.lifecycle.btyd import BTYDModel, FloatArray, _compress_codes, _dot, check_rft

__all__ = ["BGNBD"]


def _log_hyp2f1(a: FloatArray, b: FloatArray, c: FloatArray, z: FloatArray) -> FloatArray:
    """``log 2F1(a, b; c; z)`` with Euler's transform where the direct series overflows."""
    with np.errstate(all="ignore"):
        direct = np.log(hyp2f1(a, b, c, z))
        alt = np.log(hyp2f1(c - a, c - b, c, z)) + (c - a - b) * np.log1p(-z)
    return np.where(np.isfinite(direct), direct, alt)


class BGNBD(BTYDModel):
    """BG/NBD transaction model.

    Parameters
    ----------
    penalizer_coef
        L2 penalty on the parameters added to the mean negative log-likelihood
        (``lifetimes`` convention); 0 gives the maximum likelihood estimate.
    tol
        Relative tolerance of the optimiser on the objective.
    max_iter
        Iteration cap of L-BFGS-B.

    Attributes
    ----------
    params_ : dict
        ``{"r", "alpha", "a", "b"}``; also as ``r_``, ``alpha_``, ``a_``, ``b_``.
    log_likelihood_ : float
        Total log-likelihood at the estimate (comparable with the papers).
    n_customers_ : int
        Customers (sum of weights) fitted.

    Examples
    --------
    >>> model = BGNBD()
    >>> model._set_params([0.243, 4.414, 0.793, 2.426])  # CDNOW estimates
    >>> round(float(model.expected_number_of_purchases_up_to_time(39.0)), 3)
    1.197
    """

    param_names = ("r", "alpha", "a", "b")

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> BGNBD:
        """Estimate ``r, alpha, a, b`` by maximum likelihood.

        Parameters
        ----------
        frequency, recency, T
            Per-customer repeat purchases, age at last purchase and age at the end of
            the period (same time unit). Identical rows are merged internally.
        weights
            Optional count of customers behind each row.

        Returns
        -------
        BGNBD
            ``self``, fitted.

        Raises
        ------
        InputError
            Empty or inconsistent input, fewer than two customers or no repeat buyer.
        ConvergenceError
            When the optimiser ends without finite, interior parameters.
        """
        f = np.asarray(frequency, dtype=float)
        x0 = np.log(
            np.array([0.5, max(float(np.mean(T)) / 5.0 if np.size(T) else 1.0, 1e-3), 1.0, 1.0])
        )
        return self._fit(f, recency, T, weights, x0)  # type: ignore[return-value]

    def _prepare(
        self, f: FloatArray, r: FloatArray, t: FloatArray, w: FloatArray | None
    ) -> dict[str, Any]:
        f, r, ri, ur, ti, ut, w = _compress_codes(f, r, t, w)
        rep = f > 0
        # customers without repeats contribute r * log(alpha / (alpha + T)): one term per T
        zero_w = np.bincount(ti[~rep], weights=w[~rep], minlength=len(ut))
        x, w_rep = f[rep], w[rep]
        ux, xi = np.unique(x, return_inverse=True)
        return {
            "total": float(w.sum()),
            "ut": ut,
            "zero_w": zero_w,
            "ur": ur,
            "ri": ri[rep],
            "ti": ti[rep],
            "x": x,
            "w": w_rep,
            "wx": w_rep * x,
            "ux": ux,
            "xi": xi,
            "wsum_x": np.bincount(xi, weights=w_rep, minlength=len(ux)),
        }

    def _total(
        self, params: FloatArray, data: dict[str, Any], grad: bool
    ) -> tuple[float, FloatArray | None]:
        """Summed log-likelihood from the reduction of :meth:`_prepare`.

        For a repeat buyer, with ``d = log((b+x-1)/a) - (r+x) log((α+T)/(α+tx))`` (the
        log-odds of being alive, see :meth:`conditional_probability_alive`)::

            ll = C(x) + log B(a+1, b+x-1) - (r+x) log(α+tx) + softplus(d)

        where ``C(x)`` and the beta function depend on ``x`` only (computed once per
        distinct ``x``); only ``log(α+tx)``, ``log(α+T)`` (once per distinct value) and
        ``softplus(d)`` are per row. Customers without repeats reduce to
        ``r log(α/(α+T))``, summed per distinct ``T``.
        """
        rr, alpha, a, b = params
        ux, xi, ws, w, wx = data["ux"], data["xi"], data["wsum_x"], data["w"], data["wx"]
        zero_w, ut = data["zero_w"], data["ut"]
        log_alpha = np.log(alpha)
        log_at_u = np.log(alpha + ut)
        log_at = log_at_u[data["ti"]]
        log_ar = np.log(alpha + data["ur"])[data["ri"]]
        rx = rr + data["x"]
        d = np.log((b + ux - 1) / a)[xi] - rx * (log_at - log_ar)
        per_x = gammaln(rr + ux) - gammaln(rr) + rr * log_alpha - betaln(a, b)
        per_x = per_x + betaln(a + 1, b + ux - 1)
        sum_log_ar = _dot(w, log_ar)
        sum_x_log_ar = _dot(wx, log_ar)
        zero_part = rr * _dot(zero_w, log_alpha - log_at_u)
        ll = _dot(ws, per_x) - rr * sum_log_ar - sum_x_log_ar + _dot(w, np.logaddexp(d, 0.0))
        ll += zero_part
        if not grad:
            return ll, None
        pa = expit(d)  # weight of the "still alive" term
        wpa = w * pa
        wpd = w - wpa  # weight of the "dropped out after the last purchase" term
        # d/dr
        g_r = _dot(ws, digamma(rr + ux) - digamma(rr) + log_alpha)
        g_r -= _dot(wpa, log_at) + _dot(wpd, log_ar)
        g_r += _dot(zero_w, log_alpha - log_at_u)
        # d/dalpha
        inv_at = 1.0 / (alpha + data["ut"])
        inv_ar = 1.0 / (alpha + data["ur"])
        g_alpha = rr * float(ws.sum()) / alpha
        g_alpha -= _dot(wpa * rx, inv_at[data["ti"]]) + _dot(wpd * rx, inv_ar[data["ri"]])
        g_alpha += rr * _dot(zero_w, 1.0 / alpha - inv_at)
        # d/da and d/db: digamma(a+1) - digamma(a) = 1/a, digamma(b+x) - digamma(b+x-1) = 1/(b+x-1)
        dropped_x = np.bincount(xi, weights=wpd, minlength=len(ux))
        ab = digamma(a + b)
        abx = digamma(a + b + ux)
        g_a = _dot(ws, ab - abx) + float(dropped_x.sum()) / a
        g_b = _dot(ws, ab - digamma(b) - abx + digamma(b + ux))
        g_b -= _dot(dropped_x, 1.0 / (b + ux - 1))
        return ll, np.array([g_r * rr, g_alpha * alpha, g_a * a, g_b * b])

    # -- predictions ------------------------------------------------------------------
    def conditional_probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Probability that a customer with history ``(frequency, recency, T)`` is alive.

        Customers without a repeat purchase are alive with probability 1 under BG/NBD
        (drop-out happens only right after a purchase).
        """
        rr, alpha, a, b = self._params()
        x, tx, t = check_rft(frequency, recency, T)
        xb = np.where(x > 0, x, 1.0)
        log_odds = (
            np.log(a) - np.log(b + xb - 1) + (rr + x) * (np.log(alpha + t) - np.log(alpha + tx))
        )
        return np.where(x > 0, expit(-log_odds), 1.0)

    def expected_number_of_purchases_up_to_time(self, t: ArrayLike) -> FloatArray:
        """Expected purchases of a new customer in ``(0, t]`` (eq. 9 of the paper)."""
        rr, alpha, a, b = self._params()
        t = np.asarray(t, dtype=float)
        z = t / (alpha + t)
        log_h = _log_hyp2f1(np.full_like(t, rr), np.full_like(t, b), np.full_like(t, a + b - 1), z)
        inner = 1.0 - np.exp(rr * np.log(alpha / (alpha + t)) + log_h)
        return (a + b - 1) / (a - 1) * inner

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Expected purchases in ``(T, T + t]`` given the history (eq. 10 of the paper)."""
        rr, alpha, a, b = self._params()
        x, tx, big_t = check_rft(frequency, recency, T)
        t = np.asarray(t, dtype=float)
        _a = rr + x
        _b = b + x
        _c = a + b + x - 1
        z = t / (alpha + big_t + t)
        log_h = _log_hyp2f1(_a, _b, _c, z)
        first = (a + b + x - 1) / (a - 1)
        second = 1.0 - np.exp(log_h + (rr + x) * np.log((alpha + big_t) / (alpha + t + big_t)))
        xb = np.where(x > 0, x, 1.0)
        odds = np.where(
            x > 0,
            np.exp(
                np.log(a)
                - np.log(b + xb - 1)
                + (rr + x) * (np.log(alpha + big_t) - np.log(alpha + tx))
            ),
            0.0,
        )
        return first * second / (1.0 + odds)

    def predict(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Alias of :meth:`conditional_expected_number_of_purchases_up_to_time`."""
        return self.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)
