"""Real-time re-ranking of one customer's list: session, business rules, MMR, reasons.

The live session (viewed items, searches, cart) joins the customer's history with a boost,
so every model re-scores toward its intent; search queries boost the items whose titles
match. Rules then remove what must not be shown (bought, in the cart, out of stock, shown
too often without a click, outside the price band), MMR trades relevance for variety under
a per-category cap, and each item is explained by the model that put it there.

Examples
--------
>>> Rules().max_shown
3
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from shoplens.errors import InputError
from shoplens.guidance.recommend.interactions import FeedbackWeights

if TYPE_CHECKING:
    from shoplens.guidance.recommend.engine import Recommender

__all__ = ["Rules", "SessionEvents", "rerank", "session_row"]

#: a live session: event dicts (``type``, ``item_id``, ``query``) or a frame of them
SessionEvents = Sequence[Mapping[str, Any]] | pd.DataFrame


_WEIGHTS = FeedbackWeights().as_dict()


@dataclass(frozen=True)
class Rules:
    """Business rules and re-ranking settings of one ``recommend`` call.

    Attributes
    ----------
    exclude_seen
        Leave out items the customer already interacted with.
    exclude_purchased
        Leave out items the customer bought (the engine's ``purchased`` pairs).
    exclude_items
        Item ids never to show (out of stock, recalled ...).
    category_cap
        At most this many items of one category (``None``: no cap).
    price_band
        ``(low, high)`` list-price range (``None``: any price).
    max_shown
        Leave out an item shown this many times without a click (``None``: no limit).
    mmr_lambda
        MMR trade-off: 1 is pure relevance, lower values prefer variety.
    session_weight
        How much more a session event counts than a stored interaction.
    query_boost
        Weight of the search-query match in the blended z-score.
    candidates
        How many top items MMR chooses from.
    """

    exclude_seen: bool = True
    exclude_purchased: bool = True
    exclude_items: frozenset[str] = field(default_factory=frozenset)
    category_cap: int | None = 3
    price_band: tuple[float, float] | None = None
    max_shown: int | None = 3
    mmr_lambda: float = 0.85
    session_weight: float = 3.0
    query_boost: float = 1.0
    candidates: int = 50


def _events(session: SessionEvents | None) -> list[Mapping[str, Any]]:
    if session is None:
        return []
    if isinstance(session, pd.DataFrame):
        return session.to_dict("records")
    if isinstance(session, Mapping):
        raise InputError("session must be a list of events, e.g. [{'type': 'view', ...}]")
    out = list(session)
    for e in out:
        if not isinstance(e, Mapping) or "type" not in e:
            raise InputError("each session event needs a 'type' (view, search, add_to_cart ...)")
    return out


def session_row(
    engine: Recommender, session: SessionEvents | None
) -> tuple[sp.csr_matrix, list[str], set[int], set[int]]:
    """The session as one interaction row, its queries, cart items and viewed items."""
    w = _WEIGHTS
    m = len(engine.item_ids_)
    row = np.zeros(m)
    queries, cart, viewed = [], set(), set()
    for e in _events(session):
        kind = str(e["type"])
        q = e.get("query")
        if kind == "search" and isinstance(q, str) and q.strip():
            queries.append(q.strip())
        item = e.get("item_id")
        if item is None or (isinstance(item, float) and np.isnan(item)):
            continue
        k = engine.item_index_.get(str(item))
        if k is None:
            continue  # an item the engine does not know yet says nothing about taste
        row[k] += w.get(kind, 0.0)
        if kind == "add_to_cart":
            cart.add(k)
        elif kind == "remove_from_cart":
            cart.discard(k)
        if kind in ("view", "click_rec", "add_to_cart"):
            viewed.add(k)
    return sp.csr_matrix(np.maximum(row, 0.0)), queries, cart, viewed


def _sims(engine: Recommender, idx: np.ndarray) -> np.ndarray:
    content = next((mm for mm in engine.models_.values() if mm.name == "content"), None)
    if content is not None:
        V = content.item_vectors_[idx]
        return V @ V.T
    c = engine.item_category_[idx]
    return (c[:, None] == c[None, :]) & (c[:, None] >= 0)


def _mmr(engine: Recommender, cand: np.ndarray, rel: np.ndarray, n: int, rules: Rules) -> list[int]:
    """Greedy MMR over the candidates with a per-category cap; positions into ``cand``."""
    if len(cand) == 0:
        return []
    lo, hi = rel.min(), rel.max()
    r = (rel - lo) / (hi - lo) if hi > lo else np.ones_like(rel)
    sims = _sims(engine, cand).astype(float)
    cats = engine.item_category_[cand]
    picked: list[int] = []
    counts: dict[int, int] = {}
    best_sim = np.zeros(len(cand))
    free = np.ones(len(cand), dtype=bool)
    lam = rules.mmr_lambda
    while len(picked) < n and free.any():
        value = np.where(free, lam * r - (1 - lam) * best_sim, -np.inf)
        j = int(np.argmax(value))
        free[j] = False
        c = int(cats[j])
        if rules.category_cap is not None and c >= 0 and counts.get(c, 0) >= rules.category_cap:
            continue
        picked.append(j)
        counts[c] = counts.get(c, 0) + 1
        best_sim = np.maximum(best_sim, sims[j])
    return picked


REASONS = {
    "similar": "similar to {title}",
    "bought_with": "often bought with {title}",
    "viewed": "because you viewed {title}",
}


def _reason(
    engine: Recommender,
    k: int,
    model: str,
    history: np.ndarray,
    weights: np.ndarray,
    viewed: set[int],
) -> str:
    m = engine.models_[model]
    if m.name == "popularity" or len(history) == 0:
        c = engine.item_category_[k]
        if c >= 0:
            return f"popular in {engine.category_names_[c]}"
        return "popular right now"
    try:
        sim = m.pair_similarity(history, k)
    except NotImplementedError:
        sim = np.ones(len(history))
    src = int(history[np.argmax(weights * sim)])
    title = engine.item_title_[src]
    kind = "viewed" if src in viewed and m.reason != "bought_with" else m.reason
    return REASONS.get(kind, REASONS["viewed"]).format(title=title)


def rerank(
    engine: Recommender,
    customer: str,
    n: int,
    session: SessionEvents | None,
    rules: Rules,
) -> pd.DataFrame:
    """The list :meth:`Recommender.recommend` returns (see the module docs)."""
    if n < 1:
        raise InputError(f"n must be at least 1, got {n}")
    X, users = engine.rows([customer])
    srow, queries, cart, viewed = session_row(engine, session)
    has_session = srow.nnz > 0
    Xe = sp.csr_matrix(X + rules.session_weight * srow) if has_session else X
    ranker = getattr(engine, "reranker_", None)
    names = [k for k, v in engine.weights_.items() if v != 0.0 or ranker is not None]
    pop_name = next((k for k, mm in engine.models_.items() if mm.name == "popularity"), None)
    cold = Xe.nnz == 0
    if cold:
        # nothing known about taste: popular (or trending) items, plus the query match
        if pop_name is not None:
            z = engine.models_[pop_name].score(Xe, users)
        else:
            z = np.asarray((engine.X_ > 0).sum(axis=0), dtype=float)
        z = np.asarray(z, dtype=float).reshape(1, -1)
        contrib = {pop_name or "popularity": z}
        total = z.copy()
    else:
        u = users if not has_session else np.full_like(users, -1)
        scores = engine.model_scores(Xe, u, names)
        from shoplens.guidance.recommend.engine import _zscore

        zs = {k: _zscore(s) for k, s in scores.items()}
        contrib = {k: engine.weights_[k] * z for k, z in zs.items()}
        total = sum(contrib.values())
    total = np.asarray(total, dtype=float)[0].copy()
    match = np.zeros_like(total)
    for q in queries:
        match = np.maximum(match, engine.query_index_.match(q))
    if queries and rules.query_boost:
        sd = total.std() or 1.0
        total = total + rules.query_boost * sd * 2.0 * match

    banned = ~engine.available_.copy()
    u = int(users[0])
    if rules.exclude_seen:
        banned[Xe.indices] = True
    if rules.exclude_purchased and u >= 0:
        banned[engine.purchased_[u].indices] = True
    if rules.max_shown is not None and u >= 0:
        row = engine.shown_[u]
        banned[row.indices[row.data >= rules.max_shown]] = True
    banned[list(cart)] = True
    for item in rules.exclude_items:
        k = engine.item_index_.get(str(item))
        if k is not None:
            banned[k] = True
    if rules.price_band is not None:
        lo, hi = rules.price_band
        p = engine.item_price_
        banned |= ~((p >= lo) & (p <= hi))  # unknown price is outside any band
    total[banned] = -np.inf
    ok = np.flatnonzero(np.isfinite(total))
    m = min(max(rules.candidates, n), len(ok))
    cand = ok[np.argsort(-total[ok], kind="stable")[:m]]
    rel = total[cand]
    if ranker is not None and not cold and len(cand):
        from shoplens.guidance.recommend.engine import _take_rows
        from shoplens.guidance.recommend.ranker import candidate_features

        ages = _take_rows(engine.age_, users)
        feats = candidate_features(engine, Xe, ages, zs, total[None, :], cand[None, :])
        rel = ranker.predict(feats)
        order = np.argsort(-rel, kind="stable")
        cand, rel = cand[order], rel[order]
    picked = cand[_mmr(engine, cand, rel, n, rules)]

    history = Xe.indices
    hw = Xe.data
    rows = []
    for rank, k in enumerate(picked, start=1):
        best = max(contrib, key=lambda name: contrib[name][0, k])
        if queries and match[k] > 0 and (cold or match[k] >= 0.5):
            reason = f"matches your search “{queries[-1]}”"
        else:
            reason = _reason(engine, int(k), best, history, hw, viewed)
        rows.append(
            (customer, rank, engine.item_ids_[k], engine.item_title_[k], total[k], best, reason)
        )
    return pd.DataFrame(
        rows, columns=["customer_id", "rank", "item_id", "title", "score", "model", "reason"]
    )


def unique(values: Iterable[str]) -> list[str]:
    """Distinct values in first-seen order."""
    return list(dict.fromkeys(values))
