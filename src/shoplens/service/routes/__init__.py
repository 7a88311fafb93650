"""The service's routes, one module per resource."""

from __future__ import annotations

from shoplens.service.routes import (
    analytics,
    customers,
    dashboard,
    events,
    guidance,
    health,
    text,
)

ROUTERS = [
    health.router,
    events.router,
    customers.router,
    analytics.router,
    text.router,
    guidance.router,
    dashboard.router,
]
