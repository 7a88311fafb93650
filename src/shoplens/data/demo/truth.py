"""Per-session ground truth of the demo shop, and utilities read back from the truth files.

Examples
--------
>>> build_sessions_truth.__name__
'build_sessions_truth'
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from shoplens.data.demo.behaviour import ShopEvents
from shoplens.data.demo.catalog import Catalog
from shoplens.data.demo.customers import CHANNEL_NAMES, DEVICES, TYPE_NAMES, Population
from shoplens.data.demo.sessions import STAGES
from shoplens.data.demo.timeline import VISIT_KINDS, Timeline


def build_sessions_truth(
    tl: Timeline,
    sess: pd.DataFrame,
    se: ShopEvents,
    pop: Population,
    cal: pd.DataFrame,
    catalog: Catalog,
    session_id: np.ndarray,
    order_of: np.ndarray,
) -> pd.DataFrame:
    """One row per visit: who, when, channel, the funnel probabilities used and outcomes,
    the session's target item, and whether it holds a complement line, a late delivery or
    came for the price error."""
    v = tl.visits
    s_of_visit = v["sess"].to_numpy()
    kind = v["kind"].to_numpy()
    shop = kind == 0
    cust_ids = pop.frame["customer_id"].to_numpy()
    day = sess["day"].to_numpy()[s_of_visit]
    sessions_truth = pd.DataFrame(
        {
            "session_id": session_id,
            "customer_id": cust_ids[v["cust"].to_numpy()],
            "customer_type": np.asarray(TYPE_NAMES, dtype=object)[
                pop.type_idx[v["cust"].to_numpy()]
            ],
            "kind": np.asarray(VISIT_KINDS, dtype=object)[kind],
            "start": v["start"].to_numpy(),
            "date": np.where(shop, cal["date"].to_numpy()[day], None),
            "calendar_event": np.where(shop, cal["event"].to_numpy()[day], None),
            "channel": np.where(
                shop,
                np.asarray(CHANNEL_NAMES, dtype=object)[sess["channel"].to_numpy()[s_of_visit]],
                None,
            ),
            "device": np.where(
                shop,
                np.asarray(list(DEVICES), dtype=object)[sess["device"].to_numpy()[s_of_visit]],
                None,
            ),
            **{
                f"p_{st}": np.where(shop, sess[f"p_{st}"].to_numpy()[s_of_visit], np.nan)
                for st in STAGES
            },
            "carted": shop & (sess["cart"].to_numpy()[s_of_visit] > 0),
            "checked_out": shop & (sess["checkout"].to_numpy()[s_of_visit] > 0),
            "purchased": shop & (sess["purchase"].to_numpy()[s_of_visit] > 0),
            "order_id": np.where(shop, order_of[s_of_visit], None),
            "target_item_id": np.where(
                shop, catalog.frame["item_id"].to_numpy()[se.target[s_of_visit]], None
            ),
            "complement_line": shop & se.complement[s_of_visit],
            "late_delivery": shop & sess["late"].to_numpy()[s_of_visit],
            "price_error_visit": shop & sess["deal"].to_numpy()[s_of_visit],
        }
    )
    return sessions_truth.sort_values("session_id", kind="stable").reset_index(drop=True)


def utilities_from_truth(out_dir: str | Path, date: str | None = None) -> pd.DataFrame:
    """Every customer's utility for every item on ``date``, from a demo shop's truth files.

    Recomputes the choice model of :mod:`shoplens.data.demo.taste` from
    ``truth/taste.parquet`` (taste at the start and end, affinities), ``truth/items.parquet``
    (factors, popularity, launch dates) and ``ground_truth.json`` (budget shares, beta):
    taste drifts linearly from the first to the last day; items not launched by ``date`` get
    ``-inf``. ``date`` defaults to the last day (the day of ``truth/preferences.parquet``).
    Returns a customers x items frame (index customer_id, columns item_id).

    Examples
    --------
    >>> import tempfile
    >>> from shoplens.data.demo import generate_demo
    >>> shop = generate_demo(tempfile.mkdtemp(), customers=30, items=20, events=800, months=2)
    >>> u = utilities_from_truth(shop.out_dir)
    >>> u.shape, bool((np.exp(u).sum(axis=1) <= 1 + 1e-9).all())
    ((30, 20), True)
    """
    import json

    root = Path(out_dir)
    truth = json.loads((root / "ground_truth.json").read_text(encoding="utf-8"))
    items = pd.read_parquet(root / "truth" / "items.parquet")
    taste = pd.read_parquet(root / "truth" / "taste.parquet")
    types = pd.read_parquet(root / "truth" / "customers.parquet").set_index("customer_id")
    rank, beta = truth["taste"]["rank"], truth["taste"]["beta"]
    t0 = pd.Timestamp(truth["params"]["start"], tz="UTC")
    t_last = pd.Timestamp(truth["params"]["end"], tz="UTC") - pd.Timedelta(days=1)
    when = t_last if date is None else pd.Timestamp(date, tz="UTC")
    frac = (when - t0).days / max((t_last - t0).days, 1)
    start = taste[[f"taste_start_{d}" for d in range(rank)]].to_numpy()
    end = taste[[f"taste_end_{d}" for d in range(rank)]].to_numpy()
    u = start + frac * (end - start)
    v = items[[f"factor_{d}" for d in range(rank)]].to_numpy()
    score = np.log(items["popularity"].to_numpy())[None, :] + beta * (u @ v.T)
    launched = (items["launch_date"] <= when).to_numpy()
    score = np.where(launched[None, :], score, -np.inf)
    shares = {k: p["budget_share"] for k, p in truth["customer_types"].items()}
    budget = types["customer_type"].map(shares).reindex(taste["customer_id"]).to_numpy()
    out = np.full(score.shape, -np.inf)
    cats = items["category"].to_numpy()
    tiers = items["tier"].to_numpy()
    for (cat, tier), idx in items.groupby(["category", "tier"]).indices.items():
        s = score[:, idx]
        m = s.max(axis=1, keepdims=True)
        ok = np.isfinite(m)
        log_z = np.where(ok, m, 0.0) + np.log(
            np.exp(s - np.where(ok, m, 0.0)).sum(axis=1, keepdims=True)
        )
        other = "premium" if tier == "budget" else "budget"
        alone = not ((cats == cat) & (tiers == other)).any()  # an empty tier borrows this one
        p_tier = np.ones_like(budget) if alone else (budget if tier == "budget" else 1 - budget)
        with np.errstate(divide="ignore"):
            log_p = np.log(taste[f"affinity_{cat}"].to_numpy() * p_tier)[:, None]
        out[:, idx] = np.where(ok, log_p + s - log_z, -np.inf)
    return pd.DataFrame(out, index=taste["customer_id"].to_numpy(), columns=items["item_id"])
