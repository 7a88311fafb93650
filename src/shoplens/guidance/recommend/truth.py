"""Judge recommendations against a known answer: the demo shop's true utilities.

The demo writes each customer's top items by true utility at the end of the period
(``truth/preferences.parquet``: ``customer_id, item_id, utility, rank``). NDCG@K uses the
gain ``exp(utility)`` (the chance a fresh session targets the item) over the truth's own
ideal order, so it rewards putting what the customer truly wants first.

Examples
--------
>>> truth = pd.DataFrame({"customer_id": ["c", "c"], "item_id": ["a", "b"],
...                       "utility": [np.log(0.6), np.log(0.2)], "rank": [1, 2]})
>>> round(truth_ndcg_lists({"c": ["b", "a"]}, truth, k=2), 3)
0.797
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["truth_ndcg", "truth_ndcg_lists"]


def truth_ndcg_lists(lists: Mapping[str, Sequence[str]], truth: pd.DataFrame, k: int = 10) -> float:
    """Mean NDCG@k of ``lists`` (customer -> item ids) against the truth's utilities."""
    gains = truth.assign(g=np.exp(truth["utility"].to_numpy(float)))
    by = {c: dict(zip(g["item_id"], g["g"], strict=True)) for c, g in gains.groupby("customer_id")}
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    vals = []
    for c, items in lists.items():
        g = by.get(c)
        if not g:
            continue
        got = np.array([g.get(i, 0.0) for i in list(items)[:k]])
        ideal = np.sort(np.fromiter(g.values(), float))[::-1][:k]
        vals.append((got * disc[: len(got)]).sum() / (ideal * disc[: len(ideal)]).sum())
    return float(np.mean(vals)) if vals else 0.0


def truth_ndcg(
    engine,  # type: ignore[no-untyped-def]
    truth: pd.DataFrame,
    *,
    k: int = 10,
    model: str | None = None,
    customers: Sequence[str] | None = None,
) -> float:
    """NDCG@k against the truth of one model's (or the blend's) top ``k`` lists.

    Seen items are not left out: the truth ranks every item, bought or not.
    """
    users = list(customers) if customers is not None else sorted(set(truth["customer_id"]))
    top = engine.top_n(users, k, model=model, exclude_seen=False)
    lists = {u: engine.item_ids_[row].tolist() for u, row in zip(users, top, strict=True)}
    return truth_ndcg_lists(lists, truth, k)
