"""EASE (Steck 2019): one closed-form item-item linear model.

``B = I - P diagMat(1 / diag(P))`` with ``P = (X^T X + lambda I)^-1``: the weights that
best reconstruct each item's column from the others, with a zero diagonal. It inverts an
items x items dense matrix: ``MAX_ITEMS`` (20,000 items: 3.2 GB in float64, minutes on 2
cores) is what it affords; beyond that use item-kNN or ALS.

Examples
--------
>>> import scipy.sparse as sp
>>> X = sp.csr_matrix([[1.0, 1, 0], [1, 1, 0], [0, 0, 1]])
>>> EASE(l2=1.0).fit(X).similarity_.diagonal().tolist()
[0.0, 0.0, 0.0]
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from scipy import linalg

from shoplens.errors import InputError
from shoplens.guidance.recommend.models.base import FitContext, ItemItemModel

__all__ = ["EASE", "MAX_ITEMS"]

#: the largest catalog EASE inverts (dense items x items)
MAX_ITEMS = 20_000


class EASE(ItemItemModel):
    """Embarrassingly shallow autoencoder.

    Parameters
    ----------
    l2
        Ridge penalty ``lambda`` on the item-item weights.
    binary
        Fit on 0/1 interactions (as in the paper) instead of the weights.
    """

    name: ClassVar[str] = "ease"
    reason: ClassVar[str] = "viewed"

    def __init__(self, l2: float = 200.0, binary: bool = False) -> None:
        self.l2 = l2
        self.binary = binary

    def fit(self, X: sp.csr_matrix, context: FitContext | None = None) -> EASE:
        n = X.shape[1]
        if n > MAX_ITEMS:
            raise InputError(
                f"EASE inverts an items x items matrix and affords {MAX_ITEMS:,} items,"
                f" not {n:,}: use item_knn or als for this catalog"
            )
        Xf = (X > 0).astype(np.float64) if self.binary else sp.csr_matrix(X, dtype=np.float64)
        G = np.asarray((Xf.T @ Xf).todense(), dtype=np.float64)
        G[np.diag_indices(n)] += self.l2
        P = linalg.inv(G, overwrite_a=True, check_finite=False)
        B = -P / np.diag(P)
        B[np.diag_indices(n)] = 0.0
        self.similarity_ = B
        return self
