"""The ShopLens service: a FastAPI app (API and dashboard) over the warehouse.

Install the ``serve`` extra and start it with ``shoplens serve``; see docs/service.md.
"""

from __future__ import annotations

from shoplens.service.config import ServiceSettings

__all__ = ["ServiceSettings", "create_app"]


def create_app(settings: ServiceSettings | None = None):  # type: ignore[no-untyped-def]
    """Build the app (see :func:`shoplens.service.app.create_app`)."""
    from shoplens.service.app import create_app as build

    return build(settings)
