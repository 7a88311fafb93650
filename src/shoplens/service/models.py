"""Request and response bodies of the API (pydantic); the OpenAPI schema comes from them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Id = Field(min_length=1, max_length=128)


class ErrorDetail(BaseModel):
    """What went wrong, in words a client can act on."""

    status: int
    code: str
    message: str
    request_id: str = ""
    details: list[dict[str, Any]] | None = None


class ErrorBody(BaseModel):
    """Every 4xx and 5xx body."""

    error: ErrorDetail


class Health(BaseModel):
    """Liveness or readiness."""

    status: str
    checks: dict[str, Any] = Field(default_factory=dict)


class Me(BaseModel):
    """The key a request was made with."""

    id: str
    name: str
    scopes: list[str]
    customer_id: str | None = None


class Event(BaseModel):
    """One live event, in the columns of the canonical ``events`` table."""

    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(min_length=1, max_length=128, description="idempotency key")
    customer_id: str = Field(min_length=1, max_length=128)
    ts: datetime = Field(description="ISO 8601; naive times are read as UTC")
    type: str = Field(min_length=1, max_length=64, description="view, search, purchase, ...")
    session_id: str | None = Field(default=None, max_length=128)
    item_id: str | None = Field(default=None, max_length=128)
    query: str | None = Field(default=None, max_length=2000)
    value: float | None = Field(default=None, allow_inf_nan=False)
    channel: str | None = Field(default=None, max_length=64)
    device: str | None = Field(default=None, max_length=64)
    properties: dict[str, Any] | None = None


class EventBatch(BaseModel):
    """Live events to store."""

    model_config = ConfigDict(extra="forbid")

    events: list[Event] = Field(min_length=1)


class EventsAccepted(BaseModel):
    """Events fsynced to the journal: they reach the warehouse within the drain interval."""

    accepted: int
    event_ids: list[str]


class Page(BaseModel):
    """One page of rows."""

    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


class Rows(BaseModel):
    """Rows of an analytics answer."""

    items: list[dict[str, Any]]


class Churn(BaseModel):
    """Churn risk and the stored figures it rests on."""

    probability: float | None = None
    reasons: list[str] = Field(default_factory=list)
    drivers: dict[str, Any] = Field(default_factory=dict)


class Customer360(BaseModel):
    """Everything stored about one customer."""

    customer_id: str
    profile: dict[str, Any] | None = None
    segment: str | None = None
    rfm_segment: str | None = None
    stage: str | None = None
    clv: float | None = None
    churn: Churn
    latest_sentiment: dict[str, Any] | None = None
    timeline: list[dict[str, Any]]
    recommendations: list[dict[str, Any]] | None = None


class TextsIn(BaseModel):
    """Texts to analyse (Chinese or English)."""

    model_config = ConfigDict(extra="forbid")

    texts: list[str] = Field(min_length=1, max_length=100)
    intents: bool = True


class TextsOut(BaseModel):
    """One analysis per text, in order."""

    items: list[dict[str, Any]]


class SessionEvent(BaseModel):
    """One event of the customer's current session (not stored by this call)."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1, max_length=64, description="view, search, add_to_cart, ...")
    item_id: str | None = Field(default=None, max_length=128)
    query: str | None = Field(default=None, max_length=2000)


class RecommendIn(BaseModel):
    """Whom to recommend for: a customer id and/or the current session's events."""

    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="default: the key's customer; without one, the session alone",
    )
    events: list[SessionEvent] = Field(default_factory=list, max_length=200)
    n: int = Field(default=10, ge=1, le=100)


class RecommendedItem(BaseModel):
    """One ranked item and why it is there."""

    rank: int
    item_id: str
    title: str
    score: float
    model: str
    reason: str


class Recommendations(BaseModel):
    """A served list; each item is recorded as an ``impression`` event."""

    request_id: str
    customer_id: str
    model_version: str | None = None
    items: list[RecommendedItem]


class ChatIn(BaseModel):
    """A customer's message; the customer is the key's, never the body's."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=4000)
    conversation_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="continue this conversation (default: a new one)",
    )
