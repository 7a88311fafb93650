"""Analytics read endpoints: funnels, paths, retention (the journeys library on ``events``)
and segments, stages, CLV, forecasts, alerts (stored tables). All need ``analytics:read``
and a key not bound to one customer; every answer comes from the library or a stored table.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, Depends, Query
from ibis.backends import BaseBackend

from shoplens.service.deps import needs, reader
from shoplens.service.errors import ApiError
from shoplens.service.keys import ANALYTICS_READ
from shoplens.service.models import Page, Rows
from shoplens.service.routes.common import page, records, stored
from shoplens.service.routes.customers import HOW, _latest

router = APIRouter(
    tags=["analytics"], dependencies=[Depends(needs(ANALYTICS_READ, aggregate=True))]
)

STEP = r"^[A-Za-z0-9_:-]+$"


def _steps(steps: str) -> list[str]:
    out = [s.strip() for s in steps.split(",") if s.strip()]
    if not 1 <= len(out) <= 10:
        raise ApiError(422, "give 1 to 10 comma-separated event types in steps", "invalid_request")
    return out


@router.get("/v1/funnels", response_model=Rows)
def funnels(
    steps: str = Query(
        "view,add_to_cart,checkout,purchase",
        max_length=400,
        pattern=r"^[A-Za-z0-9_:,\- ]+$",
        description="event types in order, comma-separated",
    ),
    window_days: float = Query(7.0, gt=0, le=366),
    mode: Literal["ordered", "strict", "any"] = "ordered",
    by: Literal["customer", "session"] = "customer",
    breakdown: Literal["channel", "device"] | None = None,
    con: BaseBackend = Depends(reader),
) -> Rows:
    """Per-step funnel counts and conversion (:func:`shoplens.journeys.funnel_frame`)."""
    from shoplens.journeys import funnel_frame

    frame = funnel_frame(
        con.table("events"),
        _steps(steps),
        window=timedelta(days=window_days),
        mode=mode,
        by=by,
        breakdown=breakdown or (),
    )
    return Rows(items=records(frame))


@router.get("/v1/paths", response_model=Rows)
def paths(
    depth: int = Query(5, ge=1, le=20),
    n: int = Query(10, ge=1, le=100),
    start: str | None = Query(None, max_length=64, pattern=STEP),
    end: str | None = Query(None, max_length=64, pattern=STEP),
    con: BaseBackend = Depends(reader),
) -> Rows:
    """The most frequent session paths (:func:`shoplens.journeys.top_paths`)."""
    from shoplens.journeys import top_paths

    expr = top_paths(con.table("events"), start=start, end=end, depth=depth, n=n)
    return Rows(items=records(expr.execute()))


@router.get("/v1/retention", response_model=Rows)
def retention(
    period: Literal["day", "week", "month"] = "week",
    cohort: Literal["first_seen", "first_purchase"] = "first_seen",
    con: BaseBackend = Depends(reader),
) -> Rows:
    """Cohort retention (:func:`shoplens.journeys.retention`)."""
    from shoplens.journeys import retention as retention_table

    expr = retention_table(con.table("events"), period=period, cohort=cohort)
    return Rows(items=records(expr.order_by(["cohort", "period_offset"]).execute()))


def _grouped(con: BaseBackend, column: str) -> Rows:
    t = _latest(con)
    g = t.group_by(column).aggregate(
        customers=t.count(), clv=t.clv.sum(), monetary=t.monetary.sum()
    )
    return Rows(items=records(g.order_by([g.customers.desc(), g[column]]).execute()))


@router.get("/v1/segments", response_model=Rows)
def segments(con: BaseBackend = Depends(reader)) -> Rows:
    """Customers, CLV and spend per behavioural segment (latest stored lifecycle run)."""
    return _grouped(con, "segment_name")


@router.get("/v1/stages", response_model=Rows)
def stages(con: BaseBackend = Depends(reader)) -> Rows:
    """Customers, CLV and spend per lifecycle stage (latest stored lifecycle run)."""
    return _grouped(con, "stage")


@router.get("/v1/clv", response_model=Rows)
def clv(con: BaseBackend = Depends(reader)) -> Rows:
    """The stored CLV distribution: customers, total, mean and quantiles."""
    t = _latest(con)
    c = t.clv
    agg = t.aggregate(
        customers=c.count(),
        total=c.sum(),
        mean=c.mean(),
        p50=c.quantile(0.5),
        p90=c.quantile(0.9),
        p99=c.quantile(0.99),
    )
    return Rows(items=records(agg.execute()))


def _stored_page(con: BaseBackend, name: str, how: str, limit: int, offset: int) -> Page:
    t = stored(con, name, how)
    return Page(**page(t.order_by(list(t.columns[:3])), limit, offset))


@router.get("/v1/forecasts", response_model=Page)
def forecasts(
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
    con: BaseBackend = Depends(reader),
) -> Page:
    """Stored sales forecasts with their intervals (``insight_forecasts``)."""
    return _stored_page(con, "insight_forecasts", "run the forecast part", limit, offset)


@router.get("/v1/alerts", response_model=Page)
def alerts(
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
    con: BaseBackend = Depends(reader),
) -> Page:
    """Stored trend and anomaly alerts (``insight_alerts``)."""
    return _stored_page(con, "insight_alerts", "run the forecast part", limit, offset)


__all__ = ["HOW", "router"]
