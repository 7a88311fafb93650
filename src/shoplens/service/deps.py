"""Dependencies of the routes: the warehouse reader, the caller's key, scope checks."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from ibis.backends import BaseBackend

from shoplens.service.config import ServiceSettings
from shoplens.service.errors import ApiError
from shoplens.service.keys import ADMIN, ApiKey, KeyStore


@dataclass
class ServiceState:
    """What one app holds: settings, warehouse, keys, journal, metrics, rate limits."""

    settings: ServiceSettings
    warehouse: Any
    keys: KeyStore
    journal: Any
    drainer: Any
    metrics: Any
    limiter: Any
    #: what the guidance routes load once (the recommender, the assistant), and its lock
    loaded: dict[str, Any] = field(default_factory=dict)


def state(request: Request) -> ServiceState:
    """The app's :class:`ServiceState`."""
    return request.app.state.service


def reader(request: Request) -> Iterator[BaseBackend]:
    """An Ibis backend over a read cursor, for this request."""
    with state(request).warehouse.reader() as con:
        yield con


_bearer = HTTPBearer(auto_error=False, description="an API key: `Authorization: Bearer slk_...`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="or `X-API-Key: slk_...`")


def _session_key(request: Request) -> ApiKey | None:
    from shoplens.service.session import read_session

    return read_session(request, state(request).keys)


def caller(
    request: Request,
    bearer: HTTPAuthorizationCredentials | None = Depends(_bearer),
    header: str | None = Depends(_header),
) -> ApiKey:
    """The verified key of the request (header, or the dashboard's session cookie)."""
    st = state(request)
    token = bearer.credentials if bearer else header
    key = st.keys.verify(token) if token else _session_key(request)
    if key is None:
        raise ApiError(
            401,
            "missing or invalid API key: send `Authorization: Bearer slk_...`"
            if token is None
            else "invalid or revoked API key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    wait = st.limiter.take(key.id)
    if wait:
        raise ApiError(
            429,
            f"rate limit of {st.settings.rate_per_second:g} requests/s for this key reached",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    request.state.key_id = key.id
    return key


def needs(*scopes: str, aggregate: bool = False) -> Callable[..., ApiKey]:
    """A dependency: the caller holds one of ``scopes`` (admin holds every scope).

    ``aggregate`` routes read many customers at once: a customer-bound key gets 403.
    """

    def check(key: ApiKey = Depends(caller)) -> ApiKey:
        if not any(key.allows(s) for s in scopes):
            raise ApiError(
                403, f"this key lacks the scope {' or '.join(scopes)}", "insufficient_scope"
            )
        if aggregate and key.customer_id is not None:
            raise ApiError(
                403,
                "this key is bound to one customer and cannot read data about all customers",
                "customer_bound",
            )
        return key

    check.__name__ = f"needs_{'_'.join(s.replace(':', '_') for s in scopes)}"
    return check


def own_customer(key: ApiKey, customer_id: str) -> None:
    """Object-level check: a customer-bound key only ever reaches its own customer."""
    if key.customer_id is not None and key.customer_id != customer_id and ADMIN not in key.scopes:
        raise ApiError(403, "this key is bound to another customer", "customer_bound")
