"""The service skeleton: pool, migrations, outbox relay, Kafka consumers, health, errors, auth."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import uvicorn
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from vikar_shared.auth.tokens import TokenVerifier
from vikar_shared.clock import Clock
from vikar_shared.db import create_pool
from vikar_shared.events.registry import TOPICS
from vikar_shared.http.idempotency import purge_task
from vikar_shared.http.openapi import install_problem_openapi
from vikar_shared.http.problems import install_problem_handlers, unexpected_error_problem
from vikar_shared.logging import configure_logging, correlation_id_var
from vikar_shared.messaging.consumer import EventConsumer
from vikar_shared.messaging.kafka import dead_letter_topic, ensure_topics, make_broker, make_producer
from vikar_shared.messaging.subscriber import ConsumerSpec, bind, declare_publishers
from vikar_shared.migrations import migrate
from vikar_shared.outbox import OutboxRelay
from vikar_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

BackgroundTask = Callable[[FastAPI, asyncio.Event], Coroutine[Any, Any, None]]


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


class UnexpectedErrorMiddleware:
    """Answers an exception no handler took as a problem+json 500 and keeps the connection open.

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
            log.exception(
                "unhandled error in %s %s",
                scope.get("method", ""),
                scope.get("path", ""),
                exc_info=exc,
                extra={"fields": {"response_started": started}},
            )
            if not started:
                await unexpected_error_problem()(scope, receive, send)


def build_broker(
    settings: ServiceSettings, consumers: Sequence[ConsumerSpec], app: FastAPI | None = None
) -> KafkaBroker:
    broker = make_broker(settings.kafka_bootstrap, settings.service_name)
    declare_publishers(broker, settings.service_name)
    for spec in consumers:

        def lookup(name: str = spec.name) -> EventConsumer:
            assert app is not None, "consumers run only inside a started app"
            consumer: EventConsumer = app.state.consumers[name]
            return consumer

        bind(broker, spec, lookup, settings.kafka_namespace)
    return broker


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
) -> FastAPI:
    """The service's app. ``clock`` (default: ``settings.clock()``) becomes ``app.state.clock``, read by the
    ``Now``/``Today`` dependencies and by background jobs; a test may replace it, e.g. with a FixedClock."""
    configure_logging(settings.service_name, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.run_migrations_on_start:
            await migrate(settings.database_url, [migrations])
        pool = await create_pool(settings.database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max)
        ns = settings.kafka_namespace
        await ensure_topics(
            settings.kafka_bootstrap, [ns + t for t in (*TOPICS, *(dead_letter_topic(c.name) for c in consumers))]
        )
        producer = make_producer(settings.kafka_bootstrap, settings.service_name)
        await producer.start()
        app.state.pool, app.state.producer = pool, producer
        app.state.consumers = {
            c.name: EventConsumer(
                c.name,
                pool,
                producer,
                c.handlers,
                max_attempts=settings.consumer_max_attempts,
                backoff_seconds=settings.consumer_retry_backoff_seconds,
                namespace=ns,
            )
            for c in consumers
        }
        stop = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        if settings.run_relay:
            relay = OutboxRelay(
                pool,
                producer,
                batch_size=settings.relay_batch_size,
                idle_seconds=settings.relay_idle_seconds,
                namespace=ns,
            )
            tasks.append(asyncio.create_task(relay.run(stop), name="outbox-relay"))
        tasks.append(asyncio.create_task(purge_task(app, stop), name="idempotency-purge"))
        tasks += [asyncio.create_task(task(app, stop), name=getattr(task, "__name__", "task")) for task in background]
        broker = build_broker(settings, consumers if settings.run_consumers else (), app)
        await broker.start()
        try:
            if extra_lifespan is not None:
                async with extra_lifespan(app):
                    yield
            else:
                yield
        finally:
            await broker.stop()
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await producer.stop()
            await pool.close()

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    app.state.settings = settings
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
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(CorrelationIdMiddleware)
    if settings.trusted_proxies:
        # uvicorn's own parser of X-Forwarded-For/-Proto, believed only from the configured proxies
        # (serve() turns uvicorn's built-in handling, which trusts loopback by default, off).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))

    @app.get("/healthz", tags=["health"], include_in_schema=True)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    async def readyz(request: Request) -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            pool: asyncpg.Pool = request.app.state.pool
            async with asyncio.timeout(2):
                await pool.fetchval("select 1")
            checks["database"] = "ok"
        except Exception as exc:  # a readiness probe reports, it does not raise
            checks["database"] = f"unavailable: {type(exc).__name__}"
        try:
            async with asyncio.timeout(2):
                await request.app.state.producer.client.fetch_all_metadata()
            checks["kafka"] = "ok"
        except Exception as exc:
            checks["kafka"] = f"unavailable: {type(exc).__name__}"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not-ready", "checks": checks}, status_code=200 if ready else 503
        )

    for router in routers:
        app.include_router(router)
    return app


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Runs a service with uvicorn. Its logs go through the JSON handler (``log_config=None``), and there
    is no access log: portal login links carry a one-time token in the path. Forwarded headers are
    uvicorn's only when ``trusted_proxies`` says so (the app's ProxyHeadersMiddleware), never by default
    from loopback (uvicorn's ``proxy_headers`` default)."""
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        access_log=False,
        log_config=None,
        proxy_headers=False,
    )
