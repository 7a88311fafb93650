"""Shared machinery of the "buy 'til you die" (BTYD) models.

The BG/NBD (:mod:`shoplens.lifecycle.bgnbd`) and Pareto/NBD
(:mod:`shoplens.lifecycle.paretonbd`) estimators share their input checks, the
compression of identical ``(frequency, recency, T)`` rows into weights, the maximum
likelihood driver (L-BFGS-B on log-parameters) and JSON persistence. The models
themselves only write their log-likelihood and its gradient on numpy arrays.

Conventions follow the papers and ``lifetimes``: ``frequency`` is the number of repeat
purchases, ``recency`` the age of the customer at the last purchase, ``T`` the age at the
end of the observation period, all in the same time unit.

Examples
--------
>>> import numpy as np
>>> f, r, T, w = compress(np.array([0, 0, 2]), np.array([0, 0, 3.0]), np.array([5, 5, 5.0]))
>>> f.tolist(), w.tolist()
([0.0, 2.0], [2.0, 1.0])
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize

from shoplens.errors import InputError, ShopLensError

FloatArray = NDArray[np.float64]
FORMAT_VERSION = 1
_RENUMBER_ABOVE = 2**62  # combined keys must stay below int64's range

__all__ = ["BTYDModel", "ConvergenceError", "check_rft", "compress"]


class ConvergenceError(ShopLensError):
    """The likelihood maximisation did not converge to finite parameters.

    Usually the data cannot identify the model (too few repeat buyers, a single cohort
    with no variation) or the time unit is extreme; try more customers, a coarser time
    unit or a small ``penalizer_coef``.
    """


def _as_array(name: str, values: ArrayLike) -> FloatArray:
    try:
        arr = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be numeric: {exc}") from None
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} holds NaN or infinite values; drop or fill them first")
    return arr


def check_rft(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    min_rows: int = 1,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate and return ``frequency, recency, T`` as float arrays of equal length.

    Raises
    ------
    InputError
        On empty or mismatched input, negative values, ``recency > T``, a repeat
        purchase with ``recency == 0`` or no repeat purchase with ``recency > 0``.
    """
    f = _as_array("frequency", frequency)
    r = _as_array("recency", recency)
    t = _as_array("T", T)
    if not (len(f) == len(r) == len(t)):
        raise InputError(
            f"frequency, recency and T must have the same length, got {len(f)}, {len(r)}, {len(t)}"
        )
    if len(f) < min_rows:
        if len(f) == 0:
            raise InputError("no customers given: frequency, recency and T are empty")
        raise InputError(f"need at least {min_rows} customers to fit, got {len(f)}")
    if (f < 0).any() or (r < 0).any() or (t < 0).any():
        raise InputError("frequency, recency and T must be non-negative")
    bad = r > t * (1 + 1e-9) + 1e-12
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} customers have recency > T (first at row {int(np.argmax(bad))}); "
            "recency is the age at the last purchase and cannot exceed the age at the end"
        )
    r = np.minimum(r, t)
    bad = (f > 0) & (r == 0)
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} customers have repeat purchases but recency 0 "
            f"(first at row {int(np.argmax(bad))}); repeat purchases happen after the first one"
        )
    bad = (f == 0) & (r > 0)
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} customers have no repeat purchase but recency > 0 "
            f"(first at row {int(np.argmax(bad))}); recency must be 0 without repeats"
        )
    return f, r, t


def _factorize(values: NDArray[Any]) -> tuple[NDArray[np.intp], NDArray[Any]]:
    """Codes into the sorted distinct values (hash based: no sort of the full array)."""
    import pandas as pd

    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.intp, copy=False), np.asarray(uniques)


def _dot(a: FloatArray, b: FloatArray) -> float:
    """``a @ b`` for 1-d arrays without BLAS: a threaded BLAS ``ddot`` on a busy machine
    costs milliseconds per call, ``einsum``'s own loop microseconds."""
    return float(np.einsum("i,i->", a, b))


