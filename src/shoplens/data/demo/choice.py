"""Which items a session shows, views, searches for and puts in the cart, by taste.

Each shop session has an **intent**: a target item drawn from the customer's choice model
in the session's (category, tier) group (:mod:`shoplens.data.demo.taste`). Its search
query names the target (sub-category, brand + sub-category, spec or feature); its first
view is the target, unless a clicked recommendation comes first; the other views are drawn
from the same model with a bonus of :data:`INTENT_BONUS` for the target's sub-category.
The cart takes the best viewed items by personal score plus Gumbel noise. With probability
:data:`P_COMPLEMENT`, a basket of two or more lines holds a **complement** of its first
line (phone -> earphones, coffee -> milk; :data:`COMPLEMENTS`) as its second line.
Impressions are popular items of the session's category. Nothing is shown, viewed or
bought before its launch day.

Examples
--------
>>> never = -np.inf  # log of a zero probability
>>> draw_rows(np.random.default_rng(0), np.array([[never, 0.0], [0.0, never]]), np.array([0, 1]))
array([1, 0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shoplens.data.demo.anomalies import Anomalies
from shoplens.data.demo.catalog import CATEGORY_KEYS, SUBS, Catalog
from shoplens.data.demo.taste import BETA, Taste, group_remap

INTENT_BONUS = 2.0  # log-odds bonus of the target's sub-category for the other views
P_COMPLEMENT = 0.5  # P(second line is a complement of the first | 2+ lines, anchor has one)
BRAND_BONUS = 1.0  # log-odds bonus of a complement of the anchor's own brand
#: sub-category -> the sub-categories bought with it
COMPLEMENTS: dict[str, tuple[str, ...]] = {
    "Smartphones": ("Earphones", "Chargers"),
    "Tablets": ("Chargers", "Earphones"),
    "Down jackets": ("Jeans",),
    "T-shirts": ("Jeans", "Sneakers"),
    "Dresses": ("Sneakers",),
    "Face cream": ("Serum",),
    "Serum": ("Face masks",),
    "Sunscreen": ("Face cream",),
    "Coffee": ("Milk", "Thermos cups"),
    "Tea": ("Thermos cups",),
    "Bedding sets": ("Storage boxes",),
    "Air fryers": ("Snack packs",),
}
_SUB_INDEX = {name: j for j, (_, name, _) in enumerate(SUBS)}
_CHUNK = 8_192  # sessions per block of the choice model


@dataclass
class Choices:
    """Items of every shop session's events, flat in session-major, rank order."""

    target: np.ndarray  # per session
    impressions: np.ndarray
    views: np.ndarray
    carts: np.ndarray
    queries: np.ndarray  # per session; None without a search
    complement: np.ndarray  # per session: the second line was drawn as a complement


def complement_pairs() -> list[tuple[int, int]]:
    """(anchor, complement) pairs of global sub-category indices.

    Examples
    --------
    >>> SUBS[complement_pairs()[0][1]][1]
    'Earphones'
    """
    return [(_SUB_INDEX[a], _SUB_INDEX[b]) for a, bs in COMPLEMENTS.items() for b in bs]


def draw_rows(rng: np.random.Generator, logits: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One column per entry of ``rows``, drawn from the softmax of ``logits[row]``.

    Rows whose logits are all ``-inf`` give ``-1``.
    """
    n_rows, k = logits.shape
    m = logits.max(axis=1, keepdims=True) if k else np.full((n_rows, 1), -np.inf)
    ok = np.isfinite(m[:, 0])
    cum = np.cumsum(np.exp(logits - np.where(ok[:, None], m, 0.0)), axis=1)
    total = np.where(ok, cum[:, -1], 1.0) if k else np.ones(n_rows)
    # one sorted array: row r's normalised cumulative sums shifted by r, so one
    # searchsorted finds every draw (first column whose cumulative share exceeds u)
    flat = (cum / total[:, None] + np.arange(n_rows)[:, None]).ravel()
    u = rng.random(len(rows)) * (1.0 - 1e-9)  # row + u stays below row + 1 in floats
    out = np.searchsorted(flat, rows + u, side="right") - rows * k
    out = np.clip(out, 0, max(k - 1, 0))
    out[~ok[rows]] = -1
    return out


def _flat_index(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner row, rank) of every flat entry of per-row ``counts``."""
    owner = np.repeat(np.arange(len(counts)), counts)
    return owner, np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)


