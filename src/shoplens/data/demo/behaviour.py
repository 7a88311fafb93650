"""Expand shop sessions into events and order lines, vectorised over every event.

Within a session the events come in this order: impressions, a search, a click on a
recommendation, item views, a chat, add-to-carts, a remove-from-cart, checkout, purchase.

Examples
--------
>>> EVENT_BLOCKS[:3]
('impression', 'search', 'click_rec')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shoplens.data.demo.calendar import ShopEvent
from shoplens.data.demo.catalog import CATEGORIES, CATEGORY_KEYS, SERIES, Catalog

EVENT_BLOCKS = (
    "impression",
    "search",
    "click_rec",
    "view",
    "chat",
    "add_to_cart",
    "remove_from_cart",
    "checkout",
    "purchase",
)
#: per-session count columns, in the order their events happen in a shop session
SHOP_BLOCKS = (
    "n_imp",
    "search",
    "click",
    "n_views",
    "prechat",
    "n_cart",
    "remove",
    "checkout",
    "purchase",
)
# mean seconds before an event of each block, and a fixed minimum
_GAP_MEAN = np.array([5, 20, 15, 60, 90, 25, 20, 40, 60], dtype=float)
_GAP_MIN = np.array([1, 3, 2, 5, 30, 3, 3, 5, 10], dtype=float)


@dataclass
class ShopEvents:
    """Events of the shop sessions (session-major order) and the order lines."""

    events: pd.DataFrame  # sess, block, rank, item, query, value, offset_ns, conv
    lines: pd.DataFrame  # sess, line_number, item, quantity, unit_price (purchase sessions)
    totals: np.ndarray  # cart/order total per session (0 if no checkout)
    durations: np.ndarray  # ns from the first to the last event of each session


class ItemSampler:
    """Draw items by popularity within a (category, tier) group.

    Examples
    --------
    >>> from shoplens.data.demo.catalog import make_catalog
    >>> cat = make_catalog(np.random.default_rng(0), 40)
    >>> s = ItemSampler(cat)
    >>> it = s.draw(np.random.default_rng(1), np.array([0, 0, 3]))
    >>> bool((cat.category[it] == np.array([0, 0, 1])).all())
    True
    """

    def __init__(self, catalog: Catalog) -> None:
        group = catalog.category * 2 + catalog.tier
        n_groups = len(CATEGORY_KEYS) * 2
        order = np.lexsort((np.arange(len(group)), group))
        self.items = order
        g_sorted = group[order]
        within = pd.Series(catalog.popularity[order]).groupby(g_sorted).cumsum().to_numpy()
        self.cum = g_sorted + within
        self.start = np.searchsorted(g_sorted, np.arange(n_groups), side="left")
        self.end = np.searchsorted(g_sorted, np.arange(n_groups), side="right")
        empty = self.end == self.start
        # an empty tier borrows the other tier of its category
        self.remap = np.arange(n_groups)
        self.remap[empty] = self.remap[empty] ^ 1

    def draw(self, rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
        """Return item indices, one per group entry."""
        g = self.remap[group]
        idx = np.searchsorted(self.cum, g + rng.random(len(g)) * 0.999999, side="left")
        return self.items[np.clip(idx, self.start[g], self.end[g] - 1)]


def _queries(lang: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    flat, start, length = [], [], []
    for c in CATEGORIES:
        words = []
        for sub_en, sub_zh, *_ in c["subs"]:
            sub = sub_zh if lang == "zh" else sub_en.lower()
            words.append(sub)
            for b_en, b_zh in c["brands"][:4]:
                words.append(f"{b_zh} {sub}" if lang == "zh" else f"{b_en} {sub}")
            for spec in c["specs"][:2]:
                words.append(f"{sub} {spec}")
        for f_zh, f_en in c["features"]:
            words.append(f_zh if lang == "zh" else f_en)
        s_en, s_zh = SERIES[0]
        words.append(
            f"{c['brands'][0][1]} {s_zh}" if lang == "zh" else f"{c['brands'][0][0]} {s_en}"
        )
        start.append(len(flat))
        length.append(len(words))
        flat.extend(words)
    return np.asarray(flat, dtype=object), np.asarray(start), np.asarray(length)


def price_factors(cal: pd.DataFrame, events: list[ShopEvent]) -> np.ndarray:
    """(days, categories) multipliers on list prices: 1 minus the day's discount if it applies.

    Examples
    --------
    >>> from shoplens.data.demo.calendar import build_calendar
    >>> cal, evs = build_calendar("2025-11-01", 1)
    >>> float(price_factors(cal, evs)[10, 0])
    0.75
    """
    n_cat = len(CATEGORY_KEYS)
    f = np.ones((len(cal), n_cat))
    by_name = {e.name: e for e in events}
    disc = cal["discount"].to_numpy()
    for d, name in enumerate(cal["event"].to_numpy()):
        if not name:
            continue
        cats = by_name[name].categories
        for c, key in enumerate(CATEGORY_KEYS):
            if not cats or key in cats:
                f[d, c] = 1.0 - disc[d]
    return f


def expand_sessions(
    rng: np.random.Generator,
    sess: pd.DataFrame,
    catalog: Catalog,
    cust_lang: np.ndarray,
    factors: np.ndarray,
) -> ShopEvents:
    """Expand every session into its events, items, queries, values and time offsets."""
    s_n = len(sess)
    counts = sess[list(SHOP_BLOCKS)].to_numpy().astype(np.int64)
    total = counts.sum(axis=1)
    s_start = np.cumsum(total) - total
    before = np.cumsum(counts, axis=1) - counts
    n = int(total.sum())
    block = np.empty(n, dtype=np.int8)
    owner = np.empty(n, dtype=np.int64)
    rank = np.empty(n, dtype=np.int64)
    for b in range(len(SHOP_BLOCKS)):
        cb = counts[:, b]
        rep = np.repeat(np.arange(s_n), cb)
        r = np.arange(len(rep)) - np.repeat(np.cumsum(cb) - cb, cb)
        pos = s_start[rep] + before[rep, b] + r
        block[pos], owner[pos], rank[pos] = b, rep, r

    sampler = ItemSampler(catalog)
    cat = sess["category"].to_numpy()
    group = cat * 2 + sess["tier"].to_numpy()
    item = np.full(n, -1, dtype=np.int64)
    # impressions: popular items of the session's category, either tier
    m_imp = block == 0
    imp = sampler.draw(rng, cat[owner[m_imp]] * 2 + rng.integers(0, 2, int(m_imp.sum())))
    item[m_imp] = imp
    n_imp = counts[:, 0]
    imp_first = np.cumsum(n_imp) - n_imp
    # views; a clicked recommendation is the first item viewed
    m_view = block == 3
    views = sampler.draw(rng, group[owner[m_view]])
    n_views = counts[:, 3]
    v_first = np.cumsum(n_views) - n_views
    clicked = counts[:, 2] > 0
    views[v_first[clicked]] = imp[imp_first[clicked]]
    item[m_view] = views
    item[block == 2] = imp[imp_first[owner[block == 2]]]
    item[block == 4] = views[v_first[owner[block == 4]]]
    m_cart = block == 5
    item[m_cart] = views[v_first[owner[m_cart]] + rank[m_cart]]
    m_rm = block == 6
    item[m_rm] = views[v_first[owner[m_rm]] + counts[owner[m_rm], 5] - 1]

    # search queries in the customer's language
    query = np.full(n, None, dtype=object)
    m_q = block == 1
    q_owner = owner[m_q]
    q_lang = cust_lang[sess["cust"].to_numpy()[q_owner]]
    qv = np.empty(len(q_owner), dtype=object)
    for lang in ("zh", "en"):
        flat, start, length = _queries(lang)
        m = q_lang == lang
        c = cat[q_owner[m]]
        qv[m] = flat[start[c] + (rng.random(int(m.sum())) * length[c]).astype(np.int64)]
    query[m_q] = qv

    # prices, quantities, cart and order totals
    day = sess["day"].to_numpy()
    qty = np.zeros(n)
    unit = np.full(n, np.nan)
    it = item[m_cart]
    grocery = catalog.category[it] == CATEGORY_KEYS.index("Grocery")
    u = rng.random(len(it))
    qty[m_cart] = np.where(
        u < np.where(grocery, 0.6, 0.82), 1.0, np.where(u < np.where(grocery, 0.85, 0.95), 2.0, 3.0)
    )
    unit[m_cart] = np.round(
        catalog.price[it] * factors[day[owner[m_cart]], catalog.category[it]], 2
    )
    value = np.full(n, np.nan)
    value[m_cart] = np.round(qty[m_cart] * unit[m_cart], 2)
    kept_lines = counts[:, 5] - counts[:, 6]
    is_line = m_cart & (rank < kept_lines[owner])
    line_sum = np.bincount(owner[is_line], weights=value[is_line], minlength=s_n)
    totals = np.where(counts[:, 7] > 0, np.round(line_sum, 2), 0.0)
    # value of a removal: the removed cart line
    last_line = s_start + before[:, 5] + counts[:, 5] - 1
    value[m_rm] = value[last_line[owner[m_rm]]]
    m_buy = (block == 7) | (block == 8)
    value[m_buy] = totals[owner[m_buy]]

    in_order = is_line & (sess["purchase"].to_numpy()[owner] > 0)
    lines = pd.DataFrame(
        {
            "sess": owner[in_order],
            "line_number": rank[in_order] + 1,
            "item": item[in_order],
            "quantity": qty[in_order],
            "unit_price": unit[in_order],
        }
    )

    gaps = _GAP_MIN[block] + rng.exponential(1.0, n) * _GAP_MEAN[block]
    gaps[s_start[total > 0]] = 0.0
    cs = np.cumsum(gaps)
    offset = np.round((cs - cs[s_start[owner]]) * 1000).astype(np.int64) * 10**6
    last = s_start + total - 1
    durations = offset[last]
    events = pd.DataFrame(
        {
            "sess": owner,
            "block": block,
            "rank": rank,
            "item": item,
            "query": query,
            "value": value,
            "offset_ns": offset,
        }
    )
    return ShopEvents(events, lines, totals, durations)
