"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987), as in Fader & Hardie's note.

While alive a customer buys as a Poisson process with rate ``λ ~ Gamma(r, α)``; the
lifetime is exponential with rate ``μ ~ Gamma(s, β)``. The likelihood needs the Gauss
hypergeometric function; it is evaluated in log space, with Euler's transformation so
that the series always has positive terms, and combined with signed ``logsumexp``.

Examples
--------
>>> model = ParetoNBD()
>>> model._set_params([0.553, 10.578, 0.606, 11.669])  # CDNOW estimates
>>> round(float(model.expected_number_of_purchases_up_to_time(39.0)), 3)
1.213
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, gammaln, hyp2f1, logsumexp

from shoplens.lifecycle.btyd import BTYDModel, FloatArray, check_rft, numeric_gradient

__all__ = ["ParetoNBD"]


def _log_a0(params: FloatArray, x: FloatArray, tx: FloatArray, t: FloatArray) -> FloatArray:
    """``log A0`` of Fader & Hardie (2005), eq. (19), ``-inf`` where ``tx == T``.

    ``A0 = F(z1)/(m+tx)^k - F(z2)/(m+T)^k`` with ``k = r+s+x``, ``m = max(α, β)`` and
    ``F(z) = 2F1(k, u; k+1; z)``; Euler's transform gives
    ``F(z) = (1-z)^(1-u) 2F1(1, k+1-u; k+1; z)``, a series of positive terms.
    """
    rr, alpha, s, beta = params
    k = rr + s + x
    if alpha >= beta:
        big, u = alpha, s + 1.0
    else:
        big, u = beta, rr + x
    gap = abs(alpha - beta)
    q1 = big + tx
    q2 = big + t
    z1 = gap / q1
    z2 = gap / q2
    with np.errstate(all="ignore"):
        lf1 = (1.0 - u) * np.log1p(-z1) + np.log(hyp2f1(1.0, k + 1.0 - u, k + 1.0, z1))
        lf2 = (1.0 - u) * np.log1p(-z2) + np.log(hyp2f1(1.0, k + 1.0 - u, k + 1.0, z2))
        terms = np.stack([lf1 - k * np.log(q1), lf2 - k * np.log(q2)])
        signs = np.stack([np.ones_like(lf1), -np.ones_like(lf2)])
        out, sign = logsumexp(terms, axis=0, b=signs, return_sign=True)
    return np.where((sign > 0) & (tx < t), out, -np.inf)


class ParetoNBD(BTYDModel):
    """Pareto/NBD transaction model.

    Parameters
    ----------
    penalizer_coef
        L2 penalty on the parameters (``lifetimes`` convention); 0 gives the MLE.
    tol
        Relative tolerance of the optimiser on the objective.
    max_iter
        Iteration cap of L-BFGS-B.

    Attributes
    ----------
    params_ : dict
        ``{"r", "alpha", "s", "beta"}``; also as ``r_``, ``alpha_``, ``s_``, ``beta_``.
    log_likelihood_ : float
        Total log-likelihood at the estimate.

    Examples
    --------
    >>> import numpy as np
    >>> m = ParetoNBD()
    >>> m._set_params([0.553, 10.578, 0.606, 11.669])
    >>> float(m.conditional_probability_alive(0, 0.0, 38.86)[0]) < 0.5
    True
    """

    param_names = ("r", "alpha", "s", "beta")

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> ParetoNBD:
        """Estimate ``r, alpha, s, beta`` by maximum likelihood.

        Parameters
        ----------
        frequency, recency, T
            Per-customer repeat purchases, age at last purchase, age at the end.
        weights
            Optional count of customers behind each row.

        Returns
        -------
        ParetoNBD
            ``self``, fitted.

        Raises
        ------
        InputError
            Empty or inconsistent input, fewer than two customers or no repeat buyer.
        ConvergenceError
            When the optimiser ends without finite, interior parameters.
        """
        scale = max(float(np.mean(T)) if np.size(T) else 1.0, 1e-3)
        x0 = np.log(np.array([0.5, scale / 4.0, 0.5, scale / 4.0]))
        return self._fit(frequency, recency, T, weights, x0)  # type: ignore[return-value]

    @staticmethod
    def _loglik(params: FloatArray, x: FloatArray, tx: FloatArray, t: FloatArray) -> FloatArray:
        rr, alpha, s, beta = params
        a1 = gammaln(rr + x) - gammaln(rr) + rr * np.log(alpha) + s * np.log(beta)
        first = -(rr + x) * np.log(alpha + t) - s * np.log(beta + t)
        second = np.log(s) - np.log(rr + s + x) + _log_a0(params, x, tx, t)
        return a1 + np.logaddexp(first, second)

    def _loglik_grad(
        self, params: FloatArray, f: FloatArray, r: FloatArray, t: FloatArray, grad: bool
    ) -> tuple[FloatArray, FloatArray | None]:
        ll = self._loglik(params, f, r, t)
        if not grad:
            return ll, None
        return ll, numeric_gradient(lambda p: self._loglik(p, f, r, t), params)

    # -- predictions ------------------------------------------------------------------
    def conditional_probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Probability that a customer with history ``(frequency, recency, T)`` is alive."""
        params = self._params()
        rr, alpha, s, beta = params
        x, tx, t = check_rft(frequency, recency, T)
        log_odds = (
            np.log(s)
            - np.log(rr + s + x)
            + (rr + x) * np.log(alpha + t)
            + s * np.log(beta + t)
            + _log_a0(params, x, tx, t)
        )
        return expit(-log_odds)

    def expected_number_of_purchases_up_to_time(self, t: ArrayLike) -> FloatArray:
        """Expected purchases of a new customer in ``(0, t]``."""
        rr, alpha, s, beta = self._params()
        t = np.asarray(t, dtype=float)
        return rr * beta / (alpha * (s - 1)) * (1.0 - (beta / (beta + t)) ** (s - 1))

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Expected purchases in ``(T, T + t]`` given the history."""
        params = self._params()
        rr, alpha, s, beta = params
        x, tx, big_t = check_rft(frequency, recency, T)
        t = np.asarray(t, dtype=float)
        ll = self._loglik(params, x, tx, big_t)
        first = (
            gammaln(rr + x)
            - gammaln(rr)
            + rr * np.log(alpha)
            + s * np.log(beta)
            - (rr + x) * np.log(alpha + big_t)
            - s * np.log(beta + big_t)
        )
        second = np.log(rr + x) + np.log(beta + big_t) - np.log(alpha + big_t)
        third = np.log((1.0 - ((beta + big_t) / (beta + big_t + t)) ** (s - 1)) / (s - 1))
        return np.exp(first + second + third - ll)

    def predict(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray:
        """Alias of :meth:`conditional_expected_number_of_purchases_up_to_time`."""
        return self.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)
