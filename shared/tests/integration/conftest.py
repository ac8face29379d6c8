"""Apps of one runtime role each, on one test database and Kafka namespace (the runtime-role and
metrics tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from vikar_shared.http.app import create_service_app
from vikar_shared.runtime import Role
from vikar_shared.settings import ServiceSettings
from vikar_shared.testing.plugin import serve_in_process

MIGRATIONS = Path(__file__).parent / "migrations"

Start = Callable[[Role], Awaitable[tuple[FastAPI, httpx.AsyncClient]]]
Build = Callable[[str, str, str, Role], FastAPI]
"""``build(dsn, namespace, kafka_bootstrap, role)`` -> the app of that role."""


@pytest.fixture
async def role_apps(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str
) -> AsyncIterator[Callable[[Build], Start]]:
    """``start = role_apps(build)``, then ``app, client = await start(Role.API)``: each app started (its
    lifespan running) until the test ends, all on one database and namespace."""
    dsn = await make_database("shared_it", MIGRATIONS)
    async with AsyncExitStack() as stack:

        def starting(build: Build) -> Start:
            async def start(role: Role) -> tuple[FastAPI, httpx.AsyncClient]:
                app = build(dsn, kafka_namespace, kafka, role)
                client = await stack.enter_async_context(serve_in_process(app))
                return app, client

            return start

        yield starting


@pytest.fixture
def router_app(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str
) -> Callable[[APIRouter], Awaitable[FastAPI]]:
    """``app = await router_app(router)``: a service app (service ``errors``, every role) serving
    ``router`` on a database of its own migrated with the shared test migrations; not started."""

    async def build(router: APIRouter) -> FastAPI:
        dsn = await make_database("shared_it", MIGRATIONS)
        settings = ServiceSettings(
            service_name="errors", database_url=dsn, kafka_bootstrap=kafka, kafka_namespace=kafka_namespace
        )
        return create_service_app(settings, title="t", description="t", routers=[router], migrations=MIGRATIONS)

    return build
