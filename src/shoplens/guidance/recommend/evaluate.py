"""Offline evaluation with a time split: fit before ``T``, test on the window after it.

Three cut points: the blend weights and the re-ranker are fitted on a validation window
(models trained before ``T_val``, judged on ``[T_val, T_test)``); every model, the blend and
the re-ranker are then refitted before ``T_test`` and tested on ``[T_test, end]``. A
test item the customer already interacted with before ``T_test`` does not count (lists
leave seen items out), so nothing after a cut point leaks into what is scored.

Examples
--------
>>> round(float(np.mean([1.0, 0.0])), 1)
0.5
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from ibis.backends import BaseBackend

from shoplens.errors import InputError
from shoplens.guidance.recommend.blend import fit_blend
from shoplens.guidance.recommend.data import last_activity, relevant_items, training_frames
from shoplens.guidance.recommend.engine import Recommender, _zscore
from shoplens.guidance.recommend.metrics import (
    coverage,
    intra_list_diversity,
    novelty,
    ranking_metrics,
)
from shoplens.guidance.recommend.ranker import Reranker, candidate_features

__all__ = ["Evaluation", "evaluate_recommenders", "fit_engine", "score_lists"]

CANDIDATES = 50


@dataclass
class Evaluation:
    """What :func:`evaluate_recommenders` found."""

    table: pd.DataFrame
    breakdown: pd.DataFrame
    weights: dict[str, float]
    default: str
    cutoffs: dict[str, pd.Timestamp]
    reranker: Reranker | None = None
    lists: dict[str, np.ndarray] = field(default_factory=dict)


def fit_engine(
    con: BaseBackend,
    end: Any,
    *,
    models: Mapping[str, Any] | None = None,
    weights: Mapping[str, float] | None = None,
    item_vectors: np.ndarray | None = None,
    half_life_days: float | None = 90.0,
    seed: int = 0,
    text: str = "short",
) -> Recommender:
    """Fit a :class:`Recommender` on the warehouse's feedback before ``end``."""
    f = training_frames(con, end, half_life_days=half_life_days)
    if f["interactions"].empty:
        raise InputError(f"no interactions before {end}: ingest events or orders first")
    items = f["items"] if len(f["items"]) else None
    vec = None
    if item_vectors is not None and items is not None:
        vec = item_vectors  # callers give vectors in sorted catalog-id order
    return Recommender(models, weights, seed=seed, text=text).fit(
        f["interactions"],
        items,
        sessions=f["sessions"],
        purchased=f["purchased"],
        shown=f["shown"],
        recent=f["recent"],
        item_vectors=_align(vec, items, f["interactions"]) if vec is not None else None,
    )


def _align(vec: Any, items: pd.DataFrame, inter: pd.DataFrame) -> np.ndarray:
    """Vectors given per catalog item id (a mapping) in the engine's sorted item order."""
    ids = np.unique(np.concatenate([items["item_id"].astype(str), inter["item_id"].astype(str)]))
    if isinstance(vec, Mapping):
        dim = len(next(iter(vec.values())))
        return np.vstack([vec.get(i, np.zeros(dim)) for i in ids])
    return np.asarray(vec)


def _relevant(eng: Recommender, frame: pd.DataFrame, limit: int, seed: int):
    """Customers with a new relevant item, their item sets (engine indices) and rows."""
    frame = frame[frame["item_id"].astype(str).isin(eng.item_index_)]
    groups = frame.groupby(frame["customer_id"].astype(str))["item_id"].apply(
        lambda s: {eng.item_index_[str(i)] for i in s}
    )
    users, rel = [], []
    for u, items in groups.items():
        k = eng.user_index_.get(u)
        seen = set(eng.X_[k].indices.tolist()) if k is not None else set()
        new = items - seen
        if new:
            users.append(u)
            rel.append(new)
    if len(users) > limit:
        pick = np.sort(np.random.default_rng(seed).choice(len(users), limit, replace=False))
        users = [users[i] for i in pick]
        rel = [rel[i] for i in pick]
    return users, rel