def personal_score(taste: Taste, catalog: Catalog, cust, day, item) -> np.ndarray:
    """log popularity + BETA * taste . factors of (customer, day, item) triples."""
    u = taste.at(cust, day)
    return np.log(catalog.popularity[item]) + BETA * np.einsum("nk,nk->n", u, taste.v[item])


def _available(taste: Taste, plan: Anomalies | None, cand, day) -> np.ndarray:
    """(len(day), len(cand)): launched and in stock."""
    ok = taste.launch_day[cand][None, :] <= day[:, None]
    return ok if plan is None else ok & plan.in_stock(cand, day)


def _group_logits(taste, catalog, cand, cust, day, plan) -> np.ndarray:
    s = np.log(catalog.popularity[cand])[None, :] + BETA * (taste.at(cust, day) @ taste.v[cand].T)
    return np.where(_available(taste, plan, cand, day), s, -np.inf)


def choose_items(
    rng: np.random.Generator,
    sess: pd.DataFrame,
    catalog: Catalog,
    taste: Taste,
    cust_lang: np.ndarray,
    plan: Anomalies | None = None,
) -> Choices:
    """Draw the target, impressions, views, query and cart items of every session.

    With ``plan``, out-of-stock items are never drawn, the price error's extra sessions
    target its item and every session that views it on its day puts it in the cart first.
    """
    s_n = len(sess)
    cust = sess["cust"].to_numpy()
    day = sess["day"].to_numpy()
    remap = group_remap(catalog)
    item_group = catalog.category * 2 + catalog.tier
    cands = [np.flatnonzero(item_group == g) for g in range(len(remap))]
    group = remap[sess["category"].to_numpy() * 2 + sess["tier"].to_numpy()]
    n_imp, n_views = sess["n_imp"].to_numpy(), sess["n_views"].to_numpy()

    # impressions: popular launched items of the session's category, either tier
    io, _ = _flat_index(n_imp)
    imp_group = remap[sess["category"].to_numpy()[io] * 2 + rng.integers(0, 2, len(io))]
    impressions = np.empty(len(io), dtype=np.int64)
    for g in np.unique(imp_group):
        m = np.flatnonzero(imp_group == g)
        udays, inv = np.unique(day[io[m]], return_inverse=True)
        logits = np.where(
            _available(taste, plan, cands[g], udays),
            np.log(catalog.popularity[cands[g]])[None, :],
            -np.inf,
        )
        impressions[m] = cands[g][draw_rows(rng, logits, inv)]

    # target and views, group by group, in chunks of sessions
    vo, vr = _flat_index(n_views)
    v_first = np.cumsum(n_views) - n_views
    target = np.empty(s_n, dtype=np.int64)
    views = np.empty(len(vo), dtype=np.int64)
    for g in np.unique(group):
        rows_g = np.flatnonzero(group == g)
        cand = cands[g]
        for lo in range(0, len(rows_g), _CHUNK):
            rows = rows_g[lo : lo + _CHUNK]
            logits = _group_logits(taste, catalog, cand, cust[rows], day[rows], plan)
            tcol = draw_rows(rng, logits, np.arange(len(rows)))
            target[rows] = cand[tcol]
            bonus = catalog.sub[cand][None, :] == catalog.sub[cand[tcol]][:, None]
            extra = np.repeat(np.arange(len(rows)), n_views[rows] - 1)
            pos = np.repeat(v_first[rows] + 1, n_views[rows] - 1)
            pos = pos + _flat_index(n_views[rows] - 1)[1]
            views[pos] = cand[draw_rows(rng, logits + INTENT_BONUS * bonus, extra)]
    if plan is not None and sess["deal"].any():
        target[sess["deal"].to_numpy()] = plan.price_item
    views[v_first] = target
    clicked = sess["click"].to_numpy() > 0
    two = clicked & (n_views >= 2)  # a clicked recommendation comes first, then the target
    views[v_first[two] + 1] = target[two]
    imp_first = np.cumsum(n_imp) - n_imp
    views[v_first[clicked]] = impressions[imp_first[clicked]]

    # search query: names the target, in the customer's language
    searched = np.flatnonzero(sess["search"].to_numpy() > 0)
    form = rng.integers(0, 4, len(searched))
    queries = np.full(s_n, None, dtype=object)
    lang = cust_lang[cust[searched]]
    for code in ("zh", "en"):
        m = lang == code
        queries[searched[m]] = catalog.queries[code][target[searched[m]], form[m]]

    # cart: the best distinct viewed items by personal score + Gumbel noise
    key = personal_score(taste, catalog, cust[vo], day[vo], views) + rng.gumbel(size=len(vo))
    dup = pd.DataFrame({"o": vo, "i": views}).duplicated().to_numpy()
    key = np.where(dup, -np.inf, key)
    if plan is not None:
        key = np.where(plan.deal(views, day[vo]) & ~dup, np.inf, key)  # nobody misses the deal
    order = np.lexsort((vr, -key, vo))  # per session, best first
    n_cart = sess["n_cart"].to_numpy()
    co, cr = _flat_index(n_cart)
    carts = views[order[v_first[co] + cr]]
    complement = _complements(rng, sess, catalog, taste, carts, n_cart, plan)
    return Choices(target, impressions, views, carts, queries, complement)


