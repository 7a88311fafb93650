"""``/healthz`` (the process answers), ``/readyz`` (the warehouse answers), ``/v1/me``, metrics."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from shoplens.service.deps import caller, needs, state
from shoplens.service.keys import ADMIN, ApiKey
from shoplens.service.models import Health, Me

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """Liveness: the process serves requests."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
def readyz(request: Request, response: Response) -> Health:
    """Readiness: the warehouse answers a query; the journal's backlog is reported."""
    st = state(request)
    checks: dict[str, object] = {"read_only": st.settings.read_only}
    try:
        checks["warehouse"] = st.warehouse.ping()
    except Exception:
        checks["warehouse"] = False
    checks["journal_backlog_bytes"] = st.journal.backlog_bytes()
    st.metrics.backlog.set(checks["journal_backlog_bytes"])
    if not checks["warehouse"]:
        response.status_code = 503
        return Health(status="unavailable", checks=checks)
    return Health(status="ready", checks=checks)


@router.get("/v1/me", response_model=Me, tags=["keys"])
def me(key: ApiKey = Depends(caller)) -> Me:
    """The key this request was made with: its id, name, scopes and bound customer."""
    return Me(id=key.id, name=key.name, scopes=list(key.scopes), customer_id=key.customer_id)


@router.get("/metrics", response_class=Response, tags=["health"])
def metrics(request: Request, key: ApiKey = Depends(needs(ADMIN))) -> Response:
    """Prometheus metrics (an ``admin`` key: scrape with a bearer token)."""
    st = state(request)
    st.metrics.backlog.set(st.journal.backlog_bytes())
    return Response(st.metrics.render(), media_type="text/plain; version=0.0.4")
