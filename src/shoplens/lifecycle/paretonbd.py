"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987), as in Fader & Hardie's note.

While alive a customer buys as a Poisson process with rate ``λ ~ Gamma(r, α)``; the
lifetime is exponential with rate ``μ ~ Gamma(s, β)``. The likelihood's "dropped out
after the last purchase" part is usually written with the Gauss hypergeometric function
(``A0``, eq. 19 of the note), whose derivatives in ``r`` and ``s`` go through its
parameters. Here it is the integral over the drop-out time (:func:`log_integral`),
evaluated by fixed-node Gauss-Legendre quadrature in log space; the integrand is
differentiated analytically, so the gradient in all four parameters is analytic too.
The value agrees with the hypergeometric form (and with ``lifetimes``) to ~1e-13.

Examples
--------
>>> model = ParetoNBD()
>>> model._set_params([0.553, 10.578, 0.606, 11.669])  # CDNOW estimates
>>> round(float(model.expected_number_of_purchases_up_to_time(39.0)), 3)
1.213
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, expit, gammaln, logsumexp

from shoplens.lifecycle.btyd import BTYDModel, FloatArray, check_rft

__all__ = ["ParetoNBD", "log_integral"]


# Composite Gauss-Legendre rule: NODES per panel; a row gets enough panels that, in the
# integration variable log(c + τ), its integrand changes by at most e^RATE and the log
# spans at most WIDTH per panel (the integrand is analytic in a strip of half-width π
# around the real axis, so both keep the error near machine precision).
NODES = 12
RATE = 10.0
WIDTH = 2.0
MAX_PANELS = 64
_BLOCK = 1 << 20  # quadrature points evaluated at once (memory bound)


@lru_cache(maxsize=MAX_PANELS)
def _rule(panels: int) -> tuple[FloatArray, FloatArray]:
    """Nodes in ``[0, 1]`` and log-weights of ``panels`` equal Gauss-Legendre panels."""
    xi, wi = np.polynomial.legendre.leggauss(NODES)
    starts = np.arange(panels)[:, None]
    nodes = ((starts + (xi[None, :] + 1.0) / 2.0) / panels).ravel()
    logw = np.log(np.tile(wi / (2.0 * panels), panels))
    return nodes, logw


