"""How well a score ranks a binary label: ROC AUC, PR AUC and a lift table by decile.

Used to judge churn/purchase propensity (and P(alive) beside it) on a later cutoff;
re-exported by :mod:`shoplens.lifecycle.propensity`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from shoplens.errors import InputError

__all__ = ["evaluate", "lift_table"]


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
