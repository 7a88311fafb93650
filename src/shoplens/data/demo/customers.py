"""Demo customers: latent types, geography, acquisition channel, device, churn.

Examples
--------
>>> import numpy as np
>>> from shoplens.data.demo.calendar import build_calendar
>>> cal, _ = build_calendar("2025-05-01", 6)
>>> pop = make_customers(np.random.default_rng(0), 100, cal, "2025-05-01", 6)
>>> len(pop.frame), pop.frame["customer_id"].iloc[0]
(100, 'C000001')
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shoplens.data.demo.calendar import period

#: The latent customer types and their behaviour parameters.
#: ``visit_rate``: sessions per active day before scaling to the requested event count;
#: ``event_sensitivity``: exponent on the holiday/promotion traffic multiplier;
#: ``cart``, ``checkout``, ``purchase``: base funnel rates P(cart | session),
#: P(checkout | cart), P(purchase | checkout); ``budget_share``: share of sessions in
#: the budget price tier (price sensitivity).
CUSTOMER_TYPES: dict[str, dict] = {
    "vip": dict(
        share=0.04,
        visit_rate=0.25,
        event_sensitivity=0.9,
        cart=0.45,
        checkout=0.75,
        purchase=0.90,
        views_mean=5.0,
        basket_mean=2.2,
        budget_share=0.2,
        p_search=0.5,
        p_review=0.45,
        p_chat=0.06,
        window_days=None,
        churn_mean_days=None,
        description="frequent, high-value buyers of premium items",
    ),
    "loyal": dict(
        share=0.14,
        visit_rate=0.12,
        event_sensitivity=0.8,
        cart=0.35,
        checkout=0.65,
        purchase=0.88,
        views_mean=4.0,
        basket_mean=1.8,
        budget_share=0.4,
        p_search=0.45,
        p_review=0.35,
        p_chat=0.05,
        window_days=None,
        churn_mean_days=None,
        description="regular buyers, little affected by promotions",
    ),
    "bargain_hunter": dict(
        share=0.18,
        visit_rate=0.08,
        event_sensitivity=1.6,
        cart=0.28,
        checkout=0.50,
        purchase=0.80,
        views_mean=6.0,
        basket_mean=1.5,
        budget_share=0.85,
        p_search=0.6,
        p_review=0.25,
        p_chat=0.07,
        window_days=None,
        churn_mean_days=None,
        description="price-sensitive; visits concentrate on 618/Double 11",
    ),
    "one_off": dict(
        share=0.20,
        visit_rate=0.35,
        event_sensitivity=1.0,
        cart=0.30,
        checkout=0.55,
        purchase=0.80,
        views_mean=4.0,
        basket_mean=1.2,
        budget_share=0.5,
        p_search=0.5,
        p_review=0.15,
        p_chat=0.05,
        window_days=10,
        churn_mean_days=None,
        description="new customers active for about ten days, then never again",
    ),
    "churning": dict(
        share=0.16,
        visit_rate=0.10,
        event_sensitivity=1.0,
        cart=0.25,
        checkout=0.55,
        purchase=0.82,
        views_mean=4.0,
        basket_mean=1.4,
        budget_share=0.55,
        p_search=0.5,
        p_review=0.25,
        p_chat=0.06,
        window_days=None,
        churn_mean_days=150,
        description="ordinary customers who stop visiting at their churn date",
    ),
    "window_shopper": dict(
        share=0.28,
        visit_rate=0.10,
        event_sensitivity=1.1,
        cart=0.08,
        checkout=0.30,
        purchase=0.70,
        views_mean=7.0,
        basket_mean=1.1,
        budget_share=0.5,
        p_search=0.55,
        p_review=0.2,
        p_chat=0.04,
        window_days=None,
        churn_mean_days=None,
        description="browse many items, rarely buy",
    ),
}
TYPE_NAMES: tuple[str, ...] = tuple(CUSTOMER_TYPES)

#: Traffic channels with their funnel multipliers (cart, checkout, purchase) and shares.
CHANNELS: dict[str, dict] = {
    "direct": dict(cart=1.10, checkout=1.05, purchase=1.02, acquisition=0.15, session=0.30),
    "organic_search": dict(cart=1.0, checkout=1.0, purchase=1.0, acquisition=0.25, session=0.20),
    "paid_search": dict(cart=1.05, checkout=0.95, purchase=1.0, acquisition=0.18, session=0.12),
    "social": dict(cart=0.75, checkout=0.90, purchase=0.97, acquisition=0.20, session=0.15),
    "livestream": dict(cart=1.35, checkout=1.10, purchase=1.0, acquisition=0.10, session=0.08),
    "email_sms": dict(cart=1.20, checkout=1.05, purchase=1.0, acquisition=0.02, session=0.10),
    "affiliate": dict(cart=0.90, checkout=1.0, purchase=1.0, acquisition=0.10, session=0.05),
}
CHANNEL_NAMES: tuple[str, ...] = tuple(CHANNELS)
DEVICES: dict[str, float] = {"app": 0.45, "mini_program": 0.2, "mobile_web": 0.2, "desktop": 0.15}

# (country, region, share, utc offset hours, share of English speakers)
REGIONS: list[tuple[str, str, float, int, float]] = [
    ("CN", "Guangdong", 0.13, 8, 0.02),
    ("CN", "Zhejiang", 0.09, 8, 0.02),
    ("CN", "Jiangsu", 0.08, 8, 0.02),
    ("CN", "Shanghai", 0.08, 8, 0.05),
    ("CN", "Beijing", 0.08, 8, 0.05),
    ("CN", "Shandong", 0.06, 8, 0.01),
    ("CN", "Sichuan", 0.05, 8, 0.01),
    ("CN", "Fujian", 0.04, 8, 0.01),
    ("CN", "Henan", 0.04, 8, 0.01),
    ("CN", "Hubei", 0.04, 8, 0.01),
    ("CN", "Hunan", 0.03, 8, 0.01),
    ("CN", "Anhui", 0.03, 8, 0.01),
    ("CN", "Chongqing", 0.03, 8, 0.01),
    ("CN", "Shaanxi", 0.02, 8, 0.01),
    ("CN", "Tianjin", 0.02, 8, 0.01),
    ("CN", "Liaoning", 0.02, 8, 0.01),
    ("CN", "Yunnan", 0.02, 8, 0.01),
    ("CN", "Hong Kong", 0.02, 8, 0.3),
    ("US", "California", 0.025, -8, 0.85),
    ("US", "New York", 0.015, -5, 0.85),
    ("SG", "Singapore", 0.02, 8, 0.7),
    ("MY", "Kuala Lumpur", 0.015, 8, 0.6),
    ("GB", "London", 0.01, 0, 0.85),
    ("AU", "New South Wales", 0.01, 10, 0.85),
    ("CA", "Ontario", 0.01, -5, 0.85),
    ("JP", "Tokyo", 0.005, 9, 0.6),
    ("DE", "Berlin", 0.005, 1, 0.8),
]


@dataclass
class Population:
    """The customers table plus the latent arrays behaviour needs."""

    frame: pd.DataFrame  # canonical ``customers`` (first_seen filled in later)
    type_idx: np.ndarray
    active_from: np.ndarray  # day index (inclusive)
    active_to: np.ndarray  # day index (exclusive)
    churn_day: np.ndarray  # day index of churn, -1 if none (may lie past the period)
    acq_ts: np.ndarray  # acquisition time, int64 ns UTC
    tz: np.ndarray  # utc offset hours
    lang: np.ndarray  # "zh" / "en"
    channel: np.ndarray  # acquisition channel index
    device: np.ndarray  # preferred device index
    favourite: np.ndarray  # favourite category index
    activity: np.ndarray  # per-customer visit-rate multiplier (mean 1)


def _p(values) -> np.ndarray:
    a = np.asarray(values, dtype=float)
    return a / a.sum()


def make_customers(
    rng: np.random.Generator,
    n: int,
    cal: pd.DataFrame,
    start: str,
    months: int,
    n_categories: int = 5,
) -> Population:
    """Draw ``n`` customers with latent types, geography and activity windows.

    Examples
    --------
    >>> from shoplens.data.demo.calendar import build_calendar
    >>> cal, _ = build_calendar("2025-05-01", 3)
    >>> pop = make_customers(np.random.default_rng(1), 30, cal, "2025-05-01", 3)
    >>> bool((pop.active_to >= pop.active_from).all())
    True
    """
    t0, _ = period(start, months)
    n_days = len(cal)
    types = rng.choice(len(TYPE_NAMES), n, p=_p([CUSTOMER_TYPES[t]["share"] for t in TYPE_NAMES]))
    reg = rng.choice(len(REGIONS), n, p=_p([r[2] for r in REGIONS]))
    country = np.array([r[0] for r in REGIONS], dtype=object)[reg]
    region = np.array([r[1] for r in REGIONS], dtype=object)[reg]
    tz = np.array([r[3] for r in REGIONS])[reg]
    lang = np.where(rng.random(n) < np.array([r[4] for r in REGIONS])[reg], "en", "zh")
    channel = rng.choice(len(CHANNEL_NAMES), n, p=_p([c["acquisition"] for c in CHANNELS.values()]))
    device = rng.choice(len(DEVICES), n, p=_p(list(DEVICES.values())))
    favourite = rng.integers(0, n_categories, n)
    activity = rng.gamma(2.0, 0.5, n)

    # acquisition: half are existing customers (acquired in the year before), the rest over
    # the period, more of them on busy days; one-off customers are always new
    one_off = TYPE_NAMES.index("one_off")
    existing = (rng.random(n) < 0.5) & (types != one_off)
    w = cal["traffic"].to_numpy()
    acq_day = rng.choice(n_days, n, p=w / w.sum())
    acq_day = np.where(existing, -rng.integers(1, 366, n), acq_day)
    acq_ts = (t0.value + acq_day * 86_400 * 10**9 + rng.integers(0, 86_400, n) * 10**9).astype(
        np.int64
    )
    active_from = np.maximum(acq_day, 0)
    active_to = np.full(n, n_days)
    window = np.array([CUSTOMER_TYPES[t]["window_days"] or 0 for t in TYPE_NAMES])[types]
    active_to = np.where(window > 0, np.minimum(active_from + window, n_days), active_to)
    churn_mean = np.array([CUSTOMER_TYPES[t]["churn_mean_days"] or 0 for t in TYPE_NAMES])[types]
    churn_day = np.where(
        churn_mean > 0,
        active_from + np.maximum(14, rng.exponential(1.0, n) * churn_mean).astype(np.int64),
        -1,
    )
    active_to = np.where(churn_day >= 0, np.minimum(active_to, churn_day), active_to)

    gender = rng.choice(["female", "male", "unknown"], n, p=[0.55, 0.4, 0.05])
    age = rng.choice(["18-24", "25-34", "35-44", "45-54", "55+"], n, p=_p([22, 38, 22, 12, 6]))
    ch_names = np.asarray(CHANNEL_NAMES, dtype=object)
    dev_names = np.asarray(list(DEVICES), dtype=object)
    attributes = [
        json.dumps(
            {
                "acquisition_channel": ch,
                "preferred_device": dv,
                "lang": lg,
                "gender": g,
                "age_band": a,
            },
            ensure_ascii=False,
            sort_keys=True,
        )
        for ch, dv, lg, g, a in zip(
            ch_names[channel], dev_names[device], lang, gender, age, strict=True
        )
    ]
    frame = pd.DataFrame(
        {
            "customer_id": np.char.mod("C%06d", np.arange(1, n + 1)).astype(object),
            "first_seen": acq_ts,  # replaced by min(acquisition, first visit) later
            "country": country,
            "region": region,
            "attributes": attributes,
        }
    )
    return Population(
        frame,
        types,
        active_from,
        active_to,
        churn_day,
        acq_ts,
        tz,
        lang.astype(object),
        channel,
        device,
        favourite,
        activity,
    )