def _z(eng: Recommender, users: list[str]) -> tuple[dict[str, np.ndarray], np.ndarray, Any]:
    X, idx = eng.rows(users)
    raw = eng.model_scores(X, idx)
    cold = np.flatnonzero(np.diff(X.indptr) == 0)
    z = {}
    for name, s in raw.items():
        s = s.astype(float, copy=True)
        if len(cold) and eng.models_[name].name != "popularity":
            s[cold] = 0.0
        z[name] = _zscore(s)
    seen = np.zeros((len(users), len(eng.item_ids_)), dtype=bool)
    seen[X.nonzero()] = True
    return z, seen, X


def _top(s: np.ndarray, seen: np.ndarray, k: int) -> np.ndarray:
    s = np.where(seen, -np.inf, s)
    k = min(k, s.shape[1])
    part = np.argpartition(-s, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(s, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _blend(z: Mapping[str, np.ndarray], w: Mapping[str, float]) -> np.ndarray:
    return sum(w.get(n, 0.0) * v for n, v in z.items())  # type: ignore[return-value]


def score_lists(
    eng: Recommender, lists: np.ndarray, relevant: list[set[int]], k: int
) -> dict[str, float]:
    """Mean ranking metrics of ``lists`` plus coverage, novelty and diversity."""
    m = ranking_metrics(lists, relevant, k)
    share = np.asarray((eng.X_ > 0).sum(axis=0), dtype=float).ravel() / max(eng.X_.shape[0], 1)
    content = next((mm for mm in eng.models_.values() if mm.name == "content"), None)
    if content is not None:
        vec = content.item_vectors_
    else:
        cats = eng.item_category_.clip(min=0)
        vec = np.eye(int(cats.max()) + 1)[cats]
    return {
        f"recall@{k}": float(m["recall"].mean()),
        f"ndcg@{k}": float(m["ndcg"].mean()),
        f"map@{k}": float(m["map"].mean()),
        f"hit_rate@{k}": float(m["hit_rate"].mean()),
        f"coverage@{k}": coverage(lists[:, :k], len(eng.item_ids_)),
        f"novelty@{k}": novelty(lists[:, :k], share),
        f"diversity@{k}": intra_list_diversity(lists[:, :k], vec),
    }


def evaluate_recommenders(
    con: BaseBackend,
    *,
    test_days: float = 28.0,
    val_days: float = 28.0,
    models: Mapping[str, Any] | None = None,
    item_vectors: Any | None = None,
    max_customers: int = 3000,
    rerank: bool = True,
    seed: int = 0,
    progress: Callable[[str], object] | None = None,
) -> Evaluation:
    """Fit, blend and test every candidate model on a time split of the warehouse.

    Returns
    -------
    Evaluation
        ``table``: one row per model, ``blend`` and ``reranker`` (Recall/NDCG/MAP/hit
        rate @10 and @20, coverage, novelty, diversity @10); ``breakdown``: NDCG@10 and
        Recall@20 by customer group (cold-start customers, lifecycle segment) and the
        recall of cold-start items; the fitted blend ``weights``; ``default``: the
        better of blend and re-ranker on the test window.
    """
    say = progress or (lambda step: None)
    end = last_activity(con)
    if end is None:
        raise InputError("the warehouse has no events or orders: ingest them first")
    t_test = end - pd.Timedelta(days=test_days)
    t_val = t_test - pd.Timedelta(days=val_days)
    say("fitting on the training window")
    a = fit_engine(con, t_val, models=models, item_vectors=item_vectors, seed=seed)
    users, rel = _relevant(a, relevant_items(con, t_val, t_test), max_customers, seed)
    if not users:
        raise InputError("no customer came back in the validation window: lengthen it")
    say("fitting the blend on the validation window")
    z, seen, X = _z(a, users)
    weights = fit_blend(z, rel, seen, k=10)
    ranker = None
    if rerank:
        say("training the re-ranker")
        blend = _blend(z, weights)
        cand = _top(blend, seen, CANDIDATES)
        feats = candidate_features(a, X, _age_rows(a, users), z, blend, cand)
        labels = np.array([[c in r for c in row] for row, r in zip(cand, rel, strict=True)])
        if labels.any():
            ranker = Reranker(seed=seed).fit(feats, labels.ravel().astype(int), CANDIDATES)
    say("refitting and testing")
    b = fit_engine(con, t_test, models=models, weights=weights, item_vectors=item_vectors,
                   seed=seed)  # fmt: skip
    users, rel = _relevant(b, relevant_items(con, t_test, end + pd.Timedelta(seconds=1)),
                           max_customers, seed)  # fmt: skip
    if not users:
        raise InputError("no customer came back in the test window: lengthen it")
    z, seen, X = _z(b, users)
    pop = next((n for n, m in b.models_.items() if m.name == "popularity"), None)
    cold = np.flatnonzero(np.diff(X.indptr) == 0)
    lists = {}
    for name in z:  # a model alone falls back to popularity for a new customer, as served
        s = z[name].copy()
        if pop is not None and len(cold):
            s[cold] = z[pop][cold]
        lists[name] = _top(s, seen, 20)
    lists["blend"] = _top(_blend(z, weights), seen, 20)
    if ranker is not None:
        lists["reranker"] = _rerank_lists_users(b, X, z, _blend(z, weights), seen, ranker, users)
    rows = []
    for name, lst in lists.items():
        r = {"model": name, **score_lists(b, lst, rel, 10), **score_lists(b, lst, rel, 20)}
        rows.append(
            {
                k: v
                for k, v in r.items()
                if "@20" not in k or k.startswith(("recall", "ndcg", "hit"))
            }
        )
    table = pd.DataFrame(rows)
    best = (
        "reranker"
        if ranker is not None and _ndcg(table, "reranker") > _ndcg(table, "blend")
        else "blend"
    )
    breakdown = _breakdown(con, b, users, rel, lists, t_test)
    return Evaluation(
        table=table,
        breakdown=breakdown,
        weights=weights,
        default=best,
        cutoffs={"validation": t_val, "test": t_test, "end": end},
        reranker=ranker,
        lists=lists,
    )


def _ndcg(table: pd.DataFrame, name: str) -> float:
    return float(table.loc[table["model"] == name, "ndcg@10"].iloc[0])


def _age_rows(eng: Recommender, users: list[str]) -> sp.csr_matrix:
    idx = [eng.user_index_.get(u, -1) for u in users]
    A = eng.age_[np.clip(idx, 0, None)].tolil()
    for k, i in enumerate(idx):
        if i < 0:
            A.rows[k], A.data[k] = [], []
    return sp.csr_matrix(A)


def _rerank_lists_users(eng, X, z, blend, seen, ranker, users) -> np.ndarray:
    cand = _top(blend, seen, CANDIDATES)
    feats = candidate_features(eng, X, _age_rows(eng, users), z, blend, cand)
    s = ranker.predict(feats).reshape(cand.shape)
    order = np.argsort(-s, axis=1, kind="stable")[:, :20]
    return np.take_along_axis(cand, order, axis=1)


def _breakdown(con, eng, users, rel, lists, t_test) -> pd.DataFrame:
    known = np.array([u in eng.user_index_ for u in users])
    groups: dict[str, np.ndarray] = {"all": np.ones(len(users), bool), "known customers": known,
                                     "cold-start customers": ~known}  # fmt: skip
    if "lifecycle_customers" in con.list_tables():
        t = con.table("lifecycle_customers")
        if "segment_name" in t.columns:
            seg = t.select("customer_id", "segment_name").execute().drop_duplicates("customer_id")
            seg = seg.set_index("customer_id")["segment_name"].astype(str)
            lab = np.array([seg.get(u, "unknown") for u in users], dtype=object)
            for s in sorted(set(lab)):
                groups[f"segment: {s}"] = lab == s
    trained = np.asarray((eng.X_ > 0).sum(axis=0)).ravel() > 0
    cold_items = [{i for i in r if not trained[i]} for r in rel]
    has_cold = np.array([bool(c) for c in cold_items])
    rows = []
    for name, lst in lists.items():
        for g, mask in groups.items():
            if not mask.any():
                continue
            sub = [rel[i] for i in np.flatnonzero(mask)]
            m10 = ranking_metrics(lst[mask], sub, 10)
            m20 = ranking_metrics(lst[mask], sub, 20)
            rows.append((name, g, int(mask.sum()), m10["ndcg"].mean(), m20["recall"].mean()))
        if has_cold.any():
            sub = [cold_items[i] for i in np.flatnonzero(has_cold)]
            m20 = ranking_metrics(lst[has_cold], sub, 20)
            rows.append(
                (name, "cold-start items", int(has_cold.sum()), np.nan, m20["recall"].mean())
            )
    return pd.DataFrame(rows, columns=["model", "group", "customers", "ndcg@10", "recall@20"])
