"""JSON error bodies for every error; no stack trace, SQL or path ever leaves the service."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shoplens.errors import InputError, ShopLensError, WarehouseError
from shoplens.service.observe import LOGGER


class ApiError(Exception):
    """An error with its HTTP status, a short code and a message for the client."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or HTTPStatus(status).phrase.lower().replace(" ", "_")
        self.headers = headers
        self.details = details


def error_response(
    request: Request,
    status: int,
    message: str,
    code: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    details: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    """The JSON body ``{"error": {status, code, message, request_id[, details]}}``."""
    body: dict[str, Any] = {
        "status": status,
        "code": code or HTTPStatus(status).phrase.lower().replace(" ", "_"),
        "message": message,
        "request_id": getattr(request.state, "request_id", ""),
    }
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _clean(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic's errors without the input values (they may hold personal data)."""
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type")}
        for e in errors
    ]


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(
            request, exc.status, exc.message, exc.code, headers=exc.headers, details=exc.details
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _clean(list(exc.errors()))
        malformed = any(e["type"] == "json_invalid" for e in errors)
        message = (
            "the body is not valid JSON"
            if malformed
            else "the request does not fit the schema: see details"
        )
        return error_response(
            request,
            422,
            message,
            "malformed_json" if malformed else "invalid_request",
            details=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and message == "Not Found":
            message = f"no route {request.url.path}; see /docs for the API"
        return error_response(
            request, exc.status_code, message, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(WarehouseError)
    async def _warehouse(request: Request, exc: WarehouseError) -> JSONResponse:
        LOGGER.error("warehouse error", extra={"fields": {"request_id": _rid(request)}})
        return error_response(request, 503, "the warehouse is not available; try again later")

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> JSONResponse:
        return error_response(request, 400, _public(str(exc)), "bad_input")

    @app.exception_handler(ShopLensError)
    async def _shoplens(request: Request, exc: ShopLensError) -> JSONResponse:
        return error_response(request, 400, _public(str(exc)), "bad_input")

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        LOGGER.error(
            "unhandled error",
            exc_info=exc,
            extra={"fields": {"request_id": _rid(request), "path": request.url.path}},
        )
        return error_response(request, 500, "internal error; the request id is in the log")


def _rid(request: Request) -> str:
    return getattr(request.state, "request_id", "")


def _public(message: str) -> str:
    """A library message without file-system paths."""
    import re

    return re.sub(r"(?<![\w:])/(?:[\w.-]+/)+[\w.-]*", "<path>", message)[:500]
