"""Co-visitation (the OTTO candidate generator): items met in the same session.

``C = S^T S`` over a session x item matrix (sessions, orders, or a customer's day; the
weights already differ by event type), diagonal dropped, the top ``k`` per item kept and
each row scaled to sum 1. Scores are ``X_users @ C``: "often bought with".

Examples
--------
>>> import scipy.sparse as sp
>>> S = sp.csr_matrix([[1.0, 1, 0], [1, 1, 0], [0, 1, 1]])
>>> CoVisitation().fit(S[:0], FitContext(sessions=S)).similarity_.toarray().round(2).tolist()
[[0.0, 1.0, 0.0], [0.67, 0.0, 0.33], [0.0, 1.0, 0.0]]
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from shoplens.guidance.recommend.models.base import FitContext, ItemItemModel

__all__ = ["CoVisitation"]


def top_k_rows(m: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keep the ``k`` largest entries of each row."""
    m = sp.csr_matrix(m)
    rows, cols, vals = [], [], []
    for i in range(m.shape[0]):
        a, b = m.indptr[i], m.indptr[i + 1]
        if b - a == 0:
            continue
        d, c = m.data[a:b], m.indices[a:b]
        if b - a > k:
            keep = np.argpartition(-d, k - 1)[:k]
            d, c = d[keep], c[keep]
        rows.append(np.full(len(c), i))
        cols.append(c)
        vals.append(d)
    if not rows:
        return sp.csr_matrix(m.shape)
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), m.shape
    )


class CoVisitation(ItemItemModel):
    """Items co-visited within a session.

    Parameters
    ----------
    k
        Co-visited items kept per item.
    max_session
        Sessions with more items than this are left out (bots, crawlers).
    """

    name: ClassVar[str] = "covisit"
    reason: ClassVar[str] = "bought_with"

    def __init__(self, k: int = 50, max_session: int = 100) -> None:
        self.k = k
        self.max_session = max_session

    def fit(self, X: sp.csr_matrix, context: FitContext | None = None) -> CoVisitation:
        S = context.sessions if context is not None and context.sessions is not None else X
        S = sp.csr_matrix(S, dtype=np.float64)
        size = np.diff(S.indptr)
        S = S[(size >= 2) & (size <= self.max_session)]
        C = sp.csr_matrix(S.T @ S)
        C.setdiag(0.0)
        C.eliminate_zeros()
        C = top_k_rows(C, self.k)
        total = np.asarray(C.sum(axis=1)).ravel()
        total[total == 0] = 1.0
        self.similarity_ = sp.csr_matrix(sp.diags(1.0 / total) @ C)
        return self
