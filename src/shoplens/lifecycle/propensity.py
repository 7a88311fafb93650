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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from ibis.backends import BaseBackend

from shoplens.errors import InputError
from shoplens.lifecycle.features import feature_matrix, purchases, to_timestamp

__all__ = ["PurchasePropensity", "evaluate", "lift_table", "time_split"]

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

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Calibrated probability of a purchase in the window, per row."""
        raw = self.booster_.predict(self._matrix(X))
        xs, ys = self.calibration_
        return np.interp(raw, xs, ys) if len(xs) > 1 else raw

    def churn_probability(self, X: pd.DataFrame) -> np.ndarray:
        """``1 - predict_proba``: probability of no purchase in the window."""
        return 1.0 - self.predict_proba(X)

    def explain(self, X: pd.DataFrame) -> pd.DataFrame:
        """SHAP contributions to the raw score per row and feature, plus ``bias``.

        Each row sums to :meth:`raw_score` (LightGBM ``pred_contrib=True``).
        """
        contrib = self.booster_.predict(self._matrix(X), pred_contrib=True)
        return pd.DataFrame(contrib, index=X.index, columns=[*self.feature_names_, "bias"])

    def top_reasons(self, X: pd.DataFrame, n: int = 3) -> pd.Series:
        """Per row, the ``n`` features that lower the purchase score most (churn reasons)."""
        c = self.explain(X).drop(columns="bias")
        n = min(n, c.shape[1])
        order = np.argsort(c.to_numpy(), axis=1, kind="stable")[:, :n]  # ties: column order
        names = np.asarray(c.columns, dtype=object)[order]
        return pd.Series([", ".join(row) for row in names], index=c.index, dtype=object)

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


def evaluate(score: Any, label: Any) -> dict[str, float]:
    """ROC AUC, PR AUC (average precision) and base rate of ``score`` against ``label``.

    Examples
    --------
    >>> evaluate([0.1, 0.9, 0.8, 0.2], [0, 1, 1, 0])["auc"]
    1.0
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    s, y = np.asarray(score, dtype=float), np.asarray(label, dtype=int)
    if len(np.unique(y)) < 2:
        raise InputError("evaluation needs both classes in the label")
    return {
        "auc": float(roc_auc_score(y, s)),
        "pr_auc": float(average_precision_score(y, s)),
        "base_rate": float(y.mean()),
        "n": len(y),
    }


def lift_table(score: Any, label: Any, bins: int = 10) -> pd.DataFrame:
    """Customers ranked by ``score`` in ``bins`` equal groups: rate and lift per group.

    Examples
    --------
    >>> t = lift_table([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0], bins=2)
    >>> t["lift"].tolist()
    [2.0, 0.0]
    """
    s, y = np.asarray(score, dtype=float), np.asarray(label, dtype=float)
    order = np.argsort(-s, kind="stable")
    groups = np.array_split(order, bins)
    base = y.mean() if len(y) else 0.0
    rows = []
    for i, g in enumerate(groups, start=1):
        rate = float(y[g].mean()) if len(g) else 0.0
        rows.append(
            {
                "decile": i,
                "customers": len(g),
                "rate": rate,
                "lift": rate / base if base else 0.0,
                "cumulative_capture": float(y[np.concatenate(groups[:i])].sum() / y.sum())
                if y.sum()
                else 0.0,
            }
        )
    return pd.DataFrame(rows)
