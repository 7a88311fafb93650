"""Next-best-action: per customer, the action of highest expected incremental value.

For every customer and configured :class:`Action`,
``value = uplift x worth - contact cost - discount x P(response | action)`` (a discount is
paid to every responder, also those who would have bought anyway), where the
uplift in P(response) comes from an :class:`~shoplens.guidance.campaigns.nba.uplift.UpliftModel`
fitted on a past experiment and ``worth`` is the action's value of a response (a number,
or a feature column such as the customer's average order value or CLV). "Do nothing" is
always an option worth 0, so an action is only planned when it is expected to pay. Then
the contact rules: opted-out customers and channels without consent get nothing, a
customer contacted ``max_contacts`` times in the last ``cap_days`` gets nothing, and a
send time in quiet hours moves to the end of them. Every row carries its reason.

Examples
--------
>>> import pandas as pd
>>> acts = [Action("coupon", channel="sms", value=100.0, cost=0.5, discount=20.0)]
>>> up = pd.DataFrame({"coupon": [0.20, 0.01]}, index=["a", "b"])
>>> plan = plan_actions(up, acts, p_response=up + 0.05, now="2025-01-01 23:30")
>>> plan[["customer_id", "action"]].values.tolist()
[['a', 'coupon'], ['b', 'do_nothing']]
>>> str(plan.send_at.iloc[0])
'2025-01-02 08:00:00+00:00'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from shoplens.errors import InputError

__all__ = ["DEFAULT_ACTIONS", "NOTHING", "Action", "ContactRules", "plan_actions"]

NOTHING = "do_nothing"


@dataclass(frozen=True)
class Action:
    """An action: channel, worth of a response, cost per contact, discount, response metric."""

    name: str
    channel: str = "email"
    value: float | str = "aov"
    cost: float = 0.5
    discount: float = 0.0
    description: str = ""
    metric: str = "bought"
    discount_rate: float = 0.0


@dataclass(frozen=True)
class ContactRules:
    """At most ``max_contacts`` in ``cap_days``; no sends in the quiet hours (UTC)."""

    max_contacts: int = 2
    cap_days: float = 7.0
    quiet_start: int = 22
    quiet_end: int = 8


DEFAULT_ACTIONS = (
    Action(
        "win_back_coupon", "sms", "aov", 0.5, 0.0, "10 % off the next order", discount_rate=0.10
    ),
    Action("cross_sell", "email", "aov", 0.5, 0.0, "recommended items that go with past buys"),
    Action("review_request", "push", 25.0, 0.5, 0.0, "ask for a review after delivery", "reviewed"),
    Action("service_follow_up", "email", "aov", 0.5, 0.0, "a follow-up after a complaint"),
)


def _worth(action: Action, features: pd.DataFrame | None, index: pd.Index) -> np.ndarray:
    if isinstance(action.value, int | float):
        return np.full(len(index), float(action.value))
    if features is None or action.value not in features.columns:
        raise InputError(f"action {action.name!r} values a response by {action.value!r}:"
                         " pass features with that column")  # fmt: skip
    return features.reindex(index)[action.value].fillna(0.0).to_numpy(dtype=float)


def _send_time(now: pd.Timestamp, rules: ContactRules) -> pd.Timestamp:
    h = now.hour
    qs, qe = rules.quiet_start, rules.quiet_end
    quiet = (qs <= h or h < qe) if qs > qe else (qs <= h < qe)
    if not quiet:
        return now
    day = now.normalize() + (pd.Timedelta(days=1) if qs > qe and h >= qs else pd.Timedelta(0))
    return day + pd.Timedelta(hours=qe)


def plan_actions(
    uplift: pd.DataFrame,
    actions: Sequence[Action] = DEFAULT_ACTIONS,
    *,
    p_response: pd.DataFrame | None = None,
    features: pd.DataFrame | None = None,
    contacts: pd.DataFrame | None = None,
    consent: pd.DataFrame | None = None,
    rules: ContactRules = ContactRules(),
    now: Any = None,
) -> pd.DataFrame:
    """The plan: one row per customer (``customer_id, action, channel, expected_value, ...``).

    Parameters
    ----------
    uplift
        Estimated uplift in P(response) per customer (index) and action (columns).
    p_response
        P(response | action) per customer and action, for the discount's expected cost
        (default: the uplift alone).
    features
        Columns the actions value a response by (``aov``, ``clv`` ...).
    contacts
        Past contacts ``customer_id, sent_at`` for the frequency cap.
    consent
        ``customer_id, channel, allowed``; a row with channel ``"*"`` covers every channel.
    """
    if not actions:
        raise InputError("configure at least one action")
    names = [a.name for a in actions]
    missing = [n for n in names if n not in uplift.columns]
    if missing:
        raise InputError(f"no uplift estimate for {missing}; the experiment must include them")
    at = pd.Timestamp.now("UTC") if now is None else pd.Timestamp(now)
    at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
    idx = uplift.index
    vals = {}
    for a in actions:
        p1 = p_response[a.name].to_numpy() if p_response is not None else uplift[a.name].to_numpy()
        vals[a.name] = (
            uplift[a.name].to_numpy() * _worth(a, features, idx) - a.cost - a.discount * p1
        )
    v = pd.DataFrame(vals, index=idx)
    allowed = pd.DataFrame(True, index=idx, columns=names)
    why_not = pd.Series("", index=idx, dtype=object)
    if consent is not None:
        for a in actions:
            c = consent[consent.channel.isin([a.channel, "*"])]
            denied = set(c.loc[~c.allowed.astype(bool), "customer_id"])
            allowed.loc[allowed.index.isin(denied), a.name] = False
        why_not[~allowed.any(axis=1)] = "no consent on any channel"
    if contacts is not None and len(contacts):
        sent = pd.to_datetime(contacts["sent_at"], utc=True)
        recent = contacts[sent >= at - pd.Timedelta(days=rules.cap_days)]
        n = recent.groupby("customer_id").size()
        capped = n[n >= rules.max_contacts].index
        allowed.loc[allowed.index.isin(capped)] = False
        why_not[idx.isin(capped)] = (f"contacted {rules.max_contacts}+ times in"
                                     f" {rules.cap_days:g} days")  # fmt: skip
    vv = v.where(allowed, -np.inf).to_numpy()
    order = np.argsort(-vv, axis=1, kind="stable")
    rows = np.arange(len(idx))
    best_i, top = order[:, 0], vv[rows, order[:, 0]]
    second = vv[rows, order[:, 1]] if len(names) > 1 else np.full(len(idx), -np.inf)
    choose = top > 0
    action = np.where(choose, np.asarray(names, dtype=object)[best_i], NOTHING)
    by_name = {a.name: a for a in actions}
    send = _send_time(at, rules)
    up_np = uplift[names].to_numpy()
    worth = np.column_stack([_worth(a, features, idx) for a in actions])
    u_best, w_best = up_np[rows, best_i], worth[rows, best_i]
    runner = np.asarray(names, dtype=object)[order[:, 1]] if len(names) > 1 else None
    reasons = []
    for k in range(len(idx)):
        if not choose[k]:
            reasons.append(why_not.iloc[k] or "no action is expected to pay for itself")
            continue
        a = by_name[action[k]]
        alt = f"; next best {runner[k]} {second[k]:+.1f}" if np.isfinite(second[k]) else ""
        reasons.append(f"{a.name}: uplift {u_best[k]:+.1%} x {w_best[k]:,.0f} - cost {a.cost:g}"
                       + (" - discount x P(response)" if a.discount or a.discount_rate else "")
                       + f" = {top[k]:+.1f}{alt}")  # fmt: skip
    return pd.DataFrame({
        "customer_id": idx.astype(str),
        "action": action.astype(object),
        "channel": [by_name[a].channel if a != NOTHING else None for a in action],
        "expected_value": np.where(choose, top, 0.0),
        "uplift": np.where(choose, u_best, 0.0),
        "reason": reasons,
        "send_at": [send if a != NOTHING else pd.NaT for a in action],
        "planned_at": at,
    }).reset_index(drop=True)  # fmt: skip
