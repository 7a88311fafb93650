"""Session-level draws: how many visits each customer makes, when, and how far down the funnel.

A shop session always starts with at least one item view. With probability
``p_cart = min(cap, base_cart[type] * channel_cart[channel] * calendar_cart[day])`` it adds
to cart; given a cart it reaches checkout with ``p_checkout`` (same form) and, given a
checkout, purchases with ``p_purchase``. Every probability actually used is kept per
session in the ground truth.

Examples
--------
>>> collision_free_starts(np.array([0, 0]), np.array([0, 10]), np.array([100, 5]), 60)
array([  0, 160])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shoplens.data.demo.anomalies import Anomalies, deal_visits, late_sessions
from shoplens.data.demo.behaviour import SHOP_BLOCKS
from shoplens.data.demo.calendar import HOURLY
from shoplens.data.demo.customers import (
    CHANNEL_NAMES,
    CHANNELS,
    CUSTOMER_TYPES,
    DEVICES,
    TYPE_NAMES,
    Population,
)

CAP = 0.95
STAGES = ("cart", "checkout", "purchase")
PRE_INTENTS = ("purchase", "compare", "seek_reviews", "price_inquiry", "hesitation", "other")
POST_INTENTS = ("logistics_inquiry", "return_refund", "complaint")
# P(intent | outcome) for chats during a session: purchased, carted only, browsed only
_PRE_P = {
    "purchased": (0.35, 0.2, 0.15, 0.2, 0.0, 0.1),
    "carted": (0.0, 0.15, 0.1, 0.3, 0.35, 0.1),
    "browsed": (0.0, 0.25, 0.25, 0.2, 0.1, 0.2),
}
STATUS = ("completed", "returned", "cancelled")
NS = 10**9
DAY = 86_400 * NS


def type_array(key: str) -> np.ndarray:
    """One parameter of every customer type, in :data:`TYPE_NAMES` order.

    Examples
    --------
    >>> type_array("cart").shape
    (6,)
    """
    return np.array([CUSTOMER_TYPES[t][key] for t in TYPE_NAMES], dtype=float)


def channel_array(stage: str) -> np.ndarray:
    """One funnel multiplier of every channel, in :data:`CHANNEL_NAMES` order.

    Examples
    --------
    >>> float(channel_array("cart")[0])
    1.1
    """
    return np.array([CHANNELS[c][stage] for c in CHANNEL_NAMES], dtype=float)


def _expected_events(k: int) -> float:
    t = CUSTOMER_TYPES[TYPE_NAMES[k]]
    cart = t["cart"]
    buy = cart * t["checkout"] * t["purchase"]
    return (
        1.0
        + t["p_search"]
        + 0.2
        + t["views_mean"]
        + t["p_chat"]
        + cart * (t["basket_mean"] + 0.1)
        + cart * t["checkout"]
        + buy * (1 + t["p_review"] * t["basket_mean"] + 0.1)
    )


def draw_sessions(
    rng: np.random.Generator,
    pop: Population,
    cal: pd.DataFrame,
    n_events: int,
    n_categories: int,
    affinity: np.ndarray | None = None,
    anomalies: Anomalies | None = None,
) -> pd.DataFrame:
    """Draw shop sessions whose events (derived review/chat visits included) total ``n_events``.

    Returns one row per session with the customer index, day, channel, device, category,
    tier, block sizes, funnel outcome and the probabilities used. The category is drawn
    from the customer's row of ``affinity`` (customers x categories) when given, else it
    is the favourite category 60 % of the time and a uniform one otherwise. With
    ``anomalies``, the extra sessions of the price error (column ``deal``) and the effects
    of late deliveries (column ``late``) are drawn before the sessions are cut to
    ``n_events``. ``frame.attrs`` holds the ``scale`` of the visit rates and the share of
    drawn sessions kept (``keep``).

    Examples
    --------
    >>> from shoplens.data.demo.calendar import build_calendar
    >>> from shoplens.data.demo.customers import make_customers
    >>> cal, _ = build_calendar("2025-05-01", 3)
    >>> rng = np.random.default_rng(0)
    >>> pop = make_customers(rng, 50, cal, "2025-05-01", 3)
    >>> s = draw_sessions(rng, pop, cal, 2000, 5)
    >>> int(s["n_events"].sum()) <= 2000
    True
    """
    n_cust = len(pop.type_idx)
    base = cal["base_traffic"].to_numpy()
    ev = cal["event_traffic"].to_numpy()
    cum = []
    for k in range(len(TYPE_NAMES)):
        w = base * ev ** CUSTOMER_TYPES[TYPE_NAMES[k]]["event_sensitivity"]
        cum.append(np.concatenate([[0.0], np.cumsum(w / w.mean())]))
    cum_k = np.stack(cum)  # (types, days + 1)
    k = pop.type_idx
    lo = cum_k[k, pop.active_from]
    hi = cum_k[k, pop.active_to]
    lam = type_array("visit_rate")[k] * pop.activity * (hi - lo)
    per_session = np.array([_expected_events(j) for j in range(len(TYPE_NAMES))])[k]
    scale = 1.3 * n_events / max(float((lam * per_session).sum()), 1e-9)
    n_sess = rng.poisson(lam * scale)
    cust = np.repeat(np.arange(n_cust), n_sess)
    s = len(cust)
    kk = k[cust]
    u = lo[cust] + rng.random(s) * (hi[cust] - lo[cust])
    day = np.empty(s, dtype=np.int64)
    for j in range(len(TYPE_NAMES)):
        m = kk == j
        day[m] = np.searchsorted(cum_k[j], u[m], side="right") - 1
    day = np.clip(day, pop.active_from[cust], pop.active_to[cust] - 1)
    deal = np.zeros(s, dtype=bool)
    if anomalies is not None:
        extra = deal_visits(rng, anomalies, pop, s, len(cal))
        cust = np.concatenate([cust, extra])
        day = np.concatenate([day, np.full(len(extra), anomalies.price_day)])
        deal = np.concatenate([deal, np.ones(len(extra), dtype=bool)])
        s, kk = len(cust), k[cust]

    p_chan = np.array([CHANNELS[c]["session"] for c in CHANNEL_NAMES])
    channel = np.where(
        rng.random(s) < 0.4, pop.channel[cust], rng.choice(len(CHANNEL_NAMES), s, p=p_chan)
    )
    device = np.where(
        rng.random(s) < 0.8,
        pop.device[cust],
        rng.choice(len(DEVICES), s, p=np.array(list(DEVICES.values()))),
    )
    if affinity is None:
        fav = rng.random(s) < 0.6
        category = np.where(fav, pop.favourite[cust], rng.integers(0, n_categories, s))
    else:
        cum = np.cumsum(affinity, axis=1)[cust]
        category = np.minimum((cum <= rng.random(s)[:, None] * cum[:, -1:]).sum(axis=1),
                              n_categories - 1)  # fmt: skip
    tier = (rng.random(s) >= type_array("budget_share")[kk]).astype(np.int64)
    if deal.any():
        category[deal], tier[deal] = anomalies.price_category, anomalies.price_tier

    p = {}
    for stage in STAGES:
        up = cal[f"{stage}_uplift"].to_numpy()[day]
        p[stage] = np.minimum(CAP, type_array(stage)[kk] * channel_array(stage)[channel] * up)
    cart = rng.random(s) < p["cart"]
    checkout = cart & (rng.random(s) < p["checkout"])
    purchase = checkout & (rng.random(s) < p["purchase"])

    n_imp = np.minimum(rng.poisson(1.0, s), 4)
    search = rng.random(s) < type_array("p_search")[kk]
    click = (n_imp > 0) & (rng.random(s) < 0.3)
    n_views = 1 + np.minimum(rng.poisson(type_array("views_mean")[kk] - 1.0), 24)
    n_cart = np.where(
        cart,
        np.minimum(np.minimum(1 + rng.poisson(type_array("basket_mean")[kk] - 1.0), 6), n_views),
        0,
    )
    remove = cart & (n_cart >= 2) & (rng.random(s) < 0.15)
    prechat = rng.random(s) < type_array("p_chat")[kk]
    outcome = np.where(purchase, 0, np.where(cart, 1, 2))
    u_int = rng.random(s)
    pre_intent = np.zeros(s, dtype=np.int64)
    for o, key in enumerate(("purchased", "carted", "browsed")):
        cdf = np.cumsum(_PRE_P[key])
        m = outcome == o
        pre_intent[m] = np.minimum(np.searchsorted(cdf, u_int[m] * cdf[-1]), len(cdf) - 1)

    n_lines = np.where(purchase, n_cart - remove, 0)
    t_name = np.asarray(TYPE_NAMES)[kk]
    p_return = np.where(np.isin(t_name, ["bargain_hunter", "churning"]), 0.09, 0.04)
    ur = rng.random(s)
    status = np.where(ur < p_return, 1, np.where(ur < p_return + 0.03, 2, 0))
    status = np.where(purchase, status, -1)
    n_review = np.where(
        purchase & (status != 2), rng.binomial(n_lines, type_array("p_review")[kk]), 0
    )
    up = rng.random(s)
    p_complain = np.where(t_name == "churning", 0.07, 0.025)
    post_intent = np.where(
        status == 1,
        np.where(up < 0.75, 1, -1),
        np.where(up < 0.07, 0, np.where(up < 0.07 + p_complain, 2, -1)),
    )
    post_intent = np.where(purchase & (status != 2), post_intent, -1)

    frame = pd.DataFrame(
        {
            "cust": cust,
            "type": kk,
            "day": day,
            "channel": channel,
            "device": device,
            "category": category,
            "tier": tier,
            "n_imp": n_imp,
            "search": search.astype(int),
            "click": click.astype(int),
            "n_views": n_views,
            "prechat": prechat.astype(int),
            "n_cart": n_cart,
            "remove": remove.astype(int),
            "checkout": checkout.astype(int),
            "purchase": purchase.astype(int),
            "cart": cart.astype(int),
            "n_lines": n_lines,
            "status": status,
            "n_review": n_review,
            "postchat": (post_intent >= 0).astype(int),
            "pre_intent": pre_intent,
            "post_intent": post_intent,
            "p_cart": p["cart"],
            "p_checkout": p["checkout"],
            "p_purchase": p["purchase"],
        }
    )
    frame["deal"] = deal
    if anomalies is not None:
        late_sessions(rng, frame, anomalies, pop)
    else:
        frame["late"] = False
    blocks = [*SHOP_BLOCKS, "n_review", "postchat"]
    frame["n_events"] = frame[blocks].sum(axis=1)
    order = rng.permutation(s)
    keep = np.sort(order[np.cumsum(frame["n_events"].to_numpy()[order]) <= n_events])
    out = frame.iloc[keep].reset_index(drop=True)
    out.attrs = {"scale": float(scale), "keep": len(keep) / max(s, 1)}
    return out


def session_starts(
    rng: np.random.Generator, day: np.ndarray, tz: np.ndarray, t0_ns: int, peak: np.ndarray
) -> np.ndarray:
    """Start times (ns UTC): the day plus a local hour drawn from :data:`HOURLY`.

    On peak days (``peak`` true) a quarter of sessions start in the first local hour,
    the midnight rush of 618 and Double 11.

    Examples
    --------
    >>> st = session_starts(np.random.default_rng(0), np.array([0]), np.array([8]), 0,
    ...                     np.array([False]))
    >>> 0 <= int(st[0]) < 86_400 * 10**9
    True
    """
    n = len(day)
    hp = np.asarray(HOURLY) / np.sum(HOURLY)
    hour = rng.choice(24, n, p=hp)
    hour = np.where(peak & (rng.random(n) < 0.25), 0, hour)
    utc_hour = (hour - tz) % 24
    sec = utc_hour * 3600 + rng.integers(0, 3600, n)
    return t0_ns + day * DAY + sec * NS


def collision_free_starts(
    cust: np.ndarray, start: np.ndarray, duration: np.ndarray, gap: int
) -> np.ndarray:
    """Shift visits later so that a customer's visits are at least ``gap`` apart.

    ``start`` must be sorted within each customer; implements
    ``s'[i] = max(s[i], s'[i-1] + duration[i-1] + gap)`` without a Python loop.

    Examples
    --------
    >>> collision_free_starts(np.array([0, 0, 1]), np.array([0, 5, 5]), np.array([10, 1, 1]), 2)
    array([ 0, 12,  5])
    """
    c = duration + gap
    frame = pd.DataFrame({"cust": cust, "c": c})
    excl = frame.groupby("cust")["c"].cumsum().to_numpy() - c
    rel = pd.Series(start - excl).groupby(cust).cummax().to_numpy()
    return excl + rel


def pre_intent_name(code: np.ndarray) -> np.ndarray:
    """Names of pre-purchase chat intents.

    Examples
    --------
    >>> pre_intent_name(np.array([0, 4])).tolist()
    ['purchase', 'hesitation']
    """
    return np.asarray(PRE_INTENTS, dtype=object)[code]
