"""The true effect of every calendar event: expected sessions and orders with and without it.

The generator places a customer's sessions on active days in proportion to
``base_traffic * event_traffic ** event_sensitivity[type]`` and converts them with
``min(cap, rate[type][stage] * channel[stage] * uplift[day][stage])``. This module
evaluates those formulas per day, in expectation, for the shop as drawn (its customers,
their activity windows and acquisition channels), once as generated and once with the
day's event removed (traffic multiplier and uplifts 1). Their ratio over an event's days
is the event's true uplift: what a forecaster's estimated 618 or Double 11 effect should
match. Planted anomalies (:mod:`shoplens.data.demo.anomalies`) are not in these numbers.

Examples
--------
>>> import numpy as np
>>> from shoplens.data.demo.calendar import build_calendar
>>> from shoplens.data.demo.customers import make_customers
>>> cal, events = build_calendar("2025-05-01", 8)
>>> pop = make_customers(np.random.default_rng(0), 200, cal, "2025-05-01", 8)
>>> daily = expected_demand(cal, pop, scale=1.0, keep=1.0)
>>> d11 = daily.set_index("date").loc["2025-11-11"]
>>> bool(d11["expected_orders"] > 8 * d11["expected_orders_no_event"])
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shoplens.data.demo.calendar import ShopEvent
from shoplens.data.demo.catalog import CATEGORY_KEYS, Catalog
from shoplens.data.demo.customers import (
    CHANNEL_NAMES,
    CHANNELS,
    CUSTOMER_TYPES,
    TYPE_NAMES,
    Population,
)
from shoplens.data.demo.sessions import CAP, STAGES, channel_array, type_array


def _active_mass(pop: Population, n_days: int) -> np.ndarray:
    """(types, channels, days): sum of visit_rate * activity of the customers active each day."""
    n_t, n_c = len(TYPE_NAMES), len(CHANNEL_NAMES)
    w = type_array("visit_rate")[pop.type_idx] * pop.activity
    diff = np.zeros((n_t, n_c, n_days + 1))
    lo = np.clip(pop.active_from, 0, n_days)
    hi = np.clip(pop.active_to, 0, n_days)
    np.add.at(diff, (pop.type_idx, pop.channel, lo), w)
    np.add.at(diff, (pop.type_idx, pop.channel, hi), -w)
    return np.cumsum(diff, axis=2)[:, :, :n_days]


def _p_buy(uplift: dict[str, np.ndarray]) -> np.ndarray:
    """(types, acquisition channels, days): P(a session ends in a purchase)."""
    p_chan = np.array([CHANNELS[c]["session"] for c in CHANNEL_NAMES])
    p_chan = p_chan / p_chan.sum()
    n_c = len(CHANNEL_NAMES)
    mix = 0.4 * np.eye(n_c) + 0.6 * p_chan[None, :]  # (acquisition, session channel)
    prod = 1.0
    for stage in STAGES:
        base = type_array(stage)[:, None, None] * channel_array(stage)[None, :, None]
        prod = prod * np.minimum(CAP, base * uplift[stage][None, None, :])  # (t, ch, days)
    return np.einsum("ac,tcd->tad", mix, prod)


def expected_demand(cal: pd.DataFrame, pop: Population, scale: float, keep: float) -> pd.DataFrame:
    """Expected shop sessions and orders per day, with and without the day's event.

    ``scale`` multiplies the visit rates and ``keep`` is the share of drawn sessions kept
    (both in ``draw_sessions(...).attrs``).
    """
    n = len(cal)
    base = cal["base_traffic"].to_numpy()
    ev = cal["event_traffic"].to_numpy()
    sens = np.array([CUSTOMER_TYPES[t]["event_sensitivity"] for t in TYPE_NAMES])
    w = base[None, :] * ev[None, :] ** sens[:, None]  # (types, days)
    m = w.mean(axis=1, keepdims=True)
    traffic, traffic0 = w / m, base[None, :] / m
    mass = _active_mass(pop, n)
    up = {s: cal[f"{s}_uplift"].to_numpy() for s in STAGES}
    p, p0 = _p_buy(up), _p_buy({s: np.ones(n) for s in STAGES})
    k = scale * keep
    return pd.DataFrame(
        {
            "date": cal["date"].to_numpy(),
            "event": cal["event"].to_numpy(),
            "expected_sessions": k * np.einsum("tcd,td->d", mass, traffic),
            "expected_sessions_no_event": k * np.einsum("tcd,td->d", mass, traffic0),
            "expected_orders": k * np.einsum("tcd,td,tcd->d", mass, traffic, p),
            "expected_orders_no_event": k * np.einsum("tcd,td,tcd->d", mass, traffic0, p0),
        }
    )


def event_effects(
    daily: pd.DataFrame, events: list[ShopEvent], category_share: dict[str, float]
) -> pd.DataFrame:
    """One row per event in the period with its true uplifts over its days.

    ``sessions_uplift`` and ``orders_uplift`` are exact expectations (sum over the event's
    days of the expected value with the event / without it). ``revenue_uplift`` also takes
    the discount off the share of revenue it applies to (``category_share``: expected
    revenue share of each category); it is approximate: it ignores that the customer mix
    (and so the basket value) shifts on event days.
    """
    rows = []
    dates = daily["date"].to_numpy()
    for e in events:
        m = (dates >= e.start) & (dates <= e.end)
        d = daily[m]
        s_up = d["expected_sessions"].sum() / d["expected_sessions_no_event"].sum()
        o_up = d["expected_orders"].sum() / d["expected_orders_no_event"].sum()
        covered = 1.0 if not e.categories else sum(category_share[c] for c in e.categories)
        rows.append(
            (e.name, e.label_zh, e.kind, str(d["date"].min()), str(d["date"].max()), int(m.sum()),
             e.traffic_multiplier, e.discount, round(float(s_up), 6), round(float(o_up), 6),
             round(float(o_up * (1.0 - e.discount * covered)), 6),
             round(float(d["expected_orders"].sum()), 3),
             round(float(d["expected_orders_no_event"].sum()), 3))
        )  # fmt: skip
    cols = ["event", "label_zh", "kind", "start", "end", "days", "traffic_multiplier",
            "discount", "sessions_uplift", "orders_uplift", "revenue_uplift",
            "expected_orders", "expected_orders_no_event"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def category_revenue_share(
    pop: Population, affinity: np.ndarray, catalog: Catalog
) -> dict[str, float]:
    """Expected share of revenue of each category: visit mass x affinity x mean price.

    The mean price of a category weighs each item by its popularity (half per tier).

    Examples
    --------
    >>> category_revenue_share.__name__
    'category_revenue_share'
    """
    w = type_array("visit_rate")[pop.type_idx] * pop.activity
    sessions = w @ affinity  # (categories,)
    price = np.array(
        [
            np.sum(catalog.popularity[catalog.category == k] * catalog.price[catalog.category == k])
            / max(np.sum(catalog.popularity[catalog.category == k]), 1e-12)
            for k in range(len(CATEGORY_KEYS))
        ]
    )
    rev = sessions * price
    return {key: float(r / rev.sum()) for key, r in zip(CATEGORY_KEYS, rev, strict=True)}
