"""The linear blend ``sum_m w_m z_m``: weights fitted on a validation window.

``z_m`` is model ``m``'s score z-scored per customer, so weights compare across models
whose scores live on different scales (ALS dot products, EASE regressions, cosines,
counts). :func:`fit_blend` runs coordinate ascent over a grid of weights, maximising
NDCG@K of the blended lists against the validation window's items: the seeds'
``alpha * CF + beta * CB + gamma * popularity`` with one weight per candidate model,
starting from the best single model.

Examples
--------
>>> z = {"a": np.array([[3.0, 2, 1]]), "b": np.array([[1.0, 2, 3]])}
>>> fit_blend(z, [{2}], np.zeros((1, 3), bool), k=1)["b"] > 0
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from shoplens.guidance.recommend.metrics import ranking_metrics

__all__ = ["GRID", "blend_ndcg", "fit_blend"]

#: weights tried for each model
GRID = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)


def _top(s: np.ndarray, seen: np.ndarray, k: int) -> np.ndarray:
    s = np.where(seen, -np.inf, s)
    part = np.argpartition(-s, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(s, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def blend_ndcg(
    z: Mapping[str, np.ndarray],
    weights: Mapping[str, float],
    relevant: Sequence[set[int]],
    seen: np.ndarray,
    k: int = 10,
) -> float:
    """Mean NDCG@k of the blend with these weights."""
    s = sum(weights.get(n, 0.0) * v for n, v in z.items())
    if np.isscalar(s):
        return 0.0
    return float(ranking_metrics(_top(s, seen, k), relevant, k)["ndcg"].mean())


def fit_blend(
    z: Mapping[str, np.ndarray],
    relevant: Sequence[set[int]],
    seen: np.ndarray,
    *,
    k: int = 10,
    passes: int = 3,
) -> dict[str, float]:
    """Blend weights maximising NDCG@k on the validation customers.

    Parameters
    ----------
    z
        Per-customer z-scored scores of each model (same rows and columns).
    relevant
        Validation items per row; ``seen``: items to leave out of each list.
    """
    names = list(z)
    # start from the best single model, so the blend is never worse on validation than it
    # (starting from equal weights got stuck where a weak model's weight hurt)
    alone = {n: blend_ndcg(z, {n: 1.0}, relevant, seen, k) for n in names}
    first = max(names, key=lambda n: alone[n])
    best = {n: 1.0 if n == first else 0.0 for n in names}
    score = alone[first]
    for _ in range(passes):
        changed = False
        for n in names:
            for w in GRID:
                if w == best[n]:
                    continue
                trial = {**best, n: w}
                if not any(trial.values()):
                    continue
                got = blend_ndcg(z, trial, relevant, seen, k)
                if got > score + 1e-9:
                    best, score, changed = trial, got, True
        if not changed:
            break
    return best
