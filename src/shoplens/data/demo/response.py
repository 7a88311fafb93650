"""The demo shop's response model: a known treatment effect per customer type and action.

:class:`ResponseModel` reads the demo's truth (``truth/customers.parquet`` for the latent
type, ``truth/sessions.parquet`` for the last purchase) and knows, for every customer and
action, P(response | no contact) and P(response | action), what a response is worth and
what the action costs. Coupons move bargain hunters and churning customers, hardly loyal
ones or VIPs (who would have bought anyway, so the discount is a cost); cross-sell works
on VIP and loyal customers; review requests work within 14 days of a purchase (after
delivery); a service follow-up helps the customers who complained. :meth:`simulate`
"sends" a plan and draws the responses with common random numbers, so a plan's
realised incremental value (against doing nothing for the same customers) is exact
for the draw. Nothing here changes the generated shop.

Examples
--------
>>> import pandas as pd
>>> truth = pd.DataFrame({"customer_id": ["a", "b"], "customer_type": ["bargain_hunter", "vip"]})
>>> m = ResponseModel(truth)
>>> p = m.probabilities(pd.DataFrame({"customer_id": ["a", "b"], "action": "win_back_coupon"}))
>>> p["incremental_value"].round(1).tolist()  # coupons pay on bargain hunters, not VIPs
[20.2, -18.5]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from shoplens.errors import InputError

__all__ = ["ACTIONS", "BASE", "LIFT", "VALUE", "ResponseModel"]

ACTIONS = ("win_back_coupon", "cross_sell", "review_request", "service_follow_up", "do_nothing")

#: P(purchase in the campaign window | no contact) by type
BASE = {"vip": 0.30, "loyal": 0.20, "bargain_hunter": 0.06, "one_off": 0.02,
        "churning": 0.05, "window_shopper": 0.01}  # fmt: skip
#: absolute change of P(response) an action brings, by type
LIFT = {
    "win_back_coupon": {"vip": 0.0, "loyal": 0.005, "bargain_hunter": 0.16, "one_off": 0.03,
                        "churning": 0.09, "window_shopper": 0.02},
    "cross_sell": {"vip": 0.08, "loyal": 0.06, "bargain_hunter": 0.01, "one_off": 0.01,
                   "churning": 0.01, "window_shopper": 0.005},
    "service_follow_up": {t: 0.0 for t in BASE},
}  # fmt: skip
#: value of a purchase response by type (CNY), for customers with no order yet (the others:
#: their own average order value in the demo)
VALUE = {"vip": 600.0, "loyal": 300.0, "bargain_hunter": 150.0, "one_off": 200.0,
         "churning": 220.0, "window_shopper": 150.0}  # fmt: skip
#: review requests: P(review | asked) within 14 days of a purchase, otherwise; value of one
REVIEW = {"recent": 0.30, "other": 0.02, "base": 0.03, "value": 25.0, "days": 14}
#: a follow-up after a complaint: added P(purchase)
CARE_LIFT = 0.12
COUPON_RATE = 0.10  # the coupon takes 10 % off the order of every responder who uses it
CONTACT_COST = 0.5  # per message sent


class ResponseModel:
    """Known responses of demo customers to campaign actions.

    Parameters
    ----------
    truth
        ``customer_id, customer_type`` and optionally ``days_since_purchase``,
        ``complained`` (bool) and ``order_value`` per customer.
    seed
        Seed of the response draws.
    """

    def __init__(self, truth: pd.DataFrame, seed: int = 0) -> None:
        if not {"customer_id", "customer_type"} <= set(truth.columns):
            raise InputError("the response model needs customer_id and customer_type")
        t = truth.copy()
        unknown = set(t["customer_type"]) - set(BASE)
        if unknown:
            raise InputError(f"unknown customer types {sorted(unknown)}")
        if "days_since_purchase" not in t.columns:
            t["days_since_purchase"] = np.inf
        if "complained" not in t.columns:
            t["complained"] = False
        if "order_value" not in t.columns:
            t["order_value"] = np.nan
        self.truth = t.set_index("customer_id")
        self.seed = seed

    @classmethod
    def from_demo(cls, demo_dir: str | Path, seed: int = 0) -> ResponseModel:
        """The model of a generated demo shop, as of the end of its period."""
        root = Path(demo_dir)
        path = root / "truth" / "customers.parquet"
        if not path.is_file():
            raise InputError(f"no demo truth at {path}: generate the demo shop first")
        types = pd.read_parquet(path, columns=["customer_id", "customer_type"])
        sessions = pd.read_parquet(root / "truth" / "sessions.parquet",
                                   columns=["customer_id", "start", "purchased"])  # fmt: skip
        end = pd.Timestamp(sessions["start"].max())
        last = sessions[sessions.purchased].groupby("customer_id")["start"].max()
        orders = root / "orders.parquet"
        if orders.is_file():
            o = pd.read_parquet(orders, columns=["customer_id", "total"])
            types["order_value"] = types["customer_id"].map(o.groupby("customer_id").total.mean())
        types["days_since_purchase"] = (
            (end - types["customer_id"].map(last)).dt.total_seconds() / 86400.0
        ).fillna(np.inf)
        conv = root / "truth" / "conversations.parquet"
        if conv.is_file():
            c = pd.read_parquet(conv, columns=["customer_id", "intent"])
            bad = set(c.loc[c.intent.isin(["complaint", "return_refund"]), "customer_id"])
            types["complained"] = types["customer_id"].isin(bad)
        return cls(types, seed)

    def probabilities(self, plan: pd.DataFrame) -> pd.DataFrame:
        """Per planned row: P(buy) and P(review) without and with the action, worth, cost.

        ``incremental_value = (buy1 - buy0) x value + (review1 - review0) x review value
        - expected cost`` is the row's true expected incremental value.
        """
        for col in ("customer_id", "action"):
            if col not in plan.columns:
                raise InputError(f"the plan needs a {col!r} column")
        bad = set(plan["action"]) - set(ACTIONS)
        if bad:
            raise InputError(f"unknown actions {sorted(bad)}; use {', '.join(ACTIONS)}")
        missing = set(plan["customer_id"]) - set(self.truth.index)
        if missing:
            raise InputError(f"{len(missing)} planned customers are not in the demo truth")
        t = self.truth.loc[plan["customer_id"]]
        typ = t["customer_type"].to_numpy()
        act = plan["action"].to_numpy()
        own = t["order_value"].to_numpy(dtype=float)
        value = np.where(np.isfinite(own), own, [VALUE[x] for x in typ])
        buy0 = np.array([BASE[x] for x in typ])
        lift = np.zeros(len(plan))
        for a, table in LIFT.items():
            m = act == a
            lift[m] = [table[x] for x in typ[m]]
        lift[(act == "service_follow_up") & t["complained"].to_numpy()] = CARE_LIFT
        recent = t["days_since_purchase"].to_numpy() <= REVIEW["days"]
        rev0 = np.full(len(plan), REVIEW["base"])
        asked = act == "review_request"
        rev1 = np.where(asked, np.where(recent, REVIEW["recent"], REVIEW["other"]) + rev0, rev0)
        buy1 = np.clip(buy0 + lift, 0.0, 1.0)
        contact = act != "do_nothing"
        cost = contact * CONTACT_COST + (act == "win_back_coupon") * COUPON_RATE * value * buy1
        inc = (buy1 - buy0) * value + (rev1 - rev0) * REVIEW["value"] - cost
        return pd.DataFrame({"customer_id": plan["customer_id"].to_numpy(), "action": act,
                             "buy0": buy0, "buy1": buy1, "review0": rev0, "review1": rev1,
                             "value": value, "cost": cost,
                             "incremental_value": inc})  # fmt: skip

    def expected_incremental_value(self, plan: pd.DataFrame) -> float:
        """The plan's true expected incremental value (sum over its rows)."""
        return float(self.probabilities(plan)["incremental_value"].sum())

    def simulate(self, plan: pd.DataFrame, seed: int | None = None) -> pd.DataFrame:
        """Send ``plan`` (``customer_id, action``): purchases, reviews, value, cost.

        The ``*_without`` columns are the same customer's draws with no contact (common
        random numbers), so ``incremental = value - value_without - cost`` per row.
        """
        p = self.probabilities(plan)
        rng = np.random.default_rng(self.seed if seed is None else seed)
        ub, ur = rng.random(len(p)), rng.random(len(p))
        bought, bought0 = ub < p.buy1.to_numpy(), ub < p.buy0.to_numpy()
        reviewed, reviewed0 = ur < p.review1.to_numpy(), ur < p.review0.to_numpy()
        coupon = p.action.to_numpy() == "win_back_coupon"
        contact = p.action.to_numpy() != "do_nothing"
        cost = contact * CONTACT_COST + (coupon & bought) * COUPON_RATE * p.value.to_numpy()
        v = p.value.to_numpy()
        value = bought * v + reviewed * REVIEW["value"]
        value0 = bought0 * v + reviewed0 * REVIEW["value"]
        return p[["customer_id", "action"]].assign(
            bought=bought, reviewed=reviewed, bought_without=bought0,
            reviewed_without=reviewed0, value=value, value_without=value0, cost=cost,
            incremental=value - value0 - cost,
        )  # fmt: skip
