"""Offline ranking metrics (the definitions Microsoft Recommenders uses).

For one customer with a top-``K`` list and a set of relevant items:

* Recall@K = hits / |relevant|; hit rate = 1 if any hit;
* NDCG@K = sum over hits of 1 / log2(rank + 1), divided by the same sum over the first
  min(|relevant|, K) ranks;
* MAP@K = sum over hits of precision at that rank, divided by min(|relevant|, K).

Catalogue-level: coverage (share of items recommended to anyone), novelty (mean
``-log2`` of the share of customers who interacted with a recommended item) and
intra-list diversity (mean pairwise ``1 - cosine`` inside a list).

Examples
--------
>>> m = ranking_metrics(np.array([[3, 1, 2]]), [{1, 9}], k=3)
>>> [round(float(m[k][0]), 3) for k in ("recall", "ndcg", "map")]
[0.5, 0.387, 0.25]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["coverage", "intra_list_diversity", "novelty", "ranking_metrics"]


def ranking_metrics(
    recs: np.ndarray, relevant: Sequence[set[int]], k: int
) -> dict[str, np.ndarray]:
    """Per-customer Recall, NDCG, MAP and hit rate at ``k`` (rows of ``recs``: top items)."""
    recs = np.asarray(recs)[:, :k]
    n = len(relevant)
    out = {m: np.zeros(n) for m in ("recall", "ndcg", "map", "hit_rate")}
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    for u, rel in enumerate(relevant):
        if not rel:
            continue
        hits = np.array([i in rel for i in recs[u]], dtype=float)
        ideal = min(len(rel), k)
        out["recall"][u] = hits.sum() / len(rel)
        out["hit_rate"][u] = float(hits.any())
        out["ndcg"][u] = (hits * discount[: len(hits)]).sum() / discount[:ideal].sum()
        prec = np.cumsum(hits) / np.arange(1, len(hits) + 1)
        out["map"][u] = (prec * hits).sum() / ideal
    return out


def coverage(recs: np.ndarray, n_items: int) -> float:
    """Share of the catalogue that appears in at least one list.

    Examples
    --------
    >>> coverage(np.array([[0, 1], [1, 2]]), 10)
    0.3
    """
    return len(np.unique(np.asarray(recs))) / n_items if n_items else 0.0


def novelty(recs: np.ndarray, share: np.ndarray) -> float:
    """Mean self-information ``-log2 p(i)`` of recommended items (``share``: p per item).

    Examples
    --------
    >>> novelty(np.array([[0, 1]]), np.array([0.5, 0.25]))
    1.5
    """
    p = np.clip(np.asarray(share, dtype=float)[np.asarray(recs)], 1e-12, 1.0)
    return float(np.mean(-np.log2(p)))


def intra_list_diversity(recs: np.ndarray, vectors: np.ndarray) -> float:
    """Mean pairwise ``1 - cosine`` of the items inside each list, averaged over lists.

    Examples
    --------
    >>> intra_list_diversity(np.array([[0, 1]]), np.array([[1.0, 0], [0, 1]]))
    1.0
    """
    V = np.asarray(vectors, dtype=float)
    V = V / np.maximum(np.linalg.norm(V, axis=1, keepdims=True), 1e-12)
    vals = []
    for row in np.asarray(recs):
        if len(row) < 2:
            continue
        s = V[row] @ V[row].T
        iu = np.triu_indices(len(row), 1)
        vals.append(float(np.mean(1 - s[iu])))
    return float(np.mean(vals)) if vals else 0.0