def _one_blas_thread() -> Any:
    """Context that runs BLAS single-threaded (a no-op without ``threadpoolctl``).

    The optimiser works on 3-4 parameters: a threaded BLAS has nothing to split and,
    on a machine whose cores are busy, its thread hand-offs cost milliseconds per
    L-BFGS-B step - more than the likelihood itself on small data.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn brings it
        from contextlib import nullcontext

        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _check_weights(weights: ArrayLike | None, n: int) -> FloatArray | None:
    if weights is None:
        return None
    w = _as_array("weights", weights)
    if len(w) != n or (w < 0).any() or w.sum() <= 0:
        raise InputError("weights must be non-negative counts, one per customer")
    return w


def compress(
    frequency: FloatArray,
    recency: FloatArray,
    T: FloatArray,
    weights: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Merge identical ``(frequency, recency, T)`` rows, returning them with counts.

    Summaries in whole days or weeks repeat a lot: a million customers hold a few hundred
    thousand distinct rows at day precision (far fewer in weeks), so the likelihood is
    evaluated once per distinct row. Rows come back sorted by ``(frequency, recency, T)``.

    Examples
    --------
    >>> f, r, T, w = compress(np.array([1.0, 0, 1]), np.array([2.0, 0, 2]), np.full(3, 5.0))
    >>> f.tolist(), r.tolist(), w.tolist()
    ([0.0, 1.0], [0.0, 2.0], [1.0, 2.0])
    """
    f, r, _, _, ti, ut, w = _compress_codes(frequency, recency, T, weights)
    return f, r, ut[ti], w


