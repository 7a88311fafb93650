"""``GET /v1/customers`` (a page of scored customers) and ``GET /v1/customers/{id}`` (360)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from ibis.backends import BaseBackend

from shoplens.errors import InputError
from shoplens.service.deps import needs, own_customer, reader
from shoplens.service.errors import ApiError
from shoplens.service.keys import ANALYTICS_READ, ASSISTANT, ApiKey
from shoplens.service.models import Churn, Customer360, Page
from shoplens.service.routes.common import page, records, stored

router = APIRouter(tags=["customers"])

LIFECYCLE = "lifecycle_customers"
RECOMMENDATIONS = "guidance_recommendations"
HOW = "run `shoplens run` (or `shoplens lifecycle`) to score customers"


def _latest(con: BaseBackend) -> Any:
    t = stored(con, LIFECYCLE, HOW)
    return t.filter(t.run_date == t.run_date.max())


@router.get("/v1/customers", response_model=Page)
def list_customers(
    segment: str | None = Query(None, max_length=128),
    stage: str | None = Query(None, max_length=64),
    sort: Literal["churn_probability", "clv", "monetary", "customer_id"] = "churn_probability",
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
    key: ApiKey = Depends(needs(ANALYTICS_READ)),
    con: BaseBackend = Depends(reader),
) -> Page:
    """Scored customers of the latest lifecycle run, riskiest (or most valuable) first.

    A customer-bound key sees only its own customer.
    """
    t = _latest(con)
    if key.customer_id is not None:
        t = t.filter(t.customer_id == key.customer_id)
    if segment is not None:
        t = t.filter(t.segment_name == segment)
    if stage is not None:
        t = t.filter(t.stage == stage)
    order = t[sort] if sort == "customer_id" else t[sort].desc(nulls_first=False)
    return Page(**page(t.order_by([order, t.customer_id]), limit, offset))


@router.get("/v1/customers/{customer_id}", response_model=Customer360)
def customer_360(
    customer_id: str = Path(min_length=1, max_length=128),
    events: int = Query(50, ge=0, le=1000, description="most recent timeline rows"),
    key: ApiKey = Depends(needs(ANALYTICS_READ, ASSISTANT)),
    con: BaseBackend = Depends(reader),
) -> Customer360:
    """Profile, segment, stage, CLV, churn risk, recent timeline, sentiment, recommendations."""
    from shoplens.journeys.timeline import customer_timeline

    own_customer(key, customer_id)
    try:
        timeline = customer_timeline(con, customer_id)
    except InputError:
        raise ApiError(404, f"unknown customer {customer_id!r}", "unknown_customer") from None
    # one customer's timeline is small: one query, the last rows in the library's order
    whole = timeline.execute()
    recent = whole.iloc[max(0, len(whole) - events) :].reset_index(drop=True)
    tables = set(con.list_tables())
    profile = _one(con, "customers", customer_id) if "customers" in tables else None
    scored = None
    if LIFECYCLE in tables:
        rows = records(_latest(con).filter(lambda t: t.customer_id == customer_id).execute())
        scored = rows[0] if rows else None
    texts = recent[recent["sentiment"].notna()] if "sentiment" in recent else recent.iloc[:0]
    sentiment = records(texts.tail(1)[["ts", "kind", "ref_id", "sentiment", "detail"]])
    recs = None
    if RECOMMENDATIONS in tables:
        r = con.table(RECOMMENDATIONS)
        got = r.filter(r.customer_id == customer_id)
        if "rank" in r.columns:
            got = got.order_by("rank")
        recs = records(got.limit(50).execute())
    return Customer360(
        customer_id=customer_id,
        profile=profile,
        segment=(scored or {}).get("segment_name"),
        rfm_segment=(scored or {}).get("rfm_segment"),
        stage=(scored or {}).get("stage"),
        clv=(scored or {}).get("clv"),
        churn=_churn(scored),
        latest_sentiment=sentiment[0] if sentiment else None,
        timeline=records(recent),
        recommendations=recs,
    )


def _one(con: BaseBackend, table: str, customer_id: str) -> dict[str, Any] | None:
    t = con.table(table)
    rows = records(t.filter(t.customer_id == customer_id).limit(1).execute())
    return rows[0] if rows else None


def _churn(scored: dict[str, Any] | None) -> Churn:
    """The stored churn probability, the stored reasons when the run kept them, and the
    stored figures behind them (no model is run here)."""
    if not scored:
        return Churn()
    reasons = scored.get("top_reasons") or scored.get("churn_reasons") or []
    if isinstance(reasons, str):
        reasons = [r.strip() for r in reasons.split(";") if r.strip()]
    drivers = {
        k: scored.get(k)
        for k in ("recency_days", "frequency", "monetary", "p_alive", "expected_purchases")
        if k in scored
    }
    return Churn(probability=scored.get("churn_probability"), reasons=reasons, drivers=drivers)
