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
>>> bool(p.loc[0, "uplift"] > p.loc[1, "uplift"])
True
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
#: value of a purchase response by type (CNY)
VALUE = {"vip": 600.0, "loyal": 300.0, "bargain_hunter": 150.0, "one_off": 200.0,
         "churning": 220.0, "window_shopper": 150.0}  # fmt: skip
#: review requests: P(review | asked) within 14 days of a purchase, otherwise; value of one
REVIEW = {"recent": 0.30, "other": 0.02, "base": 0.03, "value": 25.0, "days": 14}
#: a follow-up after a complaint: added P(purchase)
CARE_LIFT = 0.12
COUPON_DISCOUNT = 30.0  # paid by every responder who redeems it
CONTACT_COST = 0.5  # per message sent


class ResponseModel:
    """Known responses of demo customers to campaign actions.

    Parameters
    ----------
    truth
        ``customer_id, customer_type`` and optionally ``days_since_purchase`` and
        ``complained`` (bool) per customer.
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
        """Per planned row: ``p0`` (no contact), ``p1`` (the action), uplift, value, cost."""
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
        value = np.array([VALUE[x] for x in typ])
        p0 = np.array([BASE[x] for x in typ])
        lift = np.zeros(len(plan))
        for a, table in LIFT.items():
            m = act == a
            lift[m] = [table[x] for x in typ[m]]
        care = (act == "service_follow_up") & t["complained"].to_numpy()
        lift[care] = CARE_LIFT
        rev = act == "review_request"
        recent = t["days_since_purchase"].to_numpy() <= REVIEW["days"]
        p0 = np.where(rev, REVIEW["base"], p0)
        lift = np.where(rev, np.where(recent, REVIEW["recent"], REVIEW["other"]), lift)
        value = np.where(rev, REVIEW["value"], value)
        p1 = np.clip(p0 + lift, 0.0, 1.0)
        contact = act != "do_nothing"
        cost = contact * CONTACT_COST + (act == "win_back_coupon") * COUPON_DISCOUNT * p1
        return pd.DataFrame({"customer_id": plan["customer_id"].to_numpy(), "action": act,
                             "p0": p0, "p1": np.where(contact, p1, p0),
                             "uplift": np.where(contact, p1 - p0, 0.0), "value": value,
                             "cost": cost})  # fmt: skip

    def expected_incremental_value(self, plan: pd.DataFrame) -> float:
        """The plan's true expected incremental value: sum of uplift x value - cost."""
        p = self.probabilities(plan)
        return float((p.uplift * p.value - p.cost).sum())

    def simulate(self, plan: pd.DataFrame, seed: int | None = None) -> pd.DataFrame:
        """Send ``plan`` (``customer_id, action``): who responded, value, cost, increment.

        ``responded_without`` is the same customer's draw with no contact (common random
        numbers), so ``incremental = value - value_without - cost`` per row.
        """
        p = self.probabilities(plan)
        rng = np.random.default_rng(self.seed if seed is None else seed)
        u = rng.random(len(p))
        responded = u < p.p1.to_numpy()
        without = u < p.p0.to_numpy()
        coupon = p.action.to_numpy() == "win_back_coupon"
        contact = p.action.to_numpy() != "do_nothing"
        cost = contact * CONTACT_COST + (coupon & responded) * COUPON_DISCOUNT
        value = responded * p.value.to_numpy()
        value0 = without * p.value.to_numpy()
        return p[["customer_id", "action"]].assign(
            responded=responded, responded_without=without, value=value, cost=cost,
            incremental=value - value0 - cost,
        )  # fmt: skip
