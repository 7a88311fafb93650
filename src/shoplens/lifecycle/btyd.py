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
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize

from shoplens.errors import InputError, ShopLensError

FloatArray = NDArray[np.float64]
FORMAT_VERSION = 1

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


def compress(
    frequency: FloatArray,
    recency: FloatArray,
    T: FloatArray,
    weights: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Merge identical ``(frequency, recency, T)`` rows, returning them with counts.

    Summaries in whole days or weeks repeat a lot: a million customers usually hold only
    tens of thousands of distinct rows, so the likelihood is evaluated once per row.
    """
    import pandas as pd

    w = np.ones_like(frequency) if weights is None else weights
    frame = pd.DataFrame({"f": frequency, "r": recency, "t": T, "w": w})
    grouped = frame.groupby(["f", "r", "t"], sort=True)["w"].sum()
    grouped = grouped[grouped > 0]
    idx = grouped.index
    return (
        idx.get_level_values(0).to_numpy(dtype=np.float64),
        idx.get_level_values(1).to_numpy(dtype=np.float64),
        idx.get_level_values(2).to_numpy(dtype=np.float64),
        grouped.to_numpy(dtype=np.float64),
    )


class BTYDModel:
    """Base class: fitting driver, parameter attributes and JSON persistence.

    Subclasses set ``param_names`` and implement ``_loglik_grad(params, f, r, T)`` that
    returns per-row log-likelihoods and their gradient with respect to the
    *log*-parameters (``None`` for a numerical gradient).
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
        raise NotImplementedError

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
        w = None
        if weights is not None:
            w = _as_array("weights", weights)
            if len(w) != len(f) or (w < 0).any() or w.sum() <= 0:
                raise InputError("weights must be non-negative counts, one per customer")
        if np.all(f == 0):
            raise InputError(
                "no customer made a repeat purchase (all frequency == 0); the model cannot "
                "be estimated - use a longer observation period"
            )
        f, r, t, w = compress(f, r, t, w)
        self._xcache = (f, *np.unique(f, return_inverse=True))
        total = float(w.sum())
        pen = float(self.penalizer_coef)

        def objective(logp: FloatArray) -> tuple[float, FloatArray]:
            params = np.exp(logp)
            ll, g = self._loglik_grad(params, f, r, t, True)
            value = -float(w @ ll) / total + pen * float(params @ params)
            assert g is not None
            gradient = -(w @ g) / total + 2 * pen * params * params
            if not np.isfinite(value):
                return 1e300, np.zeros_like(logp)
            return value, gradient

        with np.errstate(all="ignore"):
            res = minimize(
                objective,
                x0,
                jac=True,
                method="L-BFGS-B",
                bounds=[(-18.0, 18.0)] * len(x0),
                options={"maxiter": self.max_iter, "ftol": self.tol, "gtol": 1e-9},
            )
            params = np.exp(res.x)
            ll, _ = self._loglik_grad(params, f, r, t, False)
        del self._xcache
        loglik = float(w @ ll)
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
        self.n_customers_ = round(total)
        self.n_iter_ = int(res.nit)
        return self

    def _by_x(self, f: FloatArray) -> tuple[FloatArray, NDArray[np.intp]]:
        """Distinct frequencies and the index of each row: terms in ``x`` only are
        evaluated once per distinct value (a few hundred) instead of once per row."""
        cache = getattr(self, "_xcache", None)
        if cache is not None and cache[0] is f:
            return cache[1], cache[2]
        ux, xi = np.unique(f, return_inverse=True)
        return ux, xi

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


def numeric_gradient(
    loglik: Callable[[FloatArray], FloatArray], params: FloatArray, step: float = 1e-6
) -> FloatArray:
    """Central-difference gradient of per-row ``loglik`` with respect to log-parameters."""
    logp = np.log(params)
    cols = []
    for i in range(len(params)):
        up, down = logp.copy(), logp.copy()
        up[i] += step
        down[i] -= step
        cols.append((loglik(np.exp(up)) - loglik(np.exp(down))) / (2 * step))
    return np.column_stack(cols)
