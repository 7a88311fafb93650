"""A learned re-ranker: LightGBM LambdaRank over the blend's candidates (OTTO style).

Features of a (customer, candidate) pair: every model's z-score and the blend, the item's
popularity, the customer's share of weight in its category (category affinity), how far
its price is from the customer's usual prices (price fit), days since the customer last
touched its category (recency), and its cosine to the customer's latest items or live
session (session match). The model is LightGBM's own text format inside JSON: no pickle.

Examples
--------
>>> FEATURES[-4:]
('category_affinity', 'price_fit', 'recency_days', 'session_match')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from shoplens.guidance.recommend.engine import Recommender

__all__ = ["FEATURES", "Reranker", "candidate_features"]

FEATURES = ("blend", "popularity_log", "category_affinity", "price_fit", "recency_days",
            "session_match")  # fmt: skip


def _recent_profile(engine: Recommender, X: sp.csr_matrix, ages: sp.csr_matrix, u: int) -> Any:
    content = next((m for m in engine.models_.values() if m.name == "content"), None)
    items = X[u].indices
    if content is None or len(items) == 0:
        return None, items
    if ages.shape[0] > u and ages[u].nnz:
        a = ages[u]
        order = a.indices[np.argsort(a.data, kind="stable")][:3]
    else:
        order = items[np.argsort(-X[u].data, kind="stable")][:3]
    p = content.item_vectors_[order].mean(axis=0)
    return p / max(np.linalg.norm(p), 1e-12), items


def candidate_features(
    engine: Recommender,
    X: sp.csr_matrix,
    ages: sp.csr_matrix,
    z: Mapping[str, np.ndarray],
    blend: np.ndarray,
    cand: np.ndarray,
) -> np.ndarray:
    """Feature rows (customers x candidates, flattened row-major) for the re-ranker."""
    names = sorted(z)
    n, m = cand.shape
    pop = np.log1p(np.asarray((engine.X_ > 0).sum(axis=0), dtype=float).ravel())
    pop = np.concatenate([pop, np.zeros(len(engine.item_ids_) - len(pop))])
    cats = engine.item_category_
    k = max(int(cats.max()) + 1, 1)
    onehot = sp.csr_matrix(
        (np.ones((cats >= 0).sum()), (np.flatnonzero(cats >= 0), cats[cats >= 0])),
        (len(cats), k),
    )
    share = np.asarray((X @ onehot).todense(), dtype=float)
    share = share / np.maximum(share.sum(axis=1, keepdims=True), 1e-12)
    logp = np.log1p(np.nan_to_num(engine.item_price_, nan=0.0))
    content = next((mm for mm in engine.models_.values() if mm.name == "content"), None)
    out = np.zeros((n, m, len(names) + len(FEATURES)))
    for j, name in enumerate(names):
        out[:, :, j] = np.take_along_axis(z[name], cand, axis=1)
    base = len(names)
    out[:, :, base] = np.take_along_axis(blend, cand, axis=1)
    out[:, :, base + 1] = pop[cand]
    cc = cats[cand]
    out[:, :, base + 2] = np.where(cc >= 0, np.take_along_axis(share, cc.clip(min=0), axis=1), 0)
    for u in range(n):
        row = X[u]
        if row.nnz:
            mean = np.average(logp[row.indices], weights=row.data)
            out[u, :, base + 3] = np.abs(logp[cand[u]] - mean)
            if ages.shape[0] > u and ages[u].nnz:
                a = ages[u]
                last = np.full(k + 1, 999.0)
                np.minimum.at(last, cats[a.indices], a.data)
                out[u, :, base + 4] = last[cc[u]]
            else:
                out[u, :, base + 4] = 999.0
        else:
            out[u, :, base + 3] = -1.0
            out[u, :, base + 4] = 999.0
        if content is not None:
            prof, _ = _recent_profile(engine, X, ages, u)
            if prof is not None:
                out[u, :, base + 5] = content.item_vectors_[cand[u]] @ prof
    return out.reshape(n * m, -1)


class Reranker:
    """LightGBM LambdaRank on candidate features.

    Parameters
    ----------
    n_estimators, learning_rate, num_leaves
        LightGBM's parameters (small: a few thousand groups train in seconds).
    seed
        LightGBM's seed (with ``deterministic=True``).
    """

    def __init__(
        self, n_estimators: int = 150, learning_rate: float = 0.05, num_leaves: int = 15,
        seed: int = 0,
    ) -> None:  # fmt: skip
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.seed = seed

    def fit(self, features: np.ndarray, labels: np.ndarray, group_size: int) -> Reranker:
        """Fit on equal-size groups (one per customer) of candidate rows."""
        import lightgbm as lgb

        n = len(labels) // group_size
        model = lgb.LGBMRanker(
            objective="lambdarank",
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=10,
            random_state=self.seed,
            deterministic=True,
            force_row_wise=True,
            n_jobs=1,
            verbose=-1,
            lambdarank_truncation_level=20,
        )
        model.fit(features, labels.astype(int), group=[group_size] * n)
        self.booster_ = model.booster_
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        """A ranking score per row."""
        return np.asarray(self.booster_.predict(features, num_threads=1))

    def to_json(self) -> dict[str, Any]:
        """Parameters and the LightGBM model text (safe to store)."""
        return {
            "params": {k: getattr(self, k) for k in ("n_estimators", "learning_rate",
                                                     "num_leaves", "seed")},
            "model": self.booster_.model_to_string(),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reranker:
        """Rebuild what :meth:`to_json` gave."""
        import lightgbm as lgb

        r = cls(**data["params"])
        r.booster_ = lgb.Booster(model_str=data["model"])
        return r
