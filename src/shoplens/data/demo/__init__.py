"""The seeded demo shop: a realistic, bilingual e-commerce data set with a known answer.

:func:`generate_demo` writes one Parquet file per canonical table (customers, items,
events, orders, order_items, reviews, messages) and a ground truth (``ground_truth.json``
plus Parquet files in ``truth/``) holding the latent customer types, churn dates, funnel
rates, calendar, review labels and conversation intents. See ``docs/demo.md``.

Examples
--------
>>> import tempfile
>>> shop = generate_demo(tempfile.mkdtemp(), customers=50, items=20, events=2000, months=3)
>>> sorted(shop.files)[:3]
['customers', 'events', 'items']
>>> shop.counts["events"] <= 2000
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from shoplens.data.demo.anomalies import anomalies_truth, plan_anomalies
from shoplens.data.demo.behaviour import expand_sessions, price_factors
from shoplens.data.demo.calendar import WEEKLY, build_calendar, period
from shoplens.data.demo.catalog import CATEGORY_KEYS, make_catalog
from shoplens.data.demo.chats import INTENTS
from shoplens.data.demo.choice import (
    BRAND_BONUS,
    INTENT_BONUS,
    P_COMPLEMENT,
    complements_truth,
)
from shoplens.data.demo.customers import (
    CHANNEL_NAMES,
    CHANNELS,
    CUSTOMER_TYPES,
    TYPE_NAMES,
    make_customers,
)
from shoplens.data.demo.effects import category_revenue_share, event_effects, expected_demand
from shoplens.data.demo.output import write_canonical, write_json, write_plain
from shoplens.data.demo.reviews import ASPECTS, SENTIMENTS
from shoplens.data.demo.sessions import CAP, STAGES, draw_sessions
from shoplens.data.demo.tables import (
    build_events,
    build_messages,
    build_orders,
    build_reviews,
    finish_events,
)
from shoplens.data.demo.taste import (
    BETA,
    DRIFT,
    NEW_ITEM_SHARE,
    RANK,
    TOP_N,
    items_truth,
    make_taste,
    preferences_truth,
    taste_truth,
    with_launch_dates,
)
from shoplens.data.demo.timeline import churn_truth, place_visits
from shoplens.data.demo.truth import build_sessions_truth, utilities_from_truth
from shoplens.errors import InputError

__all__ = ["DemoShop", "generate_demo", "utilities_from_truth"]

TRUTH_VERSION = 2


@dataclass
class DemoShop:
    """What :func:`generate_demo` wrote: table files, the ground truth and row counts."""

    out_dir: Path
    files: dict[str, Path]
    truth_path: Path
    truth_files: dict[str, Path] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def _funnel_rates() -> dict:
    return {
        t: {
            c: {s: round(min(CAP, CUSTOMER_TYPES[t][s] * CHANNELS[c][s]), 6) for s in STAGES}
            for c in CHANNEL_NAMES
        }
        for t in TYPE_NAMES
    }


def generate_demo(
    out_dir: str | Path,
    *,
    customers: int = 5000,
    items: int = 1000,
    events: int = 500_000,
    months: int = 18,
    start: str = "2025-05-01",
    seed: int = 7,
    progress: Callable[[str], object] | None = None,
) -> DemoShop:
    """Generate the demo shop into ``out_dir``; the same arguments give identical files.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing); existing demo files are overwritten.
    customers, items, events
        Number of customers, catalog items and (at most) events; the event count lands
        within a few events of ``events`` unless the customers are too few to make them.
    months, start
        Length and first day (UTC) of the simulated period.
    seed
        Seed of the random generator.
    progress
        Optional callback, called with the name of each step as it starts.

    Returns
    -------
    DemoShop
        Paths of the table files and ground truth, and the row counts.

    Examples
    --------
    >>> import tempfile
    >>> shop = generate_demo(tempfile.mkdtemp(), customers=40, items=15, events=1500, months=2)
    >>> shop.truth_path.name
    'ground_truth.json'
    """
    if customers < 1 or items < 10 or events < 1 or months < 1:
        raise InputError("demo sizes must be positive, with at least 10 items")
    say = progress or (lambda step: None)
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    t0, t1 = period(start, months)
    t0_ns, t1_ns = t0.value, t1.value

    say("catalog and customers")
    cal, shop_events = build_calendar(start, months)
    catalog = make_catalog(rng, items)
    pop = make_customers(rng, customers, cal, start, months, len(CATEGORY_KEYS))
    taste = make_taste(rng, catalog, pop, len(cal))
    catalog.frame["attributes"] = with_launch_dates(catalog, taste, t0)
    plan = plan_anomalies(rng, cal, catalog, pop, taste)
    say("sessions")
    sess = draw_sessions(rng, pop, cal, events, len(CATEGORY_KEYS), taste.affinity, plan)
    factors = price_factors(cal, shop_events)
    se = expand_sessions(rng, sess, catalog, pop.lang, factors, taste, plan)
    tl = place_visits(rng, sess, se, pop, cal, t0_ns, t1_ns)
    say("events and orders")
    ev = build_events(sess, se, tl, pop)
    orders, lines, order_of = build_orders(ev, sess, se, pop, t1_ns)
    say("reviews and chats")
    reviews, review_truth = build_reviews(rng, ev, sess, catalog, pop, order_of)
    messages, conv_truth, conv_ids = build_messages(rng, ev, sess, catalog, pop, order_of)
    events_frame, session_id = finish_events(
        ev,
        sess,
        tl,
        catalog,
        pop,
        order_of,
        reviews["review_id"].to_numpy(),
        reviews["rating"].to_numpy(),
        conv_ids,
    )
    first_visit = tl.visits.groupby("cust")["start"].min()
    first = pop.acq_ts.copy()
    idx = first_visit.index.to_numpy()
    first[idx] = np.minimum(first[idx], first_visit.to_numpy())
    customers_frame = pop.frame.assign(first_seen=first)

    say("writing tables")
    tables = {
        "customers": customers_frame,
        "items": catalog.frame,
        "events": events_frame,
        "orders": orders,
        "order_items": lines.assign(
            item_id=catalog.frame["item_id"].to_numpy()[lines["item"].to_numpy()]
        ),
        "reviews": reviews,
        "messages": messages,
    }
    files = {name: write_canonical(f, name, out / f"{name}.parquet") for name, f in tables.items()}

    say("writing ground truth")
    sessions_truth = build_sessions_truth(tl, sess, se, pop, cal, catalog, session_id, order_of)
    shop = tl.visits["kind"].to_numpy() == 0
    daily = expected_demand(cal, pop, sess.attrs["scale"], sess.attrs["keep"])
    effects = event_effects(
        daily, shop_events, category_revenue_share(pop, taste.affinity, catalog)
    )
    anomalies = anomalies_truth(plan, catalog, t0_ns)
    tf = out / "truth"
    truth_files = {
        "customers": write_plain(
            churn_truth(pop, t0_ns, t1_ns),
            tf / "customers.parquet",
            ("churn_date", "active_from", "active_to"),
        ),
        "items": write_plain(
            items_truth(catalog, taste, t0), tf / "items.parquet", ("launch_date",)
        ),
        "sessions": write_plain(sessions_truth, tf / "sessions.parquet", ("start",)),
        "calendar": write_plain(cal, tf / "calendar.parquet"),
        "reviews": write_plain(review_truth, tf / "reviews.parquet"),
        "conversations": write_plain(conv_truth, tf / "conversations.parquet"),
        "preferences": write_plain(
            preferences_truth(taste, catalog, pop), tf / "preferences.parquet"
        ),
        "taste": write_plain(taste_truth(taste, pop), tf / "taste.parquet"),
        "complements": write_plain(complements_truth(), tf / "complements.parquet"),
        "anomalies": write_plain(anomalies, tf / "anomalies.parquet", ("start", "end")),
        "event_effects": write_plain(effects, tf / "event_effects.parquet"),
        "demand": write_plain(daily, tf / "demand.parquet"),
    }
    counts = {name: len(f) for name, f in tables.items()}
    counts["sessions"] = int(shop.sum())
    truth = {
        "version": TRUTH_VERSION,
        "generator": "shoplens.data.demo",
        "params": {
            "customers": customers,
            "items": items,
            "events": events,
            "months": months,
            "start": t0.strftime("%Y-%m-%d"),
            "end": t1.strftime("%Y-%m-%d"),
            "seed": seed,
        },
        "counts": counts,
        "currency": "CNY",
        "customer_types": CUSTOMER_TYPES,
        "channels": {c: {s: CHANNELS[c][s] for s in STAGES} for c in CHANNEL_NAMES},
        "funnel": {
            "stages": list(STAGES),
            "definition": {
                "cart": "P(session has add_to_cart | shop session); every shop session has a view",
                "checkout": "P(session has checkout | session has add_to_cart)",
                "purchase": "P(session has purchase | session has checkout)",
            },
            "formula": "p = min(cap, customer_types[type][stage] * channels[channel][stage]"
            " * calendar[date][stage + '_uplift'])",
            "cap": CAP,
            "rates": _funnel_rates(),
            "per_session_file": "truth/sessions.parquet",
        },
        "calendar": {
            "weekly": list(WEEKLY),
            "events": [e.to_dict() for e in shop_events],
            "file": "truth/calendar.parquet",
            "effects": effects.to_dict(orient="records"),
            "effects_file": "truth/event_effects.parquet",
            "demand_file": "truth/demand.parquet",
        },
        "anomalies": {
            "planted": anomalies.assign(
                start=pd.to_datetime(anomalies["start"], utc=True).dt.strftime("%Y-%m-%d"),
                end=pd.to_datetime(anomalies["end"], utc=True).dt.strftime("%Y-%m-%d"),
            ).to_dict(orient="records"),
            "file": "truth/anomalies.parquet",
        },
        "taste": {
            "model": "utility[c, i] = log affinity[c, category_i] + log P(tier_i | type_c)"
            " + log softmax_group(log popularity + beta * u_c(t) . v)[i]",
            "rank": RANK,
            "beta": BETA,
            "drift_std": DRIFT,
            "intent_bonus": INTENT_BONUS,
            "p_complement": P_COMPLEMENT,
            "brand_bonus": BRAND_BONUS,
            "new_item_share": NEW_ITEM_SHARE,
            "top_n": TOP_N,
            "preferences_at": (t1 - pd.Timedelta(days=1)).strftime("%Y-%m-%d"),
            "files": {
                "preferences": "truth/preferences.parquet",
                "taste": "truth/taste.parquet",
                "complements": "truth/complements.parquet",
                "items": "truth/items.parquet",
            },
        },
        "labels": {
            "sentiments": list(SENTIMENTS),
            "aspects": list(ASPECTS),
            "polarities": ["negative", "neutral", "positive"],
            "intents": list(INTENTS),
        },
        "files": {
            **{k: str(p.relative_to(out)) for k, p in files.items()},
            **{f"truth_{k}": str(p.relative_to(out)) for k, p in truth_files.items()},
        },
    }
    truth_path = write_json(truth, out / "ground_truth.json")
    say("done")
    return DemoShop(out, files, truth_path, truth_files, counts)