def _complements(rng, sess, catalog, taste, carts, n_cart, plan) -> np.ndarray:
    """Replace the second cart line of some baskets by a complement of the first (in place)."""
    s_n = len(sess)
    c_first = np.cumsum(n_cart) - n_cart
    pairs = complement_pairs()
    n_subs = len(SUBS)
    options = [[b for a, b in pairs if a == j] for j in range(n_subs)]
    n_opt = np.array([len(o) for o in options])
    has = np.flatnonzero(n_cart - sess["remove"].to_numpy() >= 2)  # 2+ lines stay in the cart
    anchor = carts[c_first[has]]
    a_sub = catalog.sub[anchor]
    u = rng.random(len(has))
    pick = rng.random(len(has))
    chosen = has[(n_opt[a_sub] > 0) & (u < P_COMPLEMENT)]
    anchor = carts[c_first[chosen]]
    a_sub = catalog.sub[anchor]
    opt = (pick[np.searchsorted(has, chosen)] * n_opt[a_sub]).astype(np.int64)
    c_sub = np.array([options[a][k] for a, k in zip(a_sub, opt, strict=True)], dtype=np.int64)
    done = np.zeros(s_n, dtype=bool)
    cust, day = sess["cust"].to_numpy(), sess["day"].to_numpy()
    for j in np.unique(c_sub):
        rows = chosen[c_sub == j]
        cand = np.flatnonzero(catalog.sub == j)
        if len(cand) == 0:
            continue
        logits = _group_logits(taste, catalog, cand, cust[rows], day[rows], plan)
        same = catalog.brand[cand][None, :] == catalog.brand[carts[c_first[rows]]][:, None]
        col = draw_rows(rng, logits + BRAND_BONUS * same, np.arange(len(rows)))
        ok = col >= 0
        carts[c_first[rows[ok]] + 1] = cand[col[ok]]
        done[rows[ok]] = True
    return done


def complements_truth() -> pd.DataFrame:
    """``truth/complements.parquet``: one row per (anchor, complement) sub-category pair.

    ``probability`` is the planted P(second line is this complement | the first line is of
    the anchor sub-category and two or more lines stay in the cart); chance adds a little.

    Examples
    --------
    >>> complements_truth().iloc[0][["sub_category", "complement_sub_category"]].tolist()
    ['Smartphones', 'Earphones']
    """
    rows = []
    for a, b in complement_pairs():
        k = len(COMPLEMENTS[SUBS[a][1]])
        rows.append(
            (CATEGORY_KEYS[SUBS[a][0]], SUBS[a][1], CATEGORY_KEYS[SUBS[b][0]], SUBS[b][1],
             P_COMPLEMENT / k)
        )  # fmt: skip
    cols = ["category", "sub_category", "complement_category", "complement_sub_category",
            "probability"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)
