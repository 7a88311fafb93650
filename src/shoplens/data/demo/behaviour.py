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

from shoplens.data.demo.anomalies import PRICE_ERROR_FACTOR, Anomalies
from shoplens.data.demo.calendar import ShopEvent
from shoplens.data.demo.catalog import CATEGORY_KEYS, Catalog
from shoplens.data.demo.choice import choose_items
from shoplens.data.demo.taste import Taste

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
    target: np.ndarray  # the intent (target item) of each session
    complement: np.ndarray  # per session: its second line is a complement of the first


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
    taste: Taste,
    plan: Anomalies | None = None,
) -> ShopEvents:
    """Expand every session into its events, items, queries, values and time offsets.

    Items and queries follow the customers' taste (:mod:`shoplens.data.demo.choice`).
    """
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

    ch = choose_items(rng, sess, catalog, taste, cust_lang, plan)
    item = np.full(n, -1, dtype=np.int64)
    item[block == 0] = ch.impressions
    item[block == 3] = ch.views
    n_imp, n_views = counts[:, 0], counts[:, 3]
    imp_first = np.cumsum(n_imp) - n_imp
    v_first = np.cumsum(n_views) - n_views
    item[block == 2] = ch.impressions[imp_first[owner[block == 2]]]
    item[block == 4] = ch.views[v_first[owner[block == 4]]]
    m_cart = block == 5
    item[m_cart] = ch.carts
    n_cart = counts[:, 5]
    c_first = np.cumsum(n_cart) - n_cart
    m_rm = block == 6  # the last cart line is the one removed
    item[m_rm] = ch.carts[c_first[owner[m_rm]] + n_cart[owner[m_rm]] - 1]
    query = np.full(n, None, dtype=object)
    m_q = block == 1
    query[m_q] = ch.queries[owner[m_q]]

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
    if plan is not None:  # the price error: list price times the wrong factor
        wrong = plan.deal(it, day[owner[m_cart]])
        unit[np.flatnonzero(m_cart)[wrong]] = np.round(
            catalog.price[it[wrong]] * PRICE_ERROR_FACTOR, 2
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
    return ShopEvents(events, lines, totals, durations, ch.target, ch.complement)
