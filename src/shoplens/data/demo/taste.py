"""Customer taste in the demo shop: category affinities, a low-rank taste vector, launches.

Every customer ``c`` has category affinities ``a[c]`` (a probability vector: the session's
category is drawn from it) and a taste vector ``u[c](t) = u0[c] + (t / (T - 1)) * drift[c]`` of
:data:`RANK` dimensions that drifts linearly over the period. Every item ``i`` has a factor
vector ``v[i]`` built from its brand, series and colour (what its title says) plus noise,
so content features carry taste too. A session of category ``k`` and price tier ``r``
chooses among the launched items of that (category, tier) group by a multinomial logit,

    P(i | c, t, group) = softmax_group(log popularity[i] + BETA * u[c](t) . v[i]),

and an item's **utility** for a customer is the log-probability that a fresh session's
target is that item: ``log a[c, k] + log P(tier) + log P(i | c, t, group)``; the truth
holds it at the end of the period (``truth/preferences.parquet``).

Some items launch during the period (``launch_day >= 0``); nobody sees them before.

Examples
--------
>>> import numpy as np
>>> from shoplens.data.demo.calendar import build_calendar
>>> from shoplens.data.demo.catalog import make_catalog
>>> from shoplens.data.demo.customers import make_customers
>>> rng = np.random.default_rng(0)
>>> cal, _ = build_calendar("2025-05-01", 6)
>>> cat = make_catalog(rng, 60)
>>> pop = make_customers(rng, 30, cal, "2025-05-01", 6)
>>> taste = make_taste(rng, cat, pop, len(cal))
>>> taste.affinity.shape, bool(np.allclose(taste.affinity.sum(axis=1), 1))
((30, 5), True)
>>> u = utilities(taste, cat, pop, np.arange(30), len(cal))
>>> bool(np.allclose(np.exp(u).sum(axis=1), 1))
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shoplens.data.demo.catalog import CATEGORY_KEYS, COLORS, SERIES, SUBS, Catalog
from shoplens.data.demo.customers import CUSTOMER_TYPES, TYPE_NAMES, Population

RANK = 8  # dimensions of the taste vectors
BETA = 1.5  # weight of taste against log popularity in the item choice
DRIFT = 0.35  # std of each taste dimension's change over the whole period (u0 has std 1)
FAVOURITE_WEIGHT = 0.5  # affinity = 0.5 * favourite + 0.5 * Dirichlet(0.8)
NEW_ITEM_SHARE = 0.15  # items launched during the period, on a day in its middle 70 %
TOP_N = 50  # items per customer in truth/preferences.parquet
# item factor = weights . (brand, series, colour, noise) vectors
_FACTOR_WEIGHTS = (0.8, 0.6, 0.5, 0.5)


@dataclass
class Taste:
    """Latent taste of every customer and item, and the item launch days."""

    affinity: np.ndarray  # (customers, categories), rows sum to 1
    u0: np.ndarray  # (customers, RANK) taste at the start of the period
    drift: np.ndarray  # (customers, RANK) change of taste over the whole period
    v: np.ndarray  # (items, RANK) item factors
    launch_day: np.ndarray  # (items,) day index the item appears; < 0: before the period
    n_days: int

    def at(self, cust: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Taste vectors of customers ``cust`` on day indices ``day``."""
        frac = np.asarray(day, dtype=float)[:, None] / max(self.n_days - 1, 1)
        return self.u0[cust] + frac * self.drift[cust]


def group_remap(catalog: Catalog) -> np.ndarray:
    """(category, tier) group each group draws from: an empty tier borrows the other one.

    Examples
    --------
    >>> from shoplens.data.demo.catalog import make_catalog
    >>> remap = group_remap(make_catalog(np.random.default_rng(0), 40))
    >>> remap.shape
    (10,)
    """
    n_groups = len(CATEGORY_KEYS) * 2
    present = np.bincount(catalog.category * 2 + catalog.tier, minlength=n_groups) > 0
    remap = np.arange(n_groups)
    remap[~present] ^= 1
    return remap


