"""Purchase and churn propensity: LightGBM on time-split features, calibrated.

Features are computed as of a cutoff (:func:`~shoplens.lifecycle.features.feature_matrix`
reads only ``ts < cutoff``); the label is whether the customer buys in the
``window_days`` after it. Churn probability is ``1 - P(purchase)``. Probabilities are
calibrated by isotonic regression on a held-out part of the training rows. The model is
saved as LightGBM's text model plus JSON metadata (no pickle).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"recency_days": rng.uniform(0, 300, 600),
...                   "n_orders": rng.poisson(2, 600).astype(float)})
>>> y = (rng.uniform(size=600) < 1 / (1 + X.recency_days / 50)).astype(int)
>>> model = PurchasePropensity(num_boost_round=30).fit(X, y)
>>> p = model.predict_proba(X)
>>> bool(((p >= 0) & (p <= 1)).all())
True
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.errors import InputError
from shoplens.lifecycle.evaluation import evaluate, lift_table
from shoplens.lifecycle.features import feature_matrix, purchases, to_timestamp

__all__ = ["PurchasePropensity", "evaluate", "explain_count", "lift_table", "time_split"]

VERSION = 1


def time_split(
    con: BaseBackend, cutoff: Any, window_days: float = 90.0, *, buyers_only: bool = True
) -> tuple[pd.DataFrame, pd.Series]:
    """Features as of ``cutoff`` and the label "buys in ``(cutoff, cutoff + window]``".

    Returns ``(X, y)`` indexed by ``customer_id``; ``buyers_only`` keeps customers with
    a purchase before the cutoff (those churn is defined for).
    """
    cut = to_timestamp(cutoff)
    X = feature_matrix(con, cut, customers="buyers" if buyers_only else "buyers_and_visitors")
    if X.empty:
        raise InputError(f"no customers with purchases before {cut:%Y-%m-%d}")
    p = purchases(con.table("orders"), cut + pd.Timedelta(days=window_days))
    from shoplens.lifecycle.features import _lit

    p = p.filter(p.ts >= _lit(cut))
    later = set(p.select("customer_id").distinct().execute()["customer_id"].astype(str))
    y = pd.Series(X.index.isin(later).astype(int), index=X.index, name="purchased")
    return X, y


class PurchasePropensity:
    """LightGBM classifier of "buys in the next window", with calibrated probabilities.

    Parameters
    ----------
    num_boost_round
        Boosting rounds.
    learning_rate, num_leaves, min_data_in_leaf
        LightGBM parameters.
    calibration_share
        Share of the training rows held out to fit the isotonic calibration.
    random_state
        Seed of the split and of LightGBM.

    Attributes
    ----------
    booster_ : lightgbm.Booster
    feature_names_ : list of str
    calibration_ : tuple of numpy.ndarray
        Isotonic map (raw probability thresholds, calibrated values).
    importance_ : pandas.Series
        Total gain per feature, largest first.
    """

    def __init__(
        self,
        num_boost_round: int = 200,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_data_in_leaf: int = 20,
        calibration_share: float = 0.25,
        random_state: int = 0,
    ) -> None:
        self.num_boost_round = num_boost_round
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_data_in_leaf = min_data_in_leaf
        self.calibration_share = calibration_share
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: Any) -> PurchasePropensity:
        """Train on ``X`` (numeric frame) and binary ``y`` (1 = purchased)."""
        import lightgbm as lgb
        from sklearn.isotonic import IsotonicRegression
        from sklearn.model_selection import train_test_split

        y = np.asarray(y, dtype=int)
        if len(X) != len(y) or len(X) < 20:
            raise InputError("propensity needs at least 20 labelled customers")
        if len(np.unique(y)) < 2:
            raise InputError("the label has one class only; choose another cutoff or window")
        self.feature_names_ = [str(c) for c in X.columns]
        Xa = X.to_numpy(dtype=float)
        fit_idx, cal_idx = train_test_split(
            np.arange(len(y)),
            test_size=self.calibration_share,
            stratify=y,
            random_state=self.random_state,
        )
        params = {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": min(self.min_data_in_leaf, max(2, len(fit_idx) // 10)),
            "seed": self.random_state,
            "deterministic": True,
            "num_threads": 1,
            "verbose": -1,
        }
        data = lgb.Dataset(Xa[fit_idx], y[fit_idx], feature_name=self.feature_names_)
        self.booster_ = lgb.train(params, data, num_boost_round=self.num_boost_round)
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        iso.fit(self.booster_.predict(Xa[cal_idx]), y[cal_idx])
        self.calibration_ = (np.asarray(iso.X_thresholds_), np.asarray(iso.y_thresholds_))
        gain = self.booster_.feature_importance("gain")
        self.importance_ = pd.Series(gain, index=self.feature_names_).sort_values(ascending=False)
        return self

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        if not hasattr(self, "booster_"):
            raise InputError("fit or load the propensity model first")
        missing = [c for c in self.feature_names_ if c not in X.columns]
        if len(missing) == len(self.feature_names_):
            raise InputError("none of the model's features are in the frame")
        return X.reindex(columns=self.feature_names_).fillna(0.0).to_numpy(dtype=float)

    def raw_score(self, X: pd.DataFrame) -> np.ndarray:
        """LightGBM's raw score (log-odds) per row."""
        return self.booster_.predict(self._matrix(X), raw_score=True)

    def _calibrate(self, raw: np.ndarray) -> np.ndarray:
        xs, ys = self.calibration_
        prob = 1.0 / (1.0 + np.exp(-raw))  # LightGBM's binary probability
        return np.interp(prob, xs, ys) if len(xs) > 1 else prob

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probability of a purchase in the window, per row."""
        return self._calibrate(self.raw_score(X))

    def churn_probability(self, X: pd.DataFrame) -> np.ndarray:
        """``1 - predict_proba``: probability of no purchase in the window."""
        return 1.0 - self.predict_proba(X)

    def _contributions(
        self, matrix: np.ndarray, num_threads: int | None, chunk_size: int
    ) -> Iterator[np.ndarray]:
        """SHAP contributions (features, then bias) in chunks of ``chunk_size`` rows."""
        if chunk_size < 1:
            raise InputError("chunk_size must be a positive number of rows")
        kw = {} if num_threads is None else {"num_threads": num_threads}
        for lo in range(0, len(matrix), chunk_size):
            yield self.booster_.predict(matrix[lo : lo + chunk_size], pred_contrib=True, **kw)

    def explain(
        self, X: pd.DataFrame, *, num_threads: int | None = None, chunk_size: int = 100_000
    ) -> pd.DataFrame:
        """SHAP contributions to the raw score per row and feature, plus ``bias``.

        Each row sums to :meth:`raw_score` (LightGBM ``pred_contrib=True``, TreeSHAP).

        Parameters
        ----------
        X
            Feature frame (columns by name, as in :meth:`fit`).
        num_threads
            LightGBM threads for the contributions; ``None`` keeps the model's setting
            (one thread after :meth:`fit`), ``0`` uses every core.
        chunk_size
            Rows per LightGBM call (bounds the memory of one call).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> X = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 3})
        >>> m = PurchasePropensity(num_boost_round=5).fit(X, (X.a > 20).astype(int))
        >>> c = m.explain(X, chunk_size=7)
        >>> bool(np.allclose(c.sum(axis=1), m.raw_score(X)))
        True
        """
        cols = [*self.feature_names_, "bias"]
        parts = list(self._contributions(self._matrix(X), num_threads, chunk_size))
        contrib = np.vstack(parts) if parts else np.empty((0, len(cols)))
        return pd.DataFrame(contrib, index=X.index, columns=cols)

    def top_reasons(
        self,
        X: pd.DataFrame,
        n: int = 3,
        *,
        num_threads: int | None = None,
        chunk_size: int = 100_000,
    ) -> pd.Series:
        """Per row, the ``n`` features that lower the purchase score most (churn reasons).

        Names are joined by ``", "``, most negative SHAP contribution first (ties: column
        order). Cost is that of :meth:`explain` (TreeSHAP: ~200 s per 1M rows on one
        thread for the default model); explain only the customers you act on, see
        :meth:`churn_scores`.
        """
        names = np.asarray(self.feature_names_, dtype=object)
        n = min(n, len(names))
        out = np.empty(len(X), dtype=object)
        lo = 0
        for c in self._contributions(self._matrix(X), num_threads, chunk_size):
            order = np.argsort(c[:, :-1], axis=1, kind="stable")[:, :n]
            out[lo : lo + len(c)] = [", ".join(row) for row in names[order]]
            lo += len(c)
        return pd.Series(out, index=X.index, dtype=object)

    def churn_scores(
        self,
        X: pd.DataFrame,
        *,
        explain_top: int | float | str | None = 0.1,
        n_reasons: int = 3,
        num_threads: int | None = None,
        chunk_size: int = 100_000,
    ) -> pd.DataFrame:
        """Churn probability for every row; SHAP reasons for the riskiest rows only.

        Scoring is cheap (~2 s per 1M customers); per-customer SHAP reasons are not
        (~200 s per 1M on one thread), and a team acts on the riskiest few. So reasons
        are computed for the ``explain_top`` rows with the highest churn probability
        (ties: the lower raw purchase score first, then row order); the others get
        ``top_reasons = None`` and ``explained = False``.

        Parameters
        ----------
        X
            Feature frame indexed by customer.
        explain_top
            Which rows to explain: a float in ``[0, 1]`` is a share of the rows
            (``0.1``: the riskiest 10%), an int a count, a string ``"10%"``, ``"500"``
            or ``"all"``; ``None`` explains everyone.
        n_reasons
            Features named per explained row.
        num_threads, chunk_size
            As in :meth:`explain`.

        Returns
        -------
        pandas.DataFrame
            Indexed like ``X``: ``churn_probability``, ``explained`` (bool) and
            ``top_reasons`` (str, or None where not explained).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> X = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 3})
        >>> m = PurchasePropensity(num_boost_round=5).fit(X, (X.a > 20).astype(int))
        >>> out = m.churn_scores(X, explain_top="25%", n_reasons=1)
        >>> int(out.explained.sum()), int(out.top_reasons.isna().sum())
        (10, 30)
        """
        raw = self.raw_score(X)
        churn = 1.0 - self._calibrate(raw)
        k = explain_count(explain_top, len(X))
        chosen = np.sort(np.lexsort((raw, -churn))[:k])  # riskiest first, then lower raw
        explained = np.zeros(len(X), dtype=bool)
        explained[chosen] = True
        reasons = np.full(len(X), None, dtype=object)
        if k:
            reasons[chosen] = self.top_reasons(
                X.iloc[chosen], n_reasons, num_threads=num_threads, chunk_size=chunk_size
            ).to_numpy()
        return pd.DataFrame(
            {"churn_probability": churn, "explained": explained, "top_reasons": reasons},
            index=X.index,
        )

    # -- persistence ----------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write ``model.txt`` (LightGBM text) and ``model.json`` (metadata) into a folder."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        self._matrix(pd.DataFrame(columns=self.feature_names_))
        self.booster_.save_model(str(out / "model.txt"))
        meta = {
            "version": VERSION,
            "kind": "shoplens.lifecycle.PurchasePropensity",
            "params": {k: getattr(self, k) for k in _PARAMS},
            "feature_names": self.feature_names_,
            "calibration": [self.calibration_[0].tolist(), self.calibration_[1].tolist()],
            "importance": self.importance_.to_dict(),
        }
        (out / "model.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        return out

    @classmethod
    def load(cls, directory: str | Path) -> PurchasePropensity:
        """Read a model written by :meth:`save`."""
        import lightgbm as lgb

        where = Path(directory)
        try:
            meta = json.loads((where / "model.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read a propensity model from {where}: {exc}") from None
        if meta.get("version") != VERSION:
            raise InputError(f"unsupported model version {meta.get('version')!r}")
        model = cls(**meta["params"])
        model.booster_ = lgb.Booster(model_file=str(where / "model.txt"))
        model.feature_names_ = list(meta["feature_names"])
        model.calibration_ = tuple(np.asarray(v, dtype=float) for v in meta["calibration"])
        model.importance_ = pd.Series(meta["importance"], dtype=float)
        return model


_PARAMS = (
    "num_boost_round",
    "learning_rate",
    "num_leaves",
    "min_data_in_leaf",
    "calibration_share",
    "random_state",
)


def explain_count(explain_top: int | float | str | None, n: int) -> int:
    """How many of ``n`` rows ``explain_top`` selects (see ``churn_scores``).

    Examples
    --------
    >>> [explain_count(v, 1000) for v in (0.1, 25, "5%", "all", None, "0.5", "7")]
    [100, 25, 50, 1000, 1000, 500, 7]
    """
    spec = explain_top
    if isinstance(spec, str):
        text = spec.strip().lower()
        try:
            if text == "all":
                spec = None
            elif text.endswith("%"):
                spec = float(text[:-1]) / 100.0
            else:
                spec = int(text) if text.isdigit() else float(text)
        except ValueError:
            spec = -1.0
    if spec is None:
        return n
    if isinstance(spec, bool) or not isinstance(spec, numbers.Real) or not spec >= 0:
        raise InputError(
            f"explain_top must be a share in [0, 1] (0.1 or '10%'), a count of customers "
            f"(500) or 'all', got {explain_top!r}"
        )
    if not isinstance(spec, numbers.Integral):
        if spec > 1:
            raise InputError(f"explain_top as a share must be in [0, 1], got {explain_top!r}")
        return min(n, math.ceil(spec * n - 1e-9))
    return min(n, int(spec))
