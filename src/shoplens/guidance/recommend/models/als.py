"""ALS for implicit feedback (Hu, Koren & Volinsky 2008), fitted by ``implicit``.

``implicit``'s CPU :class:`~implicit.cpu.als.AlternatingLeastSquares` does the maths (its
BLAS pinned to one thread); we keep its factors as plain arrays, score known customers with
``user_factors_ @ item_factors_.T`` and fold in new or updated customers with ``implicit``'s
``recalculate_user`` (one least-squares solve, no retrain).

Examples
--------
>>> import scipy.sparse as sp
>>> X = sp.csr_matrix(np.kron(np.eye(2), np.ones((3, 3))))
>>> m = ALS(factors=4, iterations=5).fit(X)
>>> m.item_factors_.shape
(6, 4)
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from shoplens.errors import require
from shoplens.guidance.recommend.models.base import CandidateModel, FitContext
from shoplens.guidance.recommend.models.threads import one_thread

__all__ = ["ALS"]


class ALS(CandidateModel):
    """Implicit-feedback matrix factorisation.

    Parameters
    ----------
    factors, regularization, alpha, iterations
        ``implicit``'s parameters (``alpha`` scales the weights into confidences).
    seed
        Random seed of the initial factors.
    """

    name: ClassVar[str] = "als"
    reason: ClassVar[str] = "viewed"
    arrays: ClassVar[tuple[str, ...]] = ("user_factors_", "item_factors_")

    def __init__(
        self,
        factors: int = 32,
        regularization: float = 10.0,
        alpha: float = 1.0,
        iterations: int = 15,
        seed: int = 0,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.seed = seed

    def _implicit(self) -> Any:
        require("implicit", "recommend")
        from implicit.cpu.als import AlternatingLeastSquares

        return AlternatingLeastSquares(
            factors=self.factors,
            regularization=self.regularization,
            alpha=self.alpha,
            iterations=self.iterations,
            random_state=self.seed,
            num_threads=1,
        )

    def fit(self, X: sp.csr_matrix, context: FitContext | None = None) -> ALS:
        with one_thread():  # implicit checks the BLAS threads when it is built
            model = self._implicit()
            model.fit(sp.csr_matrix(X, dtype=np.float32), show_progress=False)
        self.user_factors_ = np.asarray(model.user_factors)
        self.item_factors_ = np.asarray(model.item_factors)
        return self

    def fold_in(self, X_users: sp.csr_matrix) -> np.ndarray:
        """Factors of customers with these interaction rows, items held fixed."""
        X_users = sp.csr_matrix(X_users, dtype=np.float32)
        with one_thread():
            cached = getattr(self, "_solver", None)
            if cached is None or cached[0] is not self.item_factors_:
                model = self._implicit()
                model.user_factors = np.zeros((1, self.item_factors_.shape[1]), np.float32)
                model.item_factors = self.item_factors_.astype(np.float32)
                self._solver = cached = (self.item_factors_, model)
            model = cached[1]
            rows = [
                np.asarray(model.recalculate_user(0, X_users[i])).ravel()
                for i in range(X_users.shape[0])
            ]
        return np.vstack(rows) if rows else np.zeros((0, self.item_factors_.shape[1]))

    def score(self, X_users: sp.csr_matrix, users: np.ndarray) -> np.ndarray:
        users = np.asarray(users)
        f = np.zeros((len(users), self.item_factors_.shape[1]), dtype=np.float64)
        known = users >= 0
        f[known] = self.user_factors_[users[known]]
        if (~known).any():
            f[~known] = self.fold_in(X_users[np.flatnonzero(~known)])
        return f @ self.item_factors_.T.astype(np.float64)

    def update_users(self, users: np.ndarray, X_users: sp.csr_matrix) -> None:
        """Replace the stored factors of known customers by their folded-in ones."""
        self.user_factors_[np.asarray(users)] = self.fold_in(X_users)

    def _unit_items(self) -> np.ndarray:
        f = self.item_factors_
        return f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)

    def similar_items(self, items: np.ndarray) -> np.ndarray:
        f = self._unit_items()
        return f[np.asarray(items)] @ f.T

    def pair_similarity(self, sources: np.ndarray, item: int) -> np.ndarray:
        f = self.item_factors_
        src = f[np.asarray(sources)]
        num = src @ f[item]
        den = np.linalg.norm(src, axis=1) * max(float(np.linalg.norm(f[item])), 1e-12)
        return num / np.maximum(den, 1e-12)