def _launch_days(rng: np.random.Generator, catalog: Catalog, n_days: int) -> np.ndarray:
    n = len(catalog.price)
    group = catalog.category * 2 + catalog.tier
    # the first item of every group (and of every category) is always an old item, so each
    # group always has something to show
    first = pd.Series(np.arange(n)).groupby(group).transform("min").to_numpy()
    eligible = (np.arange(n) != first) & (np.arange(n) >= len(CATEGORY_KEYS))
    u = rng.random(n)
    new = eligible & (u < NEW_ITEM_SHARE / max(eligible.mean(), 1e-9))
    day_new = (n_days * (0.15 + 0.7 * rng.random(n))).astype(np.int64)
    day_old = -rng.integers(30, 720, n)
    return np.where(new & (n_days >= 10), day_new, day_old)


def make_taste(rng: np.random.Generator, catalog: Catalog, pop: Population, n_days: int) -> Taste:
    """Draw affinities, taste vectors and drifts of customers, item factors and launches."""
    n_cust, n_cat = len(pop.type_idx), len(CATEGORY_KEYS)
    scale = 1.0 / np.sqrt(RANK)
    brand_f = rng.normal(0.0, scale, (n_cat * 6, RANK))
    series_f = rng.normal(0.0, scale, (len(SERIES), RANK))
    color_f = rng.normal(0.0, scale, (len(COLORS), RANK))
    noise = rng.normal(0.0, scale, (len(catalog.price), RANK))
    wb, ws, wc, wn = _FACTOR_WEIGHTS
    v = wb * brand_f[catalog.brand] + ws * series_f[catalog.series] + wc * color_f[catalog.color]
    v = v + wn * noise
    u0 = rng.normal(0.0, 1.0, (n_cust, RANK))
    drift = rng.normal(0.0, DRIFT, (n_cust, RANK))
    dirichlet = rng.dirichlet(np.full(n_cat, 0.8), n_cust)
    affinity = (1.0 - FAVOURITE_WEIGHT) * dirichlet
    affinity[np.arange(n_cust), pop.favourite] += FAVOURITE_WEIGHT
    return Taste(affinity, u0, drift, v, _launch_days(rng, catalog, n_days), n_days)


def tier_probabilities(pop: Population) -> np.ndarray:
    """(customers, 2): P(budget tier), P(premium tier) of each customer's sessions.

    Examples
    --------
    >>> tier_probabilities.__name__
    'tier_probabilities'
    """
    budget = np.array([CUSTOMER_TYPES[t]["budget_share"] for t in TYPE_NAMES])[pop.type_idx]
    return np.stack([budget, 1.0 - budget], axis=1)


