"""Next-best-action: features, uplift models, the plan under contact rules, its storage.

Examples
--------
>>> from shoplens.guidance.campaigns.nba import DEFAULT_ACTIONS
>>> [a.name for a in DEFAULT_ACTIONS][:2]
['win_back_coupon', 'cross_sell']
"""

from __future__ import annotations

from shoplens.guidance.campaigns.nba.features import FEATURES, customer_features, features_expr
from shoplens.guidance.campaigns.nba.plan import (
    DEFAULT_ACTIONS,
    NOTHING,
    Action,
    ContactRules,
    plan_actions,
)
from shoplens.guidance.campaigns.nba.store import ACTIONS_TABLE, past_contacts, store_plan
from shoplens.guidance.campaigns.nba.uplift import ActionUplift, UpliftModel

__all__ = [
    "ACTIONS_TABLE",
    "DEFAULT_ACTIONS",
    "FEATURES",
    "NOTHING",
    "Action",
    "ActionUplift",
    "ContactRules",
    "UpliftModel",
    "customer_features",
    "features_expr",
    "past_contacts",
    "plan_actions",
    "store_plan",
]
