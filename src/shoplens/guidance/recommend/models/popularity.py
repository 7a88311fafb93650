"""Popularity: global, within the customer's categories, or trending (recent weight).

Examples
--------
>>> import scipy.sparse as sp
>>> X = sp.csr_matrix([[1.0, 0, 1], [1, 0, 0]])
>>> Popularity().fit(X).score(X[:1], np.array([0])).round(2).tolist()
[[1.0, 0.0, 0.5]]
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from shoplens.errors import InputError
from shoplens.guidance.recommend.models.base import CandidateModel, FitContext

__all__ = ["Popularity"]

MODES = ("global", "category", "trending")


class Popularity(CandidateModel):
    """Item popularity, scaled to ``[0, 1]``.

    Parameters
    ----------
    mode
        ``"global"``: customers who interacted with the item; ``"category"``: that,
        times the customer's share of weight in the item's category (a new customer falls
        back to global); ``"trending"``: the recent (decayed) weight given in the fit
        context.
    """

    name: ClassVar[str] = "popularity"
    reason: ClassVar[str] = "popular"
    arrays: ClassVar[tuple[str, ...]] = ("popularity_", "category_")

    def __init__(self, mode: str = "global") -> None:
        self.mode = mode

    def fit(self, X: sp.csr_matrix, context: FitContext | None = None) -> Popularity:
        if self.mode not in MODES:
            raise InputError(f"popularity mode must be one of {MODES}, not {self.mode!r}")
        ctx = context or FitContext()
        if self.mode == "trending" and ctx.recent is not None:
            pop = np.asarray(ctx.recent, dtype=np.float64)
        else:
            pop = np.asarray((X > 0).sum(axis=0), dtype=np.float64).ravel()
        self.popularity_ = pop / max(pop.max(), 1e-12)
        n = X.shape[1]
        cat = ctx.category if ctx.category is not None else np.full(n, -1)
        self.category_ = np.asarray(cat, dtype=np.int64)
        return self

    def score(self, X_users: sp.csr_matrix, users: np.ndarray) -> np.ndarray:
        base = np.tile(self.popularity_, (X_users.shape[0], 1))
        if self.mode != "category" or (self.category_ < 0).all():
            return base
        cats = self.category_.clip(min=0)
        cached = getattr(self, "_onehot", None)
        if cached is None or cached[0] is not self.category_:
            k = int(cats.max()) + 1
            m = sp.csr_matrix((np.ones(len(cats)), (np.arange(len(cats)), cats)), (len(cats), k))
            self._onehot = cached = (self.category_, m)
        onehot = cached[1]
        share = np.asarray((X_users @ onehot).todense(), dtype=np.float64)
        total = share.sum(axis=1, keepdims=True)
        share = np.where(total > 0, share / np.where(total > 0, total, 1), 1.0)
        return base * share[:, cats] + 1e-6 * base  # ties broken by global popularity
