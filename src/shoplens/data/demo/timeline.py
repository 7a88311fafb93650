"""Place every visit in time: shop sessions, later review visits and after-sales chats.

Examples
--------
>>> VISIT_KINDS
('shop', 'review', 'chat')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shoplens.data.demo.behaviour import ShopEvents
from shoplens.data.demo.customers import TYPE_NAMES, Population
from shoplens.data.demo.sessions import DAY, NS, collision_free_starts, session_starts

VISIT_KINDS = ("shop", "review", "chat")
GAP_NS = 31 * 60 * NS  # a customer's visits are more than 30 minutes apart
_POST_DELAY_DAYS = {0: (1, 6), 1: (4, 15), 2: (2, 20)}  # logistics, return, complaint


@dataclass
class Timeline:
    """All visits (one row each) with their final start times."""

    visits: pd.DataFrame  # cust, kind, sess (shop session row), start, n_events
    shop_start: np.ndarray  # final start per shop session (ns)


def place_visits(
    rng: np.random.Generator,
    sess: pd.DataFrame,
    se: ShopEvents,
    pop: Population,
    cal: pd.DataFrame,
    t0_ns: int,
    t1_ns: int,
) -> Timeline:
    """Draw session start times, add the derived visits and make visits not overlap.

    Review visits come 2-25 days after their purchase, after-sales chats 1-20 days after
    (by intent). Derived visits after the period end, or after a churning customer's
    churn date, are dropped: churned customers never come back.
    """
    cust = sess["cust"].to_numpy()
    day = sess["day"].to_numpy()
    peak = np.isin(cal["event"].to_numpy()[day], ["618", "double11"])
    start = session_starts(rng, day, pop.tz[cust], t0_ns, peak)
    order = np.lexsort((np.arange(len(cust)), start, cust))
    fixed = np.empty_like(start)
    fixed[order] = collision_free_starts(cust[order], start[order], se.durations[order], GAP_NS)

    ev = se.events
    buy = ev["block"].to_numpy() == 8
    buy_sess = ev["sess"].to_numpy()[buy]
    purchase_ts = np.zeros(len(sess), dtype=np.int64)
    purchase_ts[buy_sess] = fixed[buy_sess] + ev["offset_ns"].to_numpy()[buy]

    churn_ns = np.where(pop.churn_day >= 0, t0_ns + pop.churn_day * DAY, np.iinfo(np.int64).max)
    rows = [
        pd.DataFrame(
            {
                "cust": cust,
                "kind": 0,
                "sess": np.arange(len(sess)),
                "start": fixed,
                "dur": se.durations,
                "n_events": 0,
            }
        )
    ]
    rv = np.flatnonzero(sess["n_review"].to_numpy() > 0)
    delay = (rng.uniform(2, 25, len(rv)) * DAY).astype(np.int64)
    n_rev = sess["n_review"].to_numpy()[rv]
    rows.append(
        pd.DataFrame(
            {
                "cust": cust[rv],
                "kind": 1,
                "sess": rv,
                "start": purchase_ts[rv] + delay,
                "dur": n_rev * 60 * NS,
                "n_events": n_rev,
            }
        )
    )
    pc = np.flatnonzero(sess["post_intent"].to_numpy() >= 0)
    intent = sess["post_intent"].to_numpy()[pc]
    lo = np.array([_POST_DELAY_DAYS[i][0] for i in intent], dtype=float)
    hi = np.array([_POST_DELAY_DAYS[i][1] for i in intent], dtype=float)
    delay = (rng.uniform(lo, hi) * DAY).astype(np.int64)
    rows.append(
        pd.DataFrame(
            {
                "cust": cust[pc],
                "kind": 2,
                "sess": pc,
                "start": purchase_ts[pc] + delay,
                "dur": 15 * 60 * NS,
                "n_events": 1,
            }
        )
    )
    visits = pd.concat(rows, ignore_index=True)
    derived = visits["kind"].to_numpy() > 0
    late = (visits["start"].to_numpy() >= t1_ns) | (
        visits["start"].to_numpy() >= churn_ns[visits["cust"].to_numpy()]
    )
    visits = visits[~(derived & late)].reset_index(drop=True)
    o = np.lexsort(
        (visits["kind"].to_numpy(), visits["start"].to_numpy(), visits["cust"].to_numpy())
    )
    visits = visits.iloc[o].reset_index(drop=True)
    visits["start"] = collision_free_starts(
        visits["cust"].to_numpy(), visits["start"].to_numpy(), visits["dur"].to_numpy(), GAP_NS
    )
    shop = visits[visits["kind"] == 0]
    shop_start = np.empty(len(sess), dtype=np.int64)
    shop_start[shop["sess"].to_numpy()] = shop["start"].to_numpy()
    return Timeline(visits, shop_start)


def churn_truth(pop: Population, t0_ns: int, t1_ns: int) -> pd.DataFrame:
    """Per-customer latent truth: type, activity window and churn date.

    Examples
    --------
    >>> churn_truth.__name__
    'churn_truth'
    """
    churn_ns = t0_ns + pop.churn_day * DAY
    has = pop.churn_day >= 0
    return pd.DataFrame(
        {
            "customer_id": pop.frame["customer_id"].to_numpy(),
            "customer_type": np.asarray(TYPE_NAMES, dtype=object)[pop.type_idx],
            "churn_date": np.where(has, churn_ns, np.iinfo(np.int64).min),
            "churned": has & (churn_ns < t1_ns),
            "active_from": t0_ns + pop.active_from * DAY,
            "active_to": t0_ns + pop.active_to * DAY,
            "activity": np.round(pop.activity, 6),
            "lang": pop.lang,
        }
    )
