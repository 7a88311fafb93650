"""Planted anomalies with a known answer: late deliveries, a stock-out and a price error.

* **late deliveries**: for :data:`LATE_DAYS` ordinary days, every order placed by a
  customer of one region (the Chinese region with the most customers) is delivered late.
  Its customers ask where their parcel is (an after-sales ``logistics_inquiry`` chat
  with probability :data:`P_LATE_CHAT`), review nearly every line (probability
  :data:`P_LATE_REVIEW`), and their reviews are negative with probability :data:`P_LATE_NEGATIVE`
  and always criticise ``logistics``.
* **stock-out**: the most demanded item is out of stock (delisted: not shown, viewed,
  carted or sold) for :data:`STOCKOUT_DAYS` days.
* **price error**: for one day an item is sold at :data:`PRICE_ERROR_FACTOR` times its list
  price, and word spreads: :data:`DEAL_TRAFFIC` times an average day's sessions come for it.

Windows are ordinary calendar days (no shopping event) that do not overlap; an anomaly
whose window does not fit in a short period is not planted. Everything is drawn from the
generator's seed.

Examples
--------
>>> import numpy as np
>>> from shoplens.data.demo.calendar import build_calendar
>>> cal, _ = build_calendar("2025-05-01", 12)
>>> w = ordinary_window(np.random.default_rng(0), cal, 7, 0.3, 0.6, np.zeros(len(cal), bool))
>>> int(w[1] - w[0]), bool((cal["event"].to_numpy()[w[0]:w[1]] == "").all())
(7, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shoplens.data.demo.catalog import Catalog
from shoplens.data.demo.customers import CUSTOMER_TYPES, REGIONS, TYPE_NAMES, Population
from shoplens.data.demo.taste import Taste

LATE_DAYS = 14
P_LATE_CHAT = 0.7
P_LATE_REVIEW = 0.9
P_LATE_NEGATIVE = 0.8
STOCKOUT_DAYS = 14
PRICE_ERROR_FACTOR = 0.1  # a misplaced decimal point
DEAL_TRAFFIC = 2.0
_DAY_NS = 86_400 * 10**9


@dataclass
class Anomalies:
    """The planted anomalies (day indices; ``-1`` / ``None`` when not planted)."""

    late_region: str | None = None
    late_from: int = -1  # inclusive day index
    late_to: int = -1  # exclusive
    stockout_item: int = -1
    stockout_from: int = -1
    stockout_to: int = -1
    price_item: int = -1
    price_day: int = -1
    price_category: int = -1
    price_tier: int = -1
    deal_visits: int = 0  # extra sessions drawn for the price error (before the event cut)

    def late(self, region: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Whether orders of customers in ``region`` placed on ``day`` are delivered late."""
        return (region == self.late_region) & (day >= self.late_from) & (day < self.late_to)

    def in_stock(self, cand: np.ndarray, day: np.ndarray) -> np.ndarray:
        """(len(day), len(cand)): False where a candidate item is out of stock that day."""
        out = (day >= self.stockout_from) & (day < self.stockout_to)
        return ~(out[:, None] & (cand == self.stockout_item)[None, :])

    def deal(self, item: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Whether ``item`` is sold at the wrong price on ``day``."""
        return (item == self.price_item) & (day == self.price_day)


def ordinary_window(
    rng: np.random.Generator,
    cal: pd.DataFrame,
    length: int,
    lo: float,
    hi: float,
    taken: np.ndarray,
) -> tuple[int, int] | None:
    """A random run of ``length`` ordinary, untaken days starting in [lo, hi) of the period."""
    n = len(cal)
    free = (cal["event"].to_numpy() == "") & ~taken
    run = np.convolve(free.astype(int), np.ones(length, dtype=int), "valid") == length
    starts = np.flatnonzero(run)
    starts = starts[(starts >= lo * n) & (starts < hi * n)]
    if len(starts) == 0:
        return None
    s = int(starts[rng.integers(len(starts))])
    return s, s + length


def plan_anomalies(
    rng: np.random.Generator, cal: pd.DataFrame, catalog: Catalog, pop: Population, taste: Taste
) -> Anomalies:
    """Choose the region, items and windows of the anomalies."""
    plan = Anomalies()
    taken = np.zeros(len(cal), dtype=bool)
    # late deliveries: the Chinese region with the most customers (first in REGIONS on ties)
    cn = [r[1] for r in REGIONS if r[0] == "CN"]
    n_in = pop.frame["region"].value_counts().reindex(cn, fill_value=0).to_numpy()
    region = cn[int(np.argmax(n_in))]
    w = ordinary_window(rng, cal, LATE_DAYS, 0.25, 0.6, taken)
    if w is not None and n_in.max() > 0:
        plan.late_region, (plan.late_from, plan.late_to) = region, w
        taken[w[0] : w[1]] = True
    # stock-out: the old item most in demand (popularity x its category's affinity mass)
    old = taste.launch_day < 0
    budget = np.array([CUSTOMER_TYPES[t]["budget_share"] for t in TYPE_NAMES])[pop.type_idx]
    tier_mass = np.stack([budget.sum(), (1 - budget).sum()])
    demand = catalog.popularity * taste.affinity.sum(axis=0)[catalog.category]
    demand = np.where(old, demand * tier_mass[catalog.tier], -1.0)
    w = ordinary_window(rng, cal, STOCKOUT_DAYS, 0.6, 0.85, taken)
    if w is not None:
        plan.stockout_item = int(np.argmax(demand))
        plan.stockout_from, plan.stockout_to = w
        taken[max(w[0] - 1, 0) : w[1] + 1] = True
    # price error: a random old item (not the stock-out one) on one ordinary day
    w = ordinary_window(rng, cal, 1, 0.15, 0.3, taken)
    pool = np.flatnonzero(old & (np.arange(len(old)) != plan.stockout_item))
    if w is not None and len(pool):
        plan.price_item = int(pool[rng.integers(len(pool))])
        plan.price_day = w[0]
        plan.price_category = int(catalog.category[plan.price_item])
        plan.price_tier = int(catalog.tier[plan.price_item])
    return plan


def deal_visits(
    rng: np.random.Generator, plan: Anomalies, pop: Population, n_sessions: int, n_days: int
) -> np.ndarray:
    """Customers of the extra sessions that come for the price error (on ``plan.price_day``)."""
    if plan.price_item < 0:
        return np.zeros(0, dtype=np.int64)
    d = plan.price_day
    active = np.flatnonzero((pop.active_from <= d) & (pop.active_to > d))
    if len(active) == 0:
        return np.zeros(0, dtype=np.int64)
    n = max(30, int(DEAL_TRAFFIC * n_sessions / max(n_days, 1)))
    w = pop.activity[active]
    plan.deal_visits = n
    return np.sort(active[rng.choice(len(active), n, p=w / w.sum())])


def late_sessions(
    rng: np.random.Generator, frame: pd.DataFrame, plan: Anomalies, pop: Population
) -> None:
    """Late orders: more logistics chats and reviews (in place, before the event cut)."""
    region = pop.frame["region"].to_numpy()[frame["cust"].to_numpy()]
    late = plan.late(region, frame["day"].to_numpy())
    late &= (frame["purchase"].to_numpy() > 0) & (frame["status"].to_numpy() != 2)
    u = rng.random(len(frame))
    post = frame["post_intent"].to_numpy().copy()
    ask = late & (post != 1) & (u < P_LATE_CHAT)  # returns keep their return chat
    post[ask] = 0
    frame["post_intent"] = post
    frame["postchat"] = (post >= 0).astype(int)
    more = rng.binomial(frame["n_lines"].to_numpy(), P_LATE_REVIEW)
    frame["n_review"] = np.where(late, more, frame["n_review"].to_numpy())
    frame["late"] = late


def anomalies_truth(plan: Anomalies, catalog: Catalog, t0_ns: int) -> pd.DataFrame:
    """``truth/anomalies.parquet``: one row per planted anomaly.

    Columns: anomaly_id, kind (``late_delivery``/``stockout``/``price_error``), start, end
    (UTC, end exclusive; the days the cause lasts), region, item_id, metric (the series it
    shows in), expected (what a detector should see), description, and for the price
    error list_price and wrong_price.
    """
    item_ids = catalog.frame["item_id"].to_numpy()

    def ts(day: int) -> int:
        return t0_ns + day * _DAY_NS

    rows = []
    if plan.late_region is not None:
        rows.append(("late_delivery", ts(plan.late_from), ts(plan.late_to), plan.late_region,
                     None, "reviews.logistics_negative; chats.logistics_inquiry",
                     f"orders placed in the window: logistics chat p={P_LATE_CHAT}, review p="
                     f"{P_LATE_REVIEW} per line, negative p={P_LATE_NEGATIVE}, every review "
                     "criticises logistics; the wave lands 1-25 days after each order",
                     f"{LATE_DAYS} days of late deliveries in {plan.late_region}"))  # fmt: skip
    if plan.stockout_item >= 0:
        rows.append(("stockout", ts(plan.stockout_from), ts(plan.stockout_to), None,
                     item_ids[plan.stockout_item], "order_items.units; events.view",
                     "zero views, carts and sales of the item in the window",
                     "the most demanded item is out of stock"))  # fmt: skip
    if plan.price_item >= 0:
        price = float(catalog.price[plan.price_item])
        wrong = round(price * PRICE_ERROR_FACTOR, 2)
        rows.append(("price_error", ts(plan.price_day), ts(plan.price_day + 1), None,
                     item_ids[plan.price_item], "order_items.unit_price; orders.count",
                     f"unit_price {wrong} instead of {price}; {plan.deal_visits} extra "
                     "sessions that day target the item (a spike of its orders)",
                     "an item sold at a tenth of its price for a day"))  # fmt: skip
    cols = ["kind", "start", "end", "region", "item_id", "metric", "expected", "description"]
    frame = pd.DataFrame(rows, columns=cols)
    frame.insert(0, "anomaly_id", [f"A{i + 1}" for i in range(len(frame))])
    is_price = frame["kind"].to_numpy() == "price_error"
    if plan.price_item >= 0:
        price = float(catalog.price[plan.price_item])
        frame["list_price"] = np.where(is_price, price, np.nan)
        frame["wrong_price"] = np.where(is_price, round(price * PRICE_ERROR_FACTOR, 2), np.nan)
    else:
        frame["list_price"] = frame["wrong_price"] = np.nan
    return frame
