"""Item-kNN: cosine or BM25-weighted item-item neighbours, via ``implicit``.

``implicit``'s :class:`~implicit.nearest_neighbours.CosineRecommender` and
:class:`~implicit.nearest_neighbours.BM25Recommender` build the top-``k`` similarity
matrix; scoring is ``X_users @ similarity``, as ``implicit`` does it.

Examples
--------
>>> import scipy.sparse as sp
>>> X = sp.csr_matrix([[1.0, 1, 0], [1, 1, 0], [0, 0, 1]])
>>> ItemKNN(k=2).fit(X).score(X[2:], np.array([2])).argmax()
np.int64(2)
"""

from __future__ import annotations

import warnings
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from shoplens.errors import InputError, require
from shoplens.guidance.recommend.models.base import FitContext, ItemItemModel

__all__ = ["ItemKNN"]


class ItemKNN(ItemItemModel):
    """Item-item nearest neighbours.

    Parameters
    ----------
    k
        Neighbours kept per item.
    weighting
        ``"cosine"`` or ``"bm25"`` (BM25 down-weights heavy users and popular items).
    k1, b
        BM25 parameters.
    """

    name: ClassVar[str] = "item_knn"
    reason: ClassVar[str] = "similar"

    def __init__(self, k: int = 100, weighting: str = "bm25", k1: float = 1.2, b: float = 0.75):
        self.k = k
        self.weighting = weighting
        self.k1 = k1
        self.b = b

    def fit(self, X: sp.csr_matrix, context: FitContext | None = None) -> ItemKNN:
        require("implicit", "recommend")
        from implicit.nearest_neighbours import BM25Recommender, CosineRecommender

        from shoplens.guidance.recommend.models.threads import one_thread

        if self.weighting == "bm25":
            model = BM25Recommender(K=self.k, K1=self.k1, B=self.b, num_threads=1)
        elif self.weighting == "cosine":
            model = CosineRecommender(K=self.k, num_threads=1)
        else:
            raise InputError(f"weighting must be 'cosine' or 'bm25', not {self.weighting!r}")
        with one_thread(), warnings.catch_warnings():
            # implicit 0.7 weights its own matrix as COO (BM25/TF-IDF), then warns about it
            warnings.filterwarnings("ignore", "Method expects CSR input", module="implicit")
            model.fit(sp.csr_matrix(X, dtype=np.float64), show_progress=False)
        self.similarity_ = sp.csr_matrix(model.similarity, dtype=np.float64)
        return self