def utilities(
    taste: Taste, catalog: Catalog, pop: Population, cust: np.ndarray, day: int
) -> np.ndarray:
    """(len(cust), items) utilities on day index ``day``: log P(a session's target is i).

    Items not launched by ``day`` get ``-inf``.
    """
    n_items = len(catalog.price)
    remap = group_remap(catalog)
    group = catalog.category * 2 + catalog.tier
    launched = taste.launch_day <= day
    tier_p = tier_probabilities(pop)[cust]  # (c, 2)
    # P(the session lands in item i's group) = sum of the tiers whose draws map there
    n_groups = len(remap)
    p_group = np.zeros((len(cust), n_groups))
    for g in range(n_groups):
        p_group[:, remap[g]] += taste.affinity[cust, g // 2] * tier_p[:, g % 2]
    score = np.log(catalog.popularity)[None, :] + BETA * (
        taste.at(cust, np.full(len(cust), day)) @ taste.v.T
    )
    score = np.where(launched[None, :], score, -np.inf)
    out = np.full((len(cust), n_items), -np.inf)
    for g in np.unique(group):
        cols = np.flatnonzero(group == g)
        s = score[:, cols]
        m = s.max(axis=1, keepdims=True)
        log_z = m + np.log(np.exp(s - m).sum(axis=1, keepdims=True))
        with np.errstate(divide="ignore"):
            out[:, cols] = np.log(p_group[:, [g]]) + s - log_z
    return out


def preferences_truth(
    taste: Taste, catalog: Catalog, pop: Population, top_n: int = TOP_N, chunk: int = 2000
) -> pd.DataFrame:
    """Each customer's top-``top_n`` items by utility at the end of the period.

    Columns: customer_id, item_id, utility (rounded to 1e-6), rank (1 = best; ties broken
    by item id).
    """
    n_cust, n_items = len(pop.type_idx), len(catalog.price)
    n = min(top_n, n_items)
    cust_ids = pop.frame["customer_id"].to_numpy()
    item_ids = catalog.frame["item_id"].to_numpy()
    parts = []
    for lo in range(0, n_cust, chunk):
        cust = np.arange(lo, min(lo + chunk, n_cust))
        u = np.round(utilities(taste, catalog, pop, cust, taste.n_days - 1), 6)
        # the n best by (-utility, item index): ties keep the item order
        if n < n_items:
            part = np.argpartition(-u, n - 1, axis=1)[:, :n]
            part = np.sort(part, axis=1)  # item order, so the stable sort breaks ties by item
            order = np.take_along_axis(
                part, np.argsort(-np.take_along_axis(u, part, axis=1), axis=1, kind="stable"), 1
            )
        else:
            order = np.argsort(-u, axis=1, kind="stable")
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": np.repeat(cust_ids[cust], n),
                    "item_id": item_ids[order.ravel()],
                    "utility": np.take_along_axis(u, order, axis=1).ravel(),
                    "rank": np.tile(np.arange(1, n + 1), len(cust)),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def taste_truth(taste: Taste, pop: Population) -> pd.DataFrame:
    """Per customer: favourite category, affinities and start/end taste vectors.

    Examples
    --------
    >>> taste_truth.__name__
    'taste_truth'
    """
    cols: dict[str, np.ndarray] = {
        "customer_id": pop.frame["customer_id"].to_numpy(),
        "favourite_category": np.asarray(CATEGORY_KEYS, dtype=object)[pop.favourite],
    }
    for k, key in enumerate(CATEGORY_KEYS):
        cols[f"affinity_{key}"] = taste.affinity[:, k]
    end = taste.u0 + taste.drift
    for d in range(RANK):
        cols[f"taste_start_{d}"] = taste.u0[:, d]
    for d in range(RANK):
        cols[f"taste_end_{d}"] = end[:, d]
    return pd.DataFrame(cols)


def launch_ns(taste: Taste, t0: pd.Timestamp) -> np.ndarray:
    """Launch time of every item (int64 ns UTC, midnight of its launch day)."""
    return t0.value + taste.launch_day.astype(np.int64) * 86_400 * 10**9


def with_launch_dates(catalog: Catalog, taste: Taste, t0: pd.Timestamp) -> list[str]:
    """The items' ``attributes`` JSON with ``launch_date`` (``YYYY-MM-DD``) added."""
    dates = pd.to_datetime(launch_ns(taste, t0), utc=True).strftime("%Y-%m-%d")
    out = []
    for raw, d in zip(catalog.frame["attributes"], dates, strict=True):
        attrs = json.loads(raw)
        attrs["launch_date"] = d
        out.append(json.dumps(attrs, ensure_ascii=False, sort_keys=True))
    return out


def items_truth(catalog: Catalog, taste: Taste, t0: pd.Timestamp) -> pd.DataFrame:
    """``truth/items.parquet``: the catalog truth plus sub-category, launch and factors."""
    extra = {
        "sub_category": np.asarray([SUBS[j][1] for j in catalog.sub], dtype=object),
        "launch_date": launch_ns(taste, t0),
        "new_item": taste.launch_day >= 0,
    }
    for d in range(RANK):
        extra[f"factor_{d}"] = taste.v[:, d]
    return catalog.truth.assign(**extra)
