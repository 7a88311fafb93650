"""Content: items scored by their text embeddings (title, description, attributes).

A customer's profile is the weighted mean of the embeddings of what they interacted with;
an item's score is its cosine to that profile. A new item scores as soon as its text is
embedded: this is the model for cold-start items, new customers' sessions and "similar to
this item". :func:`nearest` answers k-nearest queries by brute force, or through a
``faiss`` HNSW index once the catalog is past ``BRUTE_FORCE_MAX`` items.

Examples
--------
>>> import scipy.sparse as sp
>>> V = np.array([[1.0, 0], [0.9, 0.1], [0, 1]])
>>> m = Content().fit(sp.csr_matrix((1, 3)), FitContext(item_vectors=V))
>>> m.score(sp.csr_matrix([[1.0, 0, 0]]), np.array([-1])).argsort()[0, ::-1].tolist()
[0, 1, 2]
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

from shoplens.errors import InputError
from shoplens.guidance.recommend.models.base import CandidateModel, FitContext

__all__ = ["BRUTE_FORCE_MAX", "Content", "nearest"]

#: past this many items, :func:`nearest` uses an approximate (HNSW) index
BRUTE_FORCE_MAX = 50_000


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


_INDEX: dict[int, Any] = {}


def nearest(
    vectors: np.ndarray, queries: np.ndarray, k: int, *, brute_force_max: int = BRUTE_FORCE_MAX
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` rows of ``vectors`` with the largest inner product to each query.

    Exact below ``brute_force_max`` rows; above, a ``faiss`` ``IndexHNSWFlat`` (built
    once per vectors array, inner product).

    Examples
    --------
    >>> v = np.eye(3, dtype=np.float32)
    >>> nearest(v, v[:1], 2)[0].tolist()
    [[0, 1]]
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
    k = min(k, len(vectors))
    if len(vectors) <= brute_force_max:
        s = queries @ vectors.T
        idx = np.argsort(-s, axis=1, kind="stable")[:, :k]
        return idx, np.take_along_axis(s, idx, axis=1)
    from shoplens.errors import require

    faiss = require("faiss", "recommend")
    key = id(vectors)
    if key not in _INDEX or _INDEX[key][0] is not vectors:
        index = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.add(vectors)
        _INDEX.clear()
        _INDEX[key] = (vectors, index)
    index = _INDEX[key][1]
    index.hnsw.efSearch = max(64, 2 * k)
    scores, idx = index.search(queries, k)
    return idx, scores


class Content(CandidateModel):
    """Cosine of an item's embedding to the customer's profile.

    Parameters
    ----------
    log_weights
        Use ``log1p(weight)`` when averaging a profile (heavy items dominate less).
    """

    name: ClassVar[str] = "content"
    reason: ClassVar[str] = "similar"
    arrays: ClassVar[tuple[str, ...]] = ("item_vectors_",)

    def __init__(self, log_weights: bool = True) -> None:
        self.log_weights = log_weights

    def fit(self, X: sp.csr_matrix, context: FitContext | None = None) -> Content:
        if context is None or context.item_vectors is None:
            raise InputError("the content model needs item embeddings: give the catalog (items)")
        V = np.asarray(context.item_vectors)
        if V.shape[0] != X.shape[1]:
            raise InputError(f"{V.shape[0]} item vectors for {X.shape[1]} items")
        self.item_vectors_ = _unit(V)
        return self

    def profiles(self, X_users: sp.csr_matrix) -> np.ndarray:
        """One unit profile vector per row of ``X_users`` (zeros for an empty row)."""
        X = sp.csr_matrix(X_users, dtype=np.float32)
        if self.log_weights:
            X = X.copy()
            X.data = np.log1p(np.maximum(X.data, 0))
        p = np.asarray(X @ self.item_vectors_)
        n = np.linalg.norm(p, axis=1, keepdims=True)
        return np.where(n > 0, p / np.where(n > 0, n, 1), 0.0)

    def score(self, X_users: sp.csr_matrix, users: np.ndarray) -> np.ndarray:
        return (self.profiles(X_users) @ self.item_vectors_.T).astype(np.float64)

    def add_items(self, vectors: np.ndarray) -> None:
        """Append new items' embeddings: they score at once, before any interaction."""
        self.item_vectors_ = np.vstack([self.item_vectors_, _unit(vectors)])

    def pair_similarity(self, sources: np.ndarray, item: int) -> np.ndarray:
        return (self.item_vectors_[np.asarray(sources)] @ self.item_vectors_[item]).astype(float)

    def similar_items(self, items: np.ndarray) -> np.ndarray:
        return (self.item_vectors_[np.asarray(items)] @ self.item_vectors_.T).astype(np.float64)
