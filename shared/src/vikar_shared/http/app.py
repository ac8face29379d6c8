"""The service skeleton: one app per runtime role (vikar_shared.runtime) with health, errors, auth, middleware."""

from __future__ import annotations

import gc
import ipaddress
import logging
import re
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from pathlib import Path

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from vikar_shared import tracing
from vikar_shared.auth.tokens import TokenVerifier
from vikar_shared.clock import Clock
from vikar_shared.http.openapi import install_problem_openapi
from vikar_shared.http.problems import (
    dependency_unavailable_problem,
    install_problem_handlers,
    unexpected_error_problem,
)
from vikar_shared.http.query import refuse_repeated_query_keys
from vikar_shared.logging import configure_logging, correlation_id_var
from vikar_shared.messaging.subscriber import ConsumerSpec
from vikar_shared.metrics import AppMetrics
from vikar_shared.runtime.lifespan import BackgroundTask, build_broker, run_role
from vikar_shared.runtime.readiness import readiness
from vikar_shared.runtime.roles import Role
from vikar_shared.settings import ServiceSettings
from vikar_shared.transient import RateLimitedLog

__all__ = ["BackgroundTask", "build_broker", "create_service_app", "serve"]

log = logging.getLogger(__name__)
# During an outage every request fails alike: one line per 10 s, with the count of the others.
_dependency_log = RateLimitedLog(log, every=10.0)

# A forwarded prefix: one or more path segments of safe characters, e.g. /api/timesheet.
_PREFIX = re.compile(r"(/[A-Za-z0-9._~-]+)+")


class CorrelationIdMiddleware:
    """Takes X-Correlation-ID from the request (or makes one), logs with it and echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-correlation-id", b"").decode()[:100]
        cid = incoming or str(uuid.uuid4())
        token = correlation_id_var.set(cid)

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-correlation-id", cid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_header)
        finally:
            correlation_id_var.reset(token)


class PrivateAnswersMiddleware:
    """``Cache-Control: private, no-store`` on every answer to a request with an ``Authorization`` header that does
    not state its own: what a token may see (margins, wage bases, personal data) is never kept by a cache, shared
    or the browser's (RFC 9111 § 5.2.2.5). Pages (cookie sessions) state theirs themselves."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not any(name == b"authorization" for name, _ in scope.get("headers") or []):
            await self.app(scope, receive, send)
            return

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"private, no-store"))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_private)


