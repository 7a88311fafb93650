"""Rule-based lifecycle stages as of a date, and the transition matrix between two dates.

Stages, first rule that matches wins:

=========== ==================================================================
potential   known customer (``customers`` table) without a purchase yet
churned     last purchase more than ``churn_days`` ago
at_risk     last purchase more than ``active_days`` ago
won_back    the gap before the last purchase was longer than ``churn_days``
new         first purchase at most ``new_days`` ago
loyal       at least ``loyal_orders`` purchases (or ``vip_spend`` spent, if set)
active      everyone else
=========== ==================================================================

Purchases are non-cancelled orders placed before ``as_of`` (``ts < as_of``); days are
exact (seconds / 86400).

Examples
--------
>>> import ibis, pandas as pd
>>> orders = ibis.memtable(pd.DataFrame({"order_id": ["1", "2", "3"],
...     "customer_id": ["a", "a", "b"], "status": "paid", "total": 1.0,
...     "ts": pd.to_datetime(["2023-10-01", "2024-06-01", "2023-01-01"], utc=True)}))
>>> df = customer_stages(orders, "2024-06-10").execute().sort_values("customer_id")
>>> df["stage"].tolist()
['won_back', 'churned']
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Any

import ibis

from shoplens.errors import InputError
from shoplens.lifecycle.cutoff import _lit, purchases
from shoplens.lifecycle.features import _days_between

__all__ = ["LIFECYCLE_STAGES", "StageConfig", "customer_stages", "stage_transitions"]

#: stage names in lifecycle order
LIFECYCLE_STAGES = ("potential", "new", "active", "loyal", "at_risk", "churned", "won_back")


@dataclass(frozen=True)
class StageConfig:
    """Thresholds of the stage rules, in days (``loyal_orders`` in purchases).

    Examples
    --------
    >>> StageConfig(active_days=60).churn_days
    180.0
    """

    new_days: float = 60.0
    active_days: float = 90.0
    churn_days: float = 180.0
    loyal_orders: int = 4
    vip_spend: float | None = None

    def __post_init__(self) -> None:
        if min(self.new_days, self.active_days, self.churn_days) <= 0:
            raise InputError("stage thresholds must be positive numbers of days")
        if self.churn_days < self.active_days:
            raise InputError("churn_days must be at least active_days")
        if self.loyal_orders < 1:
            raise InputError("loyal_orders must be at least 1")

    def to_dict(self) -> dict[str, Any]:
        """The thresholds as a plain dict (JSON-ready)."""
        return asdict(self)


def customer_stages(
    orders: Any,
    as_of: Any,
    config: StageConfig | None = None,
    customers: Any | None = None,
) -> Any:
    """Ibis expression: the lifecycle stage of each customer as of ``as_of``.

    Parameters
    ----------
    orders
        An ``orders`` table (``customer_id, ts, status, total``).
    as_of
        The date the stages describe; purchases from ``as_of`` on are ignored.
    config
        Thresholds; :class:`StageConfig` defaults when omitted.
    customers
        Optional ``customers`` table: its customers without a purchase get
        ``potential`` (those with ``first_seen`` on or after ``as_of`` are left out).

    Returns
    -------
    ibis.expr.types.Table
        ``customer_id, n_orders, monetary, days_since_first, days_since_last,
        gap_before_last, stage``; ``gap_before_last`` is the days between the last
        purchase and the latest earlier one (NULL with one purchase time).
    """
    cfg = config or StageConfig()
    end = _lit(as_of)
    p = purchases(orders, as_of)
    g = p.group_by("customer_id").aggregate(
        n_orders=p.count(),
        monetary=p.total.fill_null(0.0).sum(),
        _first=p.ts.min(),
        _last=p.ts.max(),
    )
    last = g.select(_cid="customer_id", _lastts="_last")
    earlier = p.join(last, p.customer_id == last._cid).filter(lambda t: t.ts < t._lastts)
    prev = earlier.group_by(earlier.customer_id.name("_pcid")).aggregate(_prev=earlier.ts.max())
    g = g.left_join(prev, g.customer_id == prev._pcid)
    since_last = _days_between(end, g._last)
    gap = _days_between(g._last, g._prev)
    loyal = g.n_orders >= cfg.loyal_orders
    if cfg.vip_spend is not None:
        loyal = loyal | (g.monetary >= cfg.vip_spend)
    stage = ibis.cases(
        (since_last > cfg.churn_days, "churned"),
        (since_last > cfg.active_days, "at_risk"),
        (gap.fill_null(0.0) > cfg.churn_days, "won_back"),
        (_days_between(end, g._first) <= cfg.new_days, "new"),
        (loyal, "loyal"),
        else_="active",
    )
    buyers = g.select(
        "customer_id",
        n_orders=g.n_orders.cast("int64"),
        monetary=g.monetary.cast("float64"),
        days_since_first=_days_between(end, g._first),
        days_since_last=since_last,
        gap_before_last=gap,
        stage=stage,
    )
    if customers is None:
        return buyers
    c = customers.filter(customers.customer_id.notnull())
    if "first_seen" in c.columns:
        c = c.filter(c.first_seen.isnull() | (c.first_seen < end))
    c = c.select("customer_id").distinct()
    known = buyers.select(_bcid="customer_id")
    pot = c.anti_join(known, c.customer_id == known._bcid)
    pot = pot.select(
        "customer_id",
        n_orders=ibis.literal(0, "int64"),
        monetary=ibis.literal(0.0, "float64"),
        days_since_first=ibis.null("float64"),
        days_since_last=ibis.null("float64"),
        gap_before_last=ibis.null("float64"),
        stage=ibis.literal("potential", "string"),
    )
    return buyers.union(pot)


def stage_transitions(
    orders: Any,
    date_from: Any,
    date_to: Any,
    config: StageConfig | None = None,
    customers: Any | None = None,
) -> Any:
    """Ibis expression: how many customers moved from each stage to each stage.

    Customers with no stage at ``date_from`` (unknown then) start from ``"(none)"``.
    Columns ``stage_from, stage_to, customers``.

    Examples
    --------
    >>> import ibis, pandas as pd
    >>> orders = ibis.memtable(pd.DataFrame({"order_id": ["1", "2"],
    ...     "customer_id": ["a", "b"], "status": "paid", "total": 1.0,
    ...     "ts": pd.to_datetime(["2024-01-01", "2024-03-01"], utc=True)}))
    >>> m = stage_transitions(orders, "2024-02-01", "2024-09-01").execute()
    >>> sorted(zip(m.stage_from, m.stage_to))
    [('(none)', 'churned'), ('new', 'churned')]
    """
    if _lit(date_from).op() == _lit(date_to).op():
        raise InputError("date_from and date_to must differ")
    a = customer_stages(orders, date_from, config, customers).select(
        _acid="customer_id", stage_from="stage"
    )
    b = customer_stages(orders, date_to, config, customers).select("customer_id", stage_to="stage")
    j = b.left_join(a, b.customer_id == a._acid)
    j = j.mutate(stage_from=j.stage_from.fill_null("(none)"))
    return j.group_by(["stage_from", "stage_to"]).aggregate(customers=j.count())


def __getattr__(name: str) -> Any:
    if name == "STAGES":
        warnings.warn(
            "shoplens.lifecycle.stages.STAGES is renamed LIFECYCLE_STAGES (journey stages "
            "are shoplens.journeys.JOURNEY_STAGES)",
            DeprecationWarning,
            stacklevel=2,
        )
        return LIFECYCLE_STAGES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
