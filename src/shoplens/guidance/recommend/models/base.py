"""What every candidate model is: a small estimator on a sparse user x item matrix.

Models own the maths and see integer indices only; :class:`~shoplens.guidance.recommend.
engine.Recommender` owns the raw ids and frames. A model's state is plain arrays (saved as
npz) plus its JSON-able constructor parameters: no pickle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

__all__ = ["CandidateModel", "FitContext", "ItemItemModel", "normalise_rows"]


@dataclass
class FitContext:
    """What a model may use beside the interactions, indexed like the matrix's columns.

    Attributes
    ----------
    category
        Integer category code per item (``-1``: unknown).
    item_vectors
        Content embeddings, one L2-normalised row per item (or ``None``).
    sessions
        Session (or order, or customer-day) x item weights for co-visitation (or ``None``).
    recent
        Recent (trending) weight per item (or ``None``).
    seed
        Random seed for models that draw anything.
    """

    category: np.ndarray | None = None
    item_vectors: np.ndarray | None = None
    sessions: sp.csr_matrix | None = None
    recent: np.ndarray | None = None
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def normalise_rows(x: sp.csr_matrix) -> sp.csr_matrix:
    """Rows scaled to unit L2 norm (empty rows stay empty).

    Examples
    --------
    >>> normalise_rows(sp.csr_matrix([[3.0, 4.0], [0.0, 0.0]])).toarray().round(2).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ x)


class CandidateModel:
    """Base class: ``fit(X, context)`` then ``score(X_users, users)``.

    Subclasses set ``name`` and ``reason`` (``"similar"``, ``"bought_with"``,
    ``"viewed"``, ``"popular"``): the kind of explanation its recommendations carry.
    """

    name: ClassVar[str] = "model"
    reason: ClassVar[str] = "viewed"
    #: learned array attributes saved by :meth:`state`
    arrays: ClassVar[tuple[str, ...]] = ()

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments as stored (JSON-able)."""
        import inspect

        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {p: getattr(self, p) for p in names}

    def fit(self, X: sp.csr_matrix, context: FitContext | None = None) -> CandidateModel:
        raise NotImplementedError

    def score(self, X_users: sp.csr_matrix, users: np.ndarray) -> np.ndarray:
        """Dense scores, one row per user: ``X_users`` holds their (current) interactions,
        ``users`` their row in the fitted matrix (``-1``: not in it)."""
        raise NotImplementedError

    def similar_items(self, items: np.ndarray) -> np.ndarray:
        """Item x item similarity rows for ``items`` (dense), for "similar to" answers."""
        raise NotImplementedError(f"{self.name} has no item similarity")

    def pair_similarity(self, sources: np.ndarray, item: int) -> np.ndarray:
        """Similarity of each source item to ``item`` (for the "similar to" reason)."""
        return self.similar_items(sources)[:, item]

    def state(self) -> dict[str, np.ndarray]:
        """Learned arrays by name (sparse matrices are split into their CSR parts)."""
        out: dict[str, np.ndarray] = {}
        for a in self.arrays:
            v = getattr(self, a)
            if v is None:
                continue
            if sp.issparse(v):
                v = sp.csr_matrix(v)
                out[f"{a}.data"], out[f"{a}.indices"] = v.data, v.indices
                out[f"{a}.indptr"], out[f"{a}.shape"] = v.indptr, np.array(v.shape)
            else:
                out[a] = np.asarray(v)
        return out

    def set_state(self, state: dict[str, np.ndarray]) -> CandidateModel:
        """Restore what :meth:`state` gave."""
        for a in self.arrays:
            if f"{a}.data" in state:
                shape = tuple(int(s) for s in state[f"{a}.shape"])
                parts = (state[f"{a}.data"], state[f"{a}.indices"], state[f"{a}.indptr"])
                setattr(self, a, sp.csr_matrix(parts, shape=shape))
            elif a in state:
                setattr(self, a, state[a])
            else:
                setattr(self, a, None)
        return self


class ItemItemModel(CandidateModel):
    """A model whose scores are ``X_users @ similarity_`` (item-kNN, EASE, co-visitation)."""

    arrays: ClassVar[tuple[str, ...]] = ("similarity_",)
    similarity_: Any = None

    def score(self, X_users: sp.csr_matrix, users: np.ndarray) -> np.ndarray:
        S = self.similarity_
        if not sp.issparse(S) and X_users.shape[0] <= 64:
            # a few customers: sum their items' rows (scipy's sparse @ dense copies S)
            X = sp.csr_matrix(X_users)
            out = np.zeros((X.shape[0], S.shape[1]))
            for r in range(X.shape[0]):
                a, b = X.indptr[r], X.indptr[r + 1]
                if b > a:
                    out[r] = X.data[a:b] @ S[X.indices[a:b]]
            return out
        out = X_users @ S
        return np.asarray(out.toarray() if sp.issparse(out) else out, dtype=np.float64)

    def pair_similarity(self, sources: np.ndarray, item: int) -> np.ndarray:
        col = self.similarity_[np.asarray(sources), item]
        return np.asarray(col.toarray() if sp.issparse(col) else col, dtype=np.float64).ravel()

    def similar_items(self, items: np.ndarray) -> np.ndarray:
        rows = self.similarity_[np.asarray(items)]
        return np.asarray(rows.toarray() if sp.issparse(rows) else rows, dtype=np.float64)
