"""ASGI middleware: request ids, body size limit, access log and metrics (one pass)."""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import HTTPException

from shoplens.service.observe import LOGGER, new_request_id


class RequestMiddleware:
    """Give each request an id, refuse bodies over ``max_body`` bytes (413), log and count.

    The body limit is checked on ``Content-Length`` and again while the body streams in,
    so a chunked upload cannot get past it.
    """

    def __init__(self, app: Any, *, max_body: int, metrics: Any) -> None:
        self.app, self.max_body, self.metrics = app, max_body, metrics

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = new_request_id(headers.get(b"x-request-id", b"").decode("latin-1"))
        scope.setdefault("state", {})["request_id"] = rid
        start = time.perf_counter()
        status = {"code": 500}
        too_big = False
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            too_big = True
        seen = 0

        async def limited_receive() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge()
            return message

        async def send_with_id(message: dict) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            if too_big:
                await self._reject(send_with_id, rid)
            else:
                try:
                    await self.app(scope, limited_receive, send_with_id)
                except _TooLarge:
                    await self._reject(send_with_id, rid)
        finally:
            self._record(scope, status["code"], time.perf_counter() - start, rid)

    async def _reject(self, send: Any, rid: str) -> None:
        body = json.dumps(
            {
                "error": {
                    "status": 413,
                    "code": "payload_too_large",
                    "message": f"the body is larger than {self.max_body:,} bytes; send less",
                    "request_id": rid,
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _record(self, scope: dict, status: int, seconds: float, rid: str) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "(unmatched)"
        method = scope.get("method", "")
        self.metrics.requests.labels(method, template, str(status)).inc()
        self.metrics.latency.labels(method, template).observe(seconds)
        state = scope.get("state", {})
        LOGGER.info(
            "request",
            extra={
                "fields": {
                    "request_id": rid,
                    "method": method,
                    "path": scope.get("path", ""),
                    "route": template,
                    "status": status,
                    "ms": round(seconds * 1000, 2),
                    "key_id": state.get("key_id"),
                }
            },
        )


class _TooLarge(HTTPException):
    """Raised while the body streams in; FastAPI passes HTTP exceptions through as they are."""

    def __init__(self) -> None:
        super().__init__(413, "the body is too large; send less")
