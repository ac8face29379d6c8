"""RFC 9457 problem+json for every error, mapped from categories in one place."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from vikar_shared.errors import Category, DomainError, DuplicateError

log = logging.getLogger(__name__)

STATUS_BY_CATEGORY: dict[Category, int] = {
    Category.VALIDATION: 422,
    Category.UNAUTHENTICATED: 401,
    Category.FORBIDDEN: 403,
    Category.NOT_FOUND: 404,
    Category.CONFLICT: 409,
    Category.EXTERNAL: 502,
}
PROBLEM_TYPE_BASE = "https://vikarmodel.dk/problems/"
MEDIA_TYPE = "application/problem+json"


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = STATUS_BY_CATEGORY[exc.category]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    errors = [{"field": v.field, "rule": v.rule, "message": v.message} for v in exc.violations]
    extra = None
    if isinstance(exc, DuplicateError):
        extra = {"existing": {"type": exc.existing_type, "id": exc.existing_id}}
    return problem(status, exc.code, exc.category.value, exc.detail, errors or None, headers, extra)


async def _request_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": _location(tuple(e.get("loc", ()))),
            "rule": str(e.get("type", "invalid")),
            "message": str(e.get("msg", "")),
        }
        for e in exc.errors()
    ]
    return problem(422, "request-invalid", "validation", "The request does not match the schema", errors)


async def _http_exception(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "route-not-found", 405: "method-not-allowed", 401: "unauthenticated"}.get(
        exc.status_code, "http-error"
    )
    return problem(exc.status_code, code, "http", str(exc.detail), headers=getattr(exc, "headers", None))


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem(500, "internal", "internal", "An unexpected error occurred; it has been logged")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected)
