"""Per-session ground truth of the demo shop (``truth/sessions.parquet``).

Examples
--------
>>> build_sessions_truth.__name__
'build_sessions_truth'
"""

from __future__ import annotations

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
