"""Gamma-Gamma spend model and customer lifetime value (Fader & Hardie 2013).

The value of each of a customer's transactions is Gamma(p, ν); across customers
``ν ~ Gamma(q, γ)``. Fitted by maximum likelihood on repeat buyers' number of repeat
transactions ``x`` and their average value ``m``. Spend is assumed independent of the
purchase process, so CLV = expected purchases (BG/NBD or Pareto/NBD) × expected spend,
discounted per month as in ``lifetimes``.

Examples
--------
>>> gg = GammaGamma()
>>> gg._set_params([6.25, 3.74, 15.44])  # CDNOW estimates
>>> round(float(gg.conditional_expected_average_profit(2, 22.35)[0]), 2)
24.66
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from shoplens.errors import InputError
from shoplens.lifecycle.btyd import BTYDModel, FloatArray, _as_array, _check_weights, _dot

__all__ = ["GammaGamma", "TransactionModel"]

#: months per time unit of ``T`` (``lifetimes`` convention)
MONTH_FACTOR = {"W": 4.345, "M": 1.0, "D": 30.0, "H": 30.0 * 24}


class TransactionModel(Protocol):
    """What :meth:`GammaGamma.customer_lifetime_value` needs: BG/NBD or Pareto/NBD."""

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> FloatArray: ...


def _check_spend(frequency: ArrayLike, monetary_value: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = _as_array("frequency", frequency)
    m = _as_array("monetary_value", monetary_value)
    if len(x) != len(m):
        raise InputError(
            f"frequency and monetary_value must have the same length, got {len(x)} and {len(m)}"
        )
    if len(x) == 0:
        raise InputError("no customers given: frequency and monetary_value are empty")
    return x, m


class GammaGamma(BTYDModel):
    """Gamma-Gamma model of the average transaction value.

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
        ``{"p", "q", "v"}`` (``v`` is the paper's γ); also ``p_``, ``q_``, ``v_``.
    log_likelihood_ : float
        Total log-likelihood at the estimate.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> x = rng.integers(1, 6, 400)
    >>> nu = rng.gamma(4.0, 1 / 20.0, 400)
    >>> m = rng.gamma(6.0 * x, 1 / (nu * x))
    >>> gg = GammaGamma().fit(x, m)
    >>> sorted(gg.params_)
    ['p', 'q', 'v']
    """

    param_names = ("p", "q", "v")

    def fit(
        self,
        frequency: ArrayLike,
        monetary_value: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> GammaGamma:
        """Estimate ``p, q, v`` on repeat buyers.

        Parameters
        ----------
        frequency
            Repeat transactions per customer; all must be > 0 (filter first).
        monetary_value
            Average value of those repeat transactions; all must be > 0.
        weights
            Optional count of customers behind each row.

        Returns
        -------
        GammaGamma
            ``self``, fitted.

        Raises
        ------
        InputError
            Customers without repeat purchases, non-positive values, fewer than two rows.
        ConvergenceError
            When the optimiser ends without finite, interior parameters.
        """
        x, m = _check_spend(frequency, monetary_value)
        if (x <= 0).any():
            raise InputError(
                f"{int((x <= 0).sum())} customers have no repeat purchase; fit the "
                "Gamma-Gamma model on repeat buyers only (frequency > 0)"
            )
        if (m <= 0).any():
            raise InputError(
                f"{int((m <= 0).sum())} customers have a zero or negative monetary_value; "
                "the Gamma-Gamma model needs positive spend (drop refunds or zero orders)"
            )
        if len(x) < 2:
            raise InputError(f"need at least 2 repeat buyers to fit, got {len(x)}")
        x0 = np.log(np.array([1.0, 1.0, float(np.mean(m))]))
        w = _check_weights(weights, len(x))
        return self._estimate(self._prepare(x, m, None, w), x0)  # type: ignore[return-value]

    def _prepare(
        self, f: FloatArray, r: FloatArray, t: FloatArray | None, w: FloatArray | None
    ) -> dict[str, Any]:
        """Sufficient statistics per distinct ``x``; only ``m x`` stays per row.

        ``ll = c(x) + q log v + (p x - 1) log m + p x log x - (p x + q) log(v + m x)``:
        every term but the last sums per distinct ``x`` (``Σ log m`` precomputed), so an
        evaluation costs one ``log`` per customer. ``r`` holds the average spend ``m``.
        """
        x, m = f, r
        w = np.ones_like(x) if w is None else w
        ux, xi = np.unique(x, return_inverse=True)
        return {
            "total": float(w.sum()),
            "ux": ux,
            "n_x": np.bincount(xi, weights=w, minlength=len(ux)),
            "log_m_x": np.bincount(xi, weights=w * np.log(m), minlength=len(ux)),
            "mx": m * x,
            "w": w,
            "wx": w * x,
        }

    def _total(
        self, params: FloatArray, data: dict[str, Any], grad: bool
    ) -> tuple[float, FloatArray | None]:
        p, q, v = params
        ux, n_x, log_m_x, mx, w, wx = (data[k] for k in ("ux", "n_x", "log_m_x", "mx", "w", "wx"))
        pux = p * ux
        log_ux = np.log(ux)
        log_vmx = np.log(v + mx)
        s_l, s_xl = _dot(w, log_vmx), _dot(wx, log_vmx)
        const = gammaln(pux + q) - gammaln(pux) - gammaln(q) + q * np.log(v) + pux * log_ux
        ll = _dot(n_x, const) + _dot(pux - 1, log_m_x) - p * s_xl - q * s_l
        if not grad:
            return ll, None
        inv = 1.0 / (v + mx)
        dg = digamma(pux + q)
        g_p = _dot(ux, n_x * (dg - digamma(pux) + log_ux) + log_m_x) - s_xl
        g_q = _dot(n_x, dg - digamma(q) + np.log(v)) - s_l
        g_v = q * data["total"] / v - p * _dot(wx, inv) - q * _dot(w, inv)
        return ll, np.array([g_p * p, g_q * q, g_v * v])

    def conditional_expected_average_profit(
        self, frequency: ArrayLike | None = None, monetary_value: ArrayLike | None = None
    ) -> FloatArray:
        """Expected average transaction value given ``x`` repeat purchases averaging ``m``.

        Without arguments, the population mean ``p v / (q - 1)``. Customers with
        ``frequency == 0`` get the population mean.
        """
        p, q, v = self._params()
        if frequency is None or monetary_value is None:
            return np.asarray(p * v / (q - 1))
        x, m = _check_spend(frequency, monetary_value)
        return (p * v + p * x * m) / (p * x + q - 1)

    def customer_lifetime_value(
        self,
        transaction_model: TransactionModel,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        monetary_value: ArrayLike,
        time: int = 12,
        discount_rate: float = 0.01,
        freq: str = "W",
    ) -> FloatArray:
        """Discounted expected value of each customer over the next ``time`` months.

        Same definition as ``lifetimes``: for each month ``i``, expected purchases in
        that month (from ``transaction_model``) times the expected average value,
        divided by ``(1 + discount_rate) ** i``.

        Parameters
        ----------
        transaction_model
            A fitted :class:`~shoplens.lifecycle.BGNBD` or
            :class:`~shoplens.lifecycle.ParetoNBD`.
        frequency, recency, T, monetary_value
            Customer summaries, ``T`` in the unit given by ``freq``.
        time
            Horizon in months.
        discount_rate
            Monthly discount rate.
        freq
            Unit of ``recency`` and ``T``: ``"D"``, ``"W"``, ``"M"`` or ``"H"``.

        Returns
        -------
        numpy.ndarray
            One value per customer.
        """
        if freq not in MONTH_FACTOR:
            raise InputError(f"freq must be one of {', '.join(MONTH_FACTOR)}, got {freq!r}")
        if time < 1 or discount_rate < 0:
            raise InputError("time must be >= 1 month and discount_rate >= 0")
        spend = self.conditional_expected_average_profit(frequency, monetary_value)
        factor = MONTH_FACTOR[freq]
        clv = np.zeros_like(spend)
        previous = transaction_model.conditional_expected_number_of_purchases_up_to_time(
            0.0, frequency, recency, T
        )
        for month in range(1, time + 1):
            current = transaction_model.conditional_expected_number_of_purchases_up_to_time(
                month * factor, frequency, recency, T
            )
            clv += spend * (current - previous) / (1 + discount_rate) ** month
            previous = current
        return clv
