"""Structured JSON logs with request ids (PII redacted) and Prometheus metrics."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

LOGGER = logging.getLogger("shoplens.service")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_DIGITS = re.compile(r"\+?\d[\d -]{7,}\d")


def redact(text: str) -> str:
    """Text with personal data replaced, by :mod:`shoplens.privacy` when it is installed.

    Without it, e-mail addresses and long digit runs (phones, cards) are masked.

    Examples
    --------
    >>> redact("mail li.wei@example.com")
    'mail [EMAIL]'
    """
    try:
        from shoplens.privacy import redact as full
    except ImportError:
        return _DIGITS.sub("[NUMBER]", _EMAIL.sub("[EMAIL]", text))
    return full(text)


#: the fields that may carry personal data (ids, codes and timings do not)
REDACTED = frozenset({"path", "query", "detail", "text"})


class JsonFormatter(logging.Formatter):
    """One JSON object per line; the message and :data:`REDACTED` fields pass through
    :func:`redact`."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in getattr(record, "fields", {}).items():
            out[key] = redact(value) if key in REDACTED and isinstance(value, str) else value
        if record.exc_info:
            out["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False, default=str)


def setup_logging(level: str = "INFO") -> None:
    """Send the service's logs to stderr as JSON lines (idempotent)."""
    if any(getattr(h, "_shoplens", False) for h in LOGGER.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler._shoplens = True  # type: ignore[attr-defined]
    LOGGER.addHandler(handler)
    LOGGER.setLevel(level)
    LOGGER.propagate = False


def new_request_id(given: str | None) -> str:
    """The client's ``X-Request-ID`` when it is sane, else a new one."""
    if given and len(given) <= 64 and re.fullmatch(r"[\w.:-]+", given):
        return given
    return uuid.uuid4().hex


class Metrics:
    """The service's Prometheus metrics, in a registry of their own."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter(
            "shoplens_http_requests_total",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "shoplens_http_request_seconds",
            "HTTP request latency by route",
            ["method", "route"],
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.events_accepted = Counter(
            "shoplens_events_accepted_total",
            "Live events fsynced to the journal",
            registry=self.registry,
        )
        self.events_drained = Counter(
            "shoplens_events_drained_total",
            "Live events handed to the warehouse",
            registry=self.registry,
        )
        self.backlog = Gauge(
            "shoplens_journal_backlog_bytes",
            "Journal bytes not yet in the warehouse",
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The metrics in Prometheus' text format."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)