def _compress_codes(
    frequency: FloatArray,
    recency: FloatArray,
    T: FloatArray,
    weights: FloatArray | None = None,
) -> tuple[
    FloatArray, FloatArray, NDArray[np.intp], FloatArray, NDArray[np.intp], FloatArray, FloatArray
]:
    """:func:`compress` that also returns, for recency and ``T``, the distinct values
    and each merged row's index into them, so that terms in ``recency`` or ``T`` alone
    can be evaluated once per distinct value: ``(f, r, ri, ur, ti, ut, w)``."""
    fc, uf = _factorize(frequency)
    rc, ur = _factorize(recency)
    tc, ut = _factorize(T)
    uf, ur, ut = (u.astype(np.float64) for u in (uf, ur, ut))
    nr, nt = len(ur), len(ut)
    pair = fc.astype(np.int64) * nr + rc  # (frequency, recency) as one integer
    pair_values = None
    if len(uf) * nr * nt >= _RENUMBER_ABOVE:  # continuous recency and T: renumber pairs
        pair, pair_values = _factorize(pair)
        pair_values = pair_values.astype(np.int64)
    kc, ukey = _factorize(pair.astype(np.int64) * nt + tc)
    ukey = ukey.astype(np.int64)
    w = np.bincount(kc, weights=weights, minlength=len(ukey)).astype(np.float64)
    keep = w > 0
    ukey, w = ukey[keep], w[keep]
    ti = (ukey % nt).astype(np.intp)
    upair = ukey // nt
    if pair_values is not None:
        upair = pair_values[upair]
    ri = (upair % nr).astype(np.intp)
    fi = (upair // nr).astype(np.intp)
    return uf[fi], ur[ri], ri, ur, ti, ut, w


class BTYDModel:
    """Base class: fitting driver, parameter attributes and JSON persistence.

    Subclasses set ``param_names`` and either implement ``_loglik_grad`` (per-row
    log-likelihoods and their gradient in *log*-parameters, on merged rows) or, for
    speed, ``_prepare`` (reduce the data once: sufficient statistics, distinct values)
    and ``_total`` (the summed log-likelihood and gradient from that reduction).
    """

    param_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, penalizer_coef: float = 0.0, tol: float = 1e-10, max_iter: int = 1000):
        self.penalizer_coef = penalizer_coef
        self.tol = tol
        self.max_iter = max_iter

    # -- to implement -----------------------------------------------------------------
    def _loglik_grad(
        self, params: FloatArray, f: FloatArray, r: FloatArray, t: FloatArray, grad: bool
    ) -> tuple[FloatArray, FloatArray | None]:
        """Per-row log-likelihood and its gradient in log-parameters (rows of ``f, r, t``)."""
        raise NotImplementedError

    def _prepare(
        self, f: FloatArray, r: FloatArray, t: FloatArray, w: FloatArray | None
    ) -> dict[str, Any]:
        """Reduce the validated data once, before the optimiser's loop.

        The default merges identical rows; models override it to precompute what their
        :meth:`_total` needs. The dict must hold ``total``, the number of customers.
        """
        f, r, t, w = compress(f, r, t, w)
        return {"f": f, "r": r, "t": t, "w": w, "total": float(w.sum())}

    def _total(
        self, params: FloatArray, data: dict[str, Any], grad: bool
    ) -> tuple[float, FloatArray | None]:
        """Total log-likelihood and its gradient in log-parameters."""
        w = data["w"]
        ll, g = self._loglik_grad(params, data["f"], data["r"], data["t"], grad)
        return _dot(w, ll), (None if g is None else np.einsum("i,ij->j", w, g))

    # -- fitting ----------------------------------------------------------------------
    def _fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None,
        x0: FloatArray,
    ) -> BTYDModel:
        f, r, t = check_rft(frequency, recency, T, min_rows=2)
        w = _check_weights(weights, len(f))
        if np.all(f == 0):
            raise InputError(
                "no customer made a repeat purchase (all frequency == 0); the model cannot "
                "be estimated - use a longer observation period"
            )
        return self._estimate(self._prepare(f, r, t, w), x0)

    def _minimise(self, data: dict[str, Any], x0: FloatArray) -> Any:
        total = data["total"]
        pen = float(self.penalizer_coef)

        def objective(logp: FloatArray) -> tuple[float, FloatArray]:
            params = np.exp(logp)
            ll, g = self._total(params, data, True)
            value = -ll / total + pen * float(params @ params)
            if not np.isfinite(value) or g is None:
                return 1e300, np.zeros_like(logp)
            return value, -g / total + 2 * pen * params * params

        with np.errstate(all="ignore"), _one_blas_thread():
            return minimize(
                objective,
                x0,
                jac=True,
                method="L-BFGS-B",
                bounds=[(-18.0, 18.0)] * len(x0),
                options={"maxiter": self.max_iter, "ftol": self.tol, "gtol": 1e-9},
            )

    def _estimate(self, data: dict[str, Any], x0: FloatArray) -> BTYDModel:
        res = self._minimise(data, x0)
        params = np.exp(res.x)
        with np.errstate(all="ignore"):
            loglik, _ = self._total(params, data, False)
        at_bound = np.any(np.abs(res.x) > np.log(1e6))  # outside [1e-6, 1e6]: not identified
        if not np.isfinite(loglik) or not np.all(np.isfinite(params)) or at_bound:
            raise ConvergenceError(
                f"{type(self).__name__} did not converge ({res.message}); parameters "
                f"{dict(zip(self.param_names, params.round(6).tolist(), strict=True))}. "
                "The data may not identify the model: add customers or a small penalizer_coef"
            )
        if not res.success and np.linalg.norm(res.jac) > 1e-4:
            raise ConvergenceError(
                f"{type(self).__name__} stopped before converging: {res.message}"
            )
        self._set_params(params)
        self.log_likelihood_ = loglik
        self.n_customers_ = round(data["total"])
        self.n_iter_ = int(res.nit)
        return self

    def _set_params(self, params: ArrayLike) -> None:
        values = np.asarray(params, dtype=np.float64)
        self.params_ = {n: float(v) for n, v in zip(self.param_names, values, strict=True)}
        for name, value in self.params_.items():
            setattr(self, f"{name}_", value)

    def _params(self) -> FloatArray:
        if not hasattr(self, "params_"):
            raise InputError(f"{type(self).__name__} is not fitted yet: call fit() first")
        return np.array([self.params_[n] for n in self.param_names])

    # -- persistence (JSON, never pickle) ----------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Parameters and fit summary as a JSON-ready dict with a format version."""
        self._params()
        return {
            "model": type(self).__name__,
            "format_version": FORMAT_VERSION,
            "params": self.params_,
            "log_likelihood": self.log_likelihood_,
            "n_customers": self.n_customers_,
            "penalizer_coef": self.penalizer_coef,
        }

    def save(self, path: str | Path) -> None:
        """Write the fitted model as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=2), encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BTYDModel:
        """Rebuild a fitted model from :meth:`to_dict` output."""
        if data.get("model") != cls.__name__:
            raise InputError(f"this file holds a {data.get('model')!r}, not a {cls.__name__}")
        if data.get("format_version") != FORMAT_VERSION:
            raise InputError(f"unsupported model format version {data.get('format_version')}")
        model = cls(penalizer_coef=float(data.get("penalizer_coef", 0.0)))
        model._set_params([data["params"][n] for n in cls.param_names])
        model.log_likelihood_ = float(data["log_likelihood"])
        model.n_customers_ = int(data["n_customers"])
        return model

    @classmethod
    def load(cls, path: str | Path) -> BTYDModel:
        """Read a model written by :meth:`save`."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read model file {path}: {exc}") from None
        return cls.from_dict(data)

    def __repr__(self) -> str:
        if hasattr(self, "params_"):
            inner = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
            return f"{type(self).__name__}({inner})"
        return f"{type(self).__name__}(penalizer_coef={self.penalizer_coef})"