class UnexpectedErrorMiddleware:
    """Answers an exception no handler took as a problem+json 500 and keeps the connection open; a
    failure of the database or broker (:mod:`vikar_shared.transient`) is a 503 ``dependency-unavailable``
    with ``Retry-After`` and ``written`` instead (:func:`~vikar_shared.http.problems.dependency_unavailable_problem`).

    Starlette's ``ServerErrorMiddleware`` sends its 500 and then re-raises, and uvicorn closes a
    connection whose application raised, so a keep-alive client's *next* request failed too. This
    middleware sits inside :class:`CorrelationIdMiddleware` (the answer carries ``X-Correlation-ID``
    and ``correlation_id`` in the body), logs the exception once with that id and does not re-raise.
    When the response had already started (a failure while streaming, or in a background task) no
    second answer can be sent: the exception is logged and the server ends that response as it must.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if (unavailable := dependency_unavailable_problem(exc)) is not None:
                # A dependency is down, not a bug: a 503 with Retry-After, one rate-limited line.
                _dependency_log.log(
                    logging.WARNING,
                    "dependency unavailable",
                    exc=exc,
                    method=scope.get("method", ""),
                    path=scope.get("path", ""),
                )
                if not started:
                    await unavailable(scope, receive, send)
                return
            log.exception(
                "unhandled error in %s %s",
                scope.get("method", ""),
                scope.get("path", ""),
                exc_info=exc,
                extra={"fields": {"response_started": started}},
            )
            if not started:
                await unexpected_error_problem()(scope, receive, send)


class ForwardedPrefixMiddleware:
    """Takes the path prefix a trusted proxy stripped (``X-Forwarded-Prefix``, e.g. ``/api/timesheet``)
    as the ASGI ``root_path``, so ``/docs``, ``/openapi.json`` (its ``servers``) and generated URLs name
    the address the client used. Believed only from a peer in ``trusted_proxies`` (checked before
    uvicorn's ProxyHeadersMiddleware replaces the peer by the forwarded client); anything else, or a
    value that is not a plain path, is ignored. Pages the proxy passes unchanged (``/portal/``,
    ``/auth/``) get no prefix and keep their paths."""

    def __init__(self, app: ASGIApp, trusted: Sequence[str]) -> None:
        self.app = app
        self.everyone = "*" in trusted
        self.networks = [ipaddress.ip_network(t, strict=False) for t in trusted if t != "*"]

    def _trusted(self, scope: Scope) -> bool:
        client = scope.get("client")
        if self.everyone:
            return True
        if not client:
            return False
        try:
            address = ipaddress.ip_address(client[0])
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._trusted(scope):
            prefix = dict(scope.get("headers") or []).get(b"x-forwarded-prefix", b"").decode("latin-1").rstrip("/")
            if _PREFIX.fullmatch(prefix):
                scope = {**scope, "root_path": scope.get("root_path", "") + prefix}
        await self.app(scope, receive, send)


class HeadAsGetMiddleware:
    """Answers ``HEAD`` wherever ``GET`` is answered (RFC 9110 § 9.3.2): the request is routed as ``GET``
    and the body dropped, headers (``Content-Length`` included) kept. FastAPI routes list only the methods
    declared, so without this a link checker's or a mail preview's ``HEAD`` got 405. A ``GET`` here never
    changes state (a login link's ``GET`` only shows the confirm button), so neither does ``HEAD``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    migrations: Path,
    consumers: Sequence[ConsumerSpec] = (),
    background: Sequence[BackgroundTask] = (),
    extra_lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    clock: Clock | None = None,
    role: Role = Role.ALL,
) -> FastAPI:
    """The service's app for one runtime ``role`` (:mod:`vikar_shared.runtime`; default ``all``: everything,
    as tests and the demo run it). ``api`` and ``all`` include ``routers``; ``worker`` and ``relay`` serve
    ``/healthz``, ``/readyz`` and ``/metrics`` only (every role serves ``/metrics``, see
    :mod:`vikar_shared.metrics`). ``extra_lifespan`` runs inside every role's lifespan, after the
    start (``app.state.migrated`` tells whether this process applied the migrations). ``clock`` (default:
    ``settings.clock()``) becomes ``app.state.clock``, read by the ``Now``/``Today`` dependencies and by
    background jobs; a test may replace it, e.g. with a FixedClock."""
    configure_logging(settings.service_name, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with run_role(app, settings, role, migrations=migrations, consumers=consumers, background=background):
            if extra_lifespan is not None:
                async with extra_lifespan(app):
                    yield
            else:
                yield

    # No trailing-slash redirects: Starlette's are absolute URLs built from the Host header and lose the
    # proxy's prefix (/api/<service>/x/ -> /x), and /portal/ <-> /portal looped with nginx. A path that
    # differs by a slash is a 404 like any other unknown path (pages map their prefix roots themselves).
    # Every route (APIs and pages, included now or later) refuses a repeated query key: 422, rule
    # "repeated" (vikar_shared.http.query), never the last value read silently.
    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        redirect_slashes=False,
        dependencies=[Depends(refuse_repeated_query_keys)],
    )
    app.state.settings = settings
    app.state.role = role
    app.state.clock = clock if clock is not None else settings.clock()
    app.state.verifier = TokenVerifier(
        settings.jwt_keys,
        settings.jwt_issuer,
        settings.jwt_audience,
        max_lifetime=timedelta(minutes=settings.jwt_max_lifetime_minutes),
        leeway=timedelta(seconds=settings.jwt_leeway_seconds),
    )
    install_problem_handlers(app)
    install_problem_openapi(app)
    # Added first, so it runs inside the correlation middleware (the last added is the outermost).
    app.add_middleware(HeadAsGetMiddleware)
    app.state.answers_head_as_get = True  # a 405's Allow names HEAD beside GET (http.problems)
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(PrivateAnswersMiddleware)  # outside the error middleware: its 500 and 503 too
    app.add_middleware(CorrelationIdMiddleware)
    if settings.trusted_proxies:
        # uvicorn's own parser of X-Forwarded-For/-Proto, believed only from the configured proxies
        # (serve() turns uvicorn's built-in handling, which trusts loopback by default, off).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
        # Outside it, so it sees the proxy itself as the peer.
        app.add_middleware(ForwardedPrefixMiddleware, trusted=list(settings.trusted_proxies))
    # /metrics on every role; request count and latency per templated route (vikar_shared.metrics).
    app.state.metrics = AppMetrics(settings.service_name, settings.kafka_namespace)
    app.state.metrics.instrument(app)
    # Server spans only when tracing is configured (vikar_shared.tracing): otherwise nothing per request.
    tracing.instrument(app, tracing.configure(settings.service_name, settings))

    @app.get("/healthz", tags=["health"], include_in_schema=True)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "role": role.value}

    @app.get("/readyz", tags=["health"])
    async def readyz(request: Request) -> JSONResponse:
        ready, body = await readiness(role, request.app.state)
        return JSONResponse(body, status_code=200 if ready else 503)

    if role.serves_routes:
        for router in routers:
            app.include_router(router)
    return app


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Runs a service with uvicorn. Its logs go through the JSON handler (``log_config=None``), and there
    is no access log: portal login links carry a one-time token in the path. Forwarded headers are
    uvicorn's only when ``trusted_proxies`` says so (the app's ProxyHeadersMiddleware), never by default
    from loopback (uvicorn's ``proxy_headers`` default). The event loop is uvloop and the HTTP/1.1 parser
    httptools (uvicorn's fast pair, installed with vikar-shared; see bench/api). What the imports and the
    app built are moved out of the garbage collector's sight (``gc.freeze``): they live as long as the
    process, and a full collection then no longer walks them in the middle of a request."""
    gc.collect()
    gc.freeze()
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        access_log=False,
        log_config=None,
        proxy_headers=False,
        loop="uvloop",
        http="httptools",
    )
