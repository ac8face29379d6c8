"""RFC 9457 problem+json for every error, mapped from categories in one place.

Every problem has ``type``, ``title``, ``status``, ``detail`` and a stable ``code``; ``type`` is
``{public_base_url}/problems/{service}/{code}``, a page documenting the code (what it means, what to do:
:mod:`vikar_shared.http.problem_types`, served by :mod:`vikar_shared.web.problem_pages`); a problem about
input adds ``errors`` (``[{field, rule, message}]``), and every problem answered during a request
carries ``correlation_id`` (the ``X-Correlation-ID`` header's value). The OpenAPI documents describe
exactly this shape (:mod:`vikar_shared.http.openapi`).

A body that is not JSON, or nests deeper than the parser goes, is a 422 naming field ``body`` and
rule ``json-invalid`` or ``too-deep`` (like every other input that cannot be processed).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from vikar_shared.errors import Category, DomainError, DuplicateError
from vikar_shared.http.problem_types import DEFAULT_PUBLIC_BASE_URL, SHARED_TYPES, registered_catalogue, type_uri
from vikar_shared.logging import correlation_id_var
from vikar_shared.transient import dependency_of, outcome_unknown

log = logging.getLogger(__name__)

STATUS_BY_CATEGORY: dict[Category, int] = {
    Category.VALIDATION: 422,
    Category.UNAUTHENTICATED: 401,
    Category.FORBIDDEN: 403,
    Category.NOT_FOUND: 404,
    Category.CONFLICT: 409,
    Category.EXTERNAL: 502,
}
MEDIA_TYPE = "application/problem+json"
# (public_base_url, service) of the app answering the current request; set by ProblemTypeMiddleware.
_type_origin: ContextVar[tuple[str, str]] = ContextVar(
    "problem_type_origin", default=(DEFAULT_PUBLIC_BASE_URL, "shared")
)


def problem_type(code: str) -> str:
    """The ``type`` of a problem with ``code`` answered now: ``{public_base_url}/problems/{service}/{code}``
    of the app answering the request (outside a request: the default origin and ``shared``)."""
    base, service = _type_origin.get()
    return type_uri(base, service, code)


def problem_title(code: str, fallback: str) -> str:
    """RFC 9457 ``title``: the short human-readable summary of the problem type, the English title of
    ``code`` in the answering service's catalogue (:mod:`vikar_shared.http.problem_types`; its page gives
    the Danish); ``fallback`` (the category) for a code no catalogue documents."""
    catalogue = registered_catalogue(_type_origin.get()[1])
    known = catalogue.get(code) if catalogue is not None else next((t for t in SHARED_TYPES if t.code == code), None)
    return known.title["en"] if known is not None else fallback


class ProblemTypeMiddleware:
    """Makes the problems of a request name this app's documentation pages (``public_base_url`` and
    ``service_name`` of ``app.state.settings``). Not reset after the request, so a problem answered by
    an outer middleware of the same request (an unexpected error) names them too."""

    def __init__(self, app: ASGIApp, *, public_base_url: str, service: str) -> None:
        self.app, self.origin = app, (public_base_url, service)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            _type_origin.set(self.origin)
        await self.app(scope, receive, send)


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
        "type": problem_type(code),
        "title": problem_title(code, title),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    if (cid := correlation_id_var.get()) is not None:
        body["correlation_id"] = cid
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


def _violation(error: Mapping[str, Any]) -> dict[str, str]:
    if error.get("type") == "json_invalid":
        # FastAPI's loc is ("body", <character offset>): name the body, keep the offset in the message.
        loc = tuple(error.get("loc", ()))
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        reason = (error.get("ctx") or {}).get("error") or error.get("msg", "")
        return {"field": "body", "rule": "json-invalid", "message": f"The body is not valid JSON{where}: {reason}"}
    return {
        "field": _location(tuple(error.get("loc", ()))),
        "rule": str(error.get("type", "invalid")),
        "message": str(error.get("msg", "")),
    }


async def _request_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_violation(e) for e in exc.errors()]
    return problem(422, "request-invalid", "validation", "The request does not match the schema", errors)


def _unparseable_body(exc: StarletteHTTPException) -> JSONResponse | None:
    """FastAPI answers a body its parser gave up on with a bare 400 and the parser's error as the cause:
    a too deeply nested JSON document (RecursionError), bytes that are not UTF-8, a broken form."""
    if exc.status_code != 400 or exc.__cause__ is None:
        return None
    if isinstance(exc.__cause__, RecursionError):
        rule, message = "too-deep", "The body nests arrays or objects deeper than the service accepts"
    else:
        rule, message = "json-invalid", f"The body could not be parsed ({type(exc.__cause__).__name__})"
    return problem(
        422,
        "request-invalid",
        "validation",
        "The request body could not be parsed",
        [{"field": "body", "rule": rule, "message": message}],
    )


def framework_headers(request: Request, exc: StarletteHTTPException) -> dict[str, str] | None:
    """The headers of a framework HTTP error, with a 405's ``Allow`` naming every method some route of
    the app answers at the path (RFC 9110 § 15.5.6): Starlette's own names only the first route it
    matched, so a path with a GET and a POST route said only one of them."""
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        path, root = request.scope["path"], request.scope.get("root_path", "")
        path = path.removeprefix(root) if root and path.startswith(root) else path
        methods: set[str] = set()
        # Routes of included routers are seen through their context (prefix applied), as the OpenAPI is.
        for route in iter_route_contexts(request.app.routes):
            regex = getattr(route, "path_regex", None)
            if regex is not None and regex.match(path):
                methods |= set(route.methods or ())
        if methods:
            if "GET" in methods and getattr(request.app.state, "answers_head_as_get", False):
                methods.add("HEAD")  # HeadAsGetMiddleware answers a HEAD wherever a GET is declared
            headers["Allow"] = ", ".join(sorted(methods))
    return headers or None


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if (unparseable := _unparseable_body(exc)) is not None:
        return unparseable
    code = {404: "route-not-found", 405: "method-not-allowed", 401: "unauthenticated"}.get(
        exc.status_code, "http-error"
    )
    return problem(exc.status_code, code, "http", str(exc.detail), headers=framework_headers(request, exc))


# Seconds a client is asked to wait (Retry-After) when a dependency is down: a restart of PostgreSQL or
# Kafka takes seconds; the client's retry after this is likely to succeed.
DEPENDENCY_RETRY_AFTER_SECONDS = 5


def dependency_unavailable_problem(exc: BaseException) -> JSONResponse | None:
    """The 503 ``dependency-unavailable`` for a request that failed because the database or the broker
    could not be reached (:mod:`vikar_shared.transient`), or ``None`` for any other error.

    Headers: ``Retry-After: 5`` (seconds). Extensions: ``dependency`` (``"database"`` or ``"broker"``)
    and ``written``: ``false`` when the request's transaction was rolled back, so nothing was written
    and the request may be sent again as is; ``null`` when the connection was lost while committing
    (:func:`vikar_shared.transient.outcome_unknown`), so it may have been written: send it again with
    the same ``Idempotency-Key`` (or read the object first). A request's changes are one transaction
    (:func:`vikar_shared.db.transaction`), so no partial write is left either way."""
    dependency = dependency_of(exc)
    if dependency is None:
        return None
    unknown = outcome_unknown(exc)
    detail = f"The {dependency} could not be reached; " + (
        "the changes may have been saved before the connection was lost"
        if unknown
        else "nothing was saved. Try again after Retry-After seconds"
    )
    return problem(
        503,
        "dependency-unavailable",
        "unavailable",
        detail,
        headers={"Retry-After": str(DEPENDENCY_RETRY_AFTER_SECONDS)},
        extra={"dependency": dependency, "written": None if unknown else False},
    )


def unexpected_error_problem() -> JSONResponse:
    """The 500 for an unexpected error: nothing about the error itself, the correlation id to quote."""
    return problem(
        500, "internal", "internal", "An unexpected error occurred; it has been logged under the correlation_id"
    )


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    # Reached only for errors outside the service's middleware (UnexpectedErrorMiddleware takes the rest).
    if (unavailable := dependency_unavailable_problem(exc)) is not None:
        log.warning("dependency unavailable: %r", exc)
        return unavailable
    log.exception("unhandled error", exc_info=exc)
    return unexpected_error_problem()


def install_problem_handlers(app: FastAPI) -> None:
    """The problem+json handlers, and the type URIs of this app (from ``app.state.settings`` when set)."""
    settings = getattr(app.state, "settings", None)
    if settings is not None:
        app.add_middleware(
            ProblemTypeMiddleware,
            public_base_url=getattr(settings, "public_base_url", DEFAULT_PUBLIC_BASE_URL),
            service=settings.service_name,
        )
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unexpected)