def log_integral(
    params: FloatArray, x: FloatArray, tx: FloatArray, t: FloatArray, grad: bool = False
) -> tuple[FloatArray, FloatArray | None]:
    """``log I`` and, with ``grad``, its gradient in ``(r, α, s, β)``, per row.

    ``I = ∫_tx^T (α+τ)^-(r+x) (β+τ)^-(s+1) dτ`` is the likelihood's "dropped out
    between the last purchase and T" part (integral over the drop-out time τ; it equals
    ``A0 / (r+s+x)`` of Fader & Hardie's note, without the hypergeometric function and
    without the cancellation of its two-term difference when ``tx`` is close to ``T``).

    Its limits do not depend on the parameters, so each derivative is the integral of
    the integrand's derivative, e.g. ``∂I/∂r = ∫ -log(α+τ) f dτ``: with the same nodes,
    ``∂ log I/∂θ`` is the quadrature-weighted mean of ``∂ log f/∂θ``. The integral is
    taken in ``u = log(c+τ)``, ``c = min(α, β)``, where the integrand is smooth and
    analytic in a strip of half-width π, with a composite Gauss-Legendre rule whose
    panel count per row bounds how much the integrand can change within a panel;
    everything stays in log space (``logsumexp`` over the nodes). ``-inf`` where
    ``tx == T``.

    Examples
    --------
    >>> p = np.array([0.5, 10.0, 0.6, 12.0])
    >>> li, _ = log_integral(p, np.array([2.0]), np.array([20.0]), np.array([20.0]))
    >>> float(li[0])
    -inf
    """
    rr, alpha, s, beta = params
    x, tx, t = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, tx, t)))
    shape = x.shape
    x, tx, t = x.ravel(), tx.ravel(), t.ravel()
    c = min(alpha, beta)
    oa, ob = alpha - c, beta - c  # one of them is 0
    t0 = np.log(c + tx)
    span = np.log1p((t - tx) / (c + tx))  # log((c+T)/(c+tx)), accurate when tx ~ T
    rate = np.maximum(rr + s + x, 1.0) * span  # |d log integrand / du| <= max(k, 1)
    panels = np.clip(np.ceil(np.maximum(rate / RATE, span / WIDTH)), 1, MAX_PANELS)
    panels = panels.astype(np.intp)
    out = np.full(len(x), -np.inf)
    g = np.zeros((len(x), 4)) if grad else None
    live = span > 0
    for p in np.unique(panels[live]):
        nodes, logw = _rule(int(p))
        rows = np.flatnonzero(live & (panels == p))
        step = max(1, _BLOCK // len(nodes))
        for lo in range(0, len(rows), step):
            i = rows[lo : lo + step]
            u = t0[i, None] + span[i, None] * nodes[None, :]
            y = np.exp(u)
            la = np.log(y + oa)
            lb = np.log(y + ob)
            rx = rr + x[i, None]
            term = u - rx * la - (s + 1.0) * lb + logw + np.log(span[i, None])
            total = logsumexp(term, axis=1)
            out[i] = total
            if g is not None:
                wt = np.exp(term - total[:, None])
                g[i, 0] = -np.einsum("ij,ij->i", wt, la)
                g[i, 1] = -rx[:, 0] * np.einsum("ij,ij->i", wt, 1.0 / (y + oa))
                g[i, 2] = -np.einsum("ij,ij->i", wt, lb)
                g[i, 3] = -(s + 1.0) * np.einsum("ij,ij->i", wt, 1.0 / (y + ob))
    return out.reshape(shape), (None if g is None else g.reshape(*shape, 4))


def _log_a0(params: FloatArray, x: FloatArray, tx: FloatArray, t: FloatArray) -> FloatArray:
    """``log A0`` of Fader & Hardie (2005), eq. (19): ``log(r+s+x) + log I``."""
    rr, _, s, _ = params
    return np.log(rr + s + np.asarray(x, dtype=np.float64)) + log_integral(params, x, tx, t)[0]


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
        return ParetoNBD._loglik_and_grad(params, x, tx, t, False)[0]

    @staticmethod
    def _loglik_and_grad(
        params: FloatArray, x: FloatArray, tx: FloatArray, t: FloatArray, grad: bool
    ) -> tuple[FloatArray, FloatArray | None]:
        """Per-row log-likelihood and its gradient in log-parameters.

        ``ll = log Γ(r+x)/Γ(r) + r log α + s log β + logaddexp(alive, dropped)`` with
        ``alive = -(r+x) log(α+T) - s log(β+T)`` (still buying at ``T``) and
        ``dropped = log s + log I`` (dropped out in ``(tx, T]``, :func:`log_integral`).
        The gradient mixes the two branches' derivatives with the posterior weight
        ``q = expit(dropped - alive)`` of the second.
        """
        rr, alpha, s, beta = params
        rx = rr + x
        log_at = np.log(alpha + t)
        log_bt = np.log(beta + t)
        li, gi = log_integral(params, x, tx, t, grad)
        alive = -rx * log_at - s * log_bt
        dropped = np.log(s) + li
        a1 = gammaln(rx) - gammaln(rr) + rr * np.log(alpha) + s * np.log(beta)
        ll = a1 + np.logaddexp(alive, dropped)
        if not grad or gi is None:
            return ll, None
        q = expit(dropped - alive)
        p = 1.0 - q
        g = np.empty((len(ll), 4))
        g[:, 0] = digamma(rx) - digamma(rr) + np.log(alpha) - p * log_at + q * gi[:, 0]
        g[:, 1] = rr / alpha - p * rx / (alpha + t) + q * gi[:, 1]
        g[:, 2] = np.log(beta) - p * log_bt + q * (1.0 / s + gi[:, 2])
        g[:, 3] = s / beta - p * s / (beta + t) + q * gi[:, 3]
        return ll, g * params  # d/d log θ = θ d/dθ

    def _loglik_grad(
        self, params: FloatArray, f: FloatArray, r: FloatArray, t: FloatArray, grad: bool
    ) -> tuple[FloatArray, FloatArray | None]:
        return self._loglik_and_grad(params, f, r, t, grad)

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
