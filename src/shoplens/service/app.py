"""The app factory: ``create_app(settings)`` builds the API and the dashboard."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from shoplens.service.config import ServiceSettings
from shoplens.service.deps import ServiceState
from shoplens.service.observe import LOGGER, Metrics, setup_logging

DESCRIPTION = """
The ShopLens service: live events, customer 360, analytics read endpoints, text
analysis and the dashboard, over the warehouse. Every route but the health checks needs
an API key (`Authorization: Bearer slk_...`), made with `shoplens keys create`.
See docs/service.md.
"""


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """Build the FastAPI app over the warehouse named in ``settings``.

    The warehouse, the key file and the event journal are opened when the app starts
    (its lifespan), and the journal's backlog is drained into the warehouse before the
    first request is served.

    Examples
    --------
    >>> import tempfile
    >>> app = create_app(ServiceSettings(home=tempfile.mkdtemp()))
    >>> "/v1/events" in app.openapi()["paths"]
    True
    """
    from fastapi.middleware.cors import CORSMiddleware

    from shoplens import __version__
    from shoplens.service import errors
    from shoplens.service.middleware import RequestMiddleware
    from shoplens.service.routes import ROUTERS

    settings = settings or ServiceSettings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        # a second lifespan of the same app (a test client beside another) shares the state
        users = getattr(app.state, "lifespans", 0)
        if not users:
            setup_logging()
            app.state.service = open_state(settings, metrics)
            LOGGER.info("service started", extra={"fields": {"read_only": settings.read_only}})
        app.state.lifespans = users + 1
        try:
            yield
        finally:
            app.state.lifespans -= 1
            if not app.state.lifespans:
                close_state(app.state.service)

    app = FastAPI(
        title="ShopLens",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        responses={
            401: {"model": _error_model(), "description": "no or bad API key"},
            403: {"model": _error_model(), "description": "the key may not do this"},
            422: {"model": _error_model(), "description": "the request does not fit"},
            429: {"model": _error_model(), "description": "rate limit reached"},
        },
    )
    errors.install(app)
    _dashboard_errors(app)
    for router in ROUTERS:
        app.include_router(router)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(RequestMiddleware, max_body=settings.max_body_bytes, metrics=metrics)
    return app


def _dashboard_errors(app: FastAPI) -> None:
    from fastapi import Request
    from fastapi.responses import RedirectResponse

    from shoplens.service.routes.dashboard import _Login

    @app.exception_handler(_Login)
    async def _login(request: Request, exc: _Login) -> RedirectResponse:
        return RedirectResponse("/dashboard/login", status_code=303)


def _error_model() -> Any:
    from shoplens.service.models import ErrorBody

    return ErrorBody


def open_state(settings: ServiceSettings, metrics: Metrics) -> ServiceState:
    """Open the warehouse, keys and journal; drain the journal; start the writer thread."""
    from shoplens.service.db import Warehouse
    from shoplens.service.journal import Drainer, EventJournal
    from shoplens.service.keys import KeyStore
    from shoplens.service.ratelimit import TokenBuckets

    warehouse = Warehouse(settings.warehouse_path, read_only=settings.read_only)
    journal = EventJournal(settings.journal_dir)

    def store(events: list[dict[str, Any]]) -> None:
        warehouse.store_events(events)
        metrics.events_drained.inc(len(events))

    def failed(exc: BaseException) -> None:
        LOGGER.error("draining the event journal failed; it is kept", exc_info=exc)

    drainer = None
    if not settings.read_only:
        drainer = Drainer(journal, store, settings.drain_interval, on_error=failed)
        drainer.drain_once()  # what a crash left behind, before the first request
        drainer.start()
    return ServiceState(
        settings=settings,
        warehouse=warehouse,
        keys=KeyStore(settings.keys_path),
        journal=journal,
        drainer=drainer,
        metrics=metrics,
        limiter=TokenBuckets(settings.rate_per_second, settings.rate_burst),
    )


def close_state(state: ServiceState) -> None:
    """Stop the writer (draining what is left), close the journal and the warehouse."""
    if state.drainer is not None:
        state.drainer.stop()
    state.journal.close()
    state.warehouse.close()
