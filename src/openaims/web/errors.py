"""Errors become responses here only: one JSON shape for the API, one HTML page
for people, never a stack trace.

API error shape (pinned by tests)::

    {"error": {"status": 404, "code": "not_found", "message": "...", "fields": []}}
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from openaims.errors import AimsError, ConflictError, NotFoundError, PermissionDeniedError, UsageError
from openaims.register.errors import RecordValidationError, RuleViolationError
from openaims.register.services.accounts import AuthenticationError
from openaims.web.deps import authorise_before_validation

log = logging.getLogger("openaims.web")

_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "internal_error",
}


def status_for(exc: AimsError) -> int:
    if isinstance(exc, AuthenticationError):
        return 401
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, (RecordValidationError, RuleViolationError)):
        return 422
    if isinstance(exc, UsageError):
        return 400
    return 422


def error_body(status: int, message: str, fields: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "error": {"status": status, "code": _CODES.get(status, "error"), "message": message, "fields": fields or []}
    }


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _html(request: Request, status: int, message: str) -> Response:
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "message": message, "user": None, "show_nav": status != 401, "path": request.url.path},
        status_code=status,
    )
    return response


def install(app: FastAPI) -> None:
    @app.exception_handler(AimsError)
    async def _aims(request: Request, exc: AimsError) -> Response:
        status = status_for(exc)
        fields = [{"field": p.field, "message": p.message} for p in getattr(exc, "problems", [])]
        if wants_json(request):
            return JSONResponse(error_body(status, exc.message, fields), status_code=status)
        return _html(request, status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # Authorisation before validation: field rules are only for callers who may use the route.
        try:
            await run_in_threadpool(authorise_before_validation, request)
        except StarletteHTTPException as refused:
            return await _http(request, refused)
        fields = [
            {"field": ".".join(str(p) for p in e["loc"] if p not in ("body", "query", "path")), "message": e["msg"]}
            for e in exc.errors()
        ]
        if wants_json(request):
            return JSONResponse(error_body(422, "the request is not valid", fields), status_code=422)
        return _html(request, 422, "The request is not valid.")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        headers = getattr(exc, "headers", None)
        if exc.status_code == 303 and headers and "location" in {k.lower() for k in headers}:
            return Response(status_code=303, headers=headers)
        if wants_json(request):
            return JSONResponse(error_body(exc.status_code, message), status_code=exc.status_code, headers=headers)
        return _html(request, exc.status_code, message)

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> Response:
        # The database refused a value (a NUL character, a number out of range...): the input is at fault.
        log.info("refused unstorable input on %s %s: %s", request.method, request.url.path, exc.orig)
        message = "a value cannot be stored (control characters such as NUL, or a number out of range)"
        if wants_json(request):
            return JSONResponse(error_body(422, message), status_code=422)
        return _html(request, 422, message[0].upper() + message[1:] + ".")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        if wants_json(request):
            return JSONResponse(error_body(500, "internal error; the server log has details"), status_code=500)
        return HTMLResponse("<!doctype html><title>Error</title><h1>Something went wrong</h1>", status_code=500)


__all__ = ["HTTPException", "error_body", "install", "status_for"]
