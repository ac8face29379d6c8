"""pytest fixtures for the real servers. A missing server fails the test with how to start it.

Each service's database is migrated once per session into a template; every test gets its own
clone (``create database … template …`` is a file copy, far faster than migrating again).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import jwt
import pytest
import uvicorn
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from pydantic_settings import BaseSettings, SettingsConfigDict

from vikar_shared.auth.principal import Role
from vikar_shared.auth.tokens import MAX_LIFETIME, mint_token
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.messaging.kafka import delete_topics, make_producer, topic_partitions
from vikar_shared.migrations import SHARED_MIGRATIONS, migrate
from vikar_shared.settings import DEV_JWT_SECRET, ENVIRONMENT_VARIABLE, Environment
from vikar_shared.testing import stall

# Fixtures of a private broker and database a test may stop and start (fault injection).
pytest_plugins = ["vikar_shared.testing.private_servers"]


def pytest_configure(config: pytest.Config) -> None:
    """Tests run as environment ``test`` (development secrets allowed), whatever the shell says; service
    processes the tests start inherit it."""
    os.environ[ENVIRONMENT_VARIABLE] = Environment.TEST.value


START_HINT = "start the local stack with `deploy/local/stack up` (or set VIKAR_* to servers that run)"


class StackSettings(BaseSettings):
    """Where the real servers are. Defaults match deploy/local/stack."""

    model_config = SettingsConfigDict(env_prefix="VIKAR_", extra="ignore")
    pg_dsn: str = "postgresql://postgres@127.0.0.1:5433"
    kafka_bootstrap: str = "127.0.0.1:9092"
    stripe_api_base: str = "http://127.0.0.1:12111"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    mailpit_url: str = "http://127.0.0.1:8025"

    def dsn_for(self, database: str) -> str:
        return f"{self.pg_dsn.rstrip('/')}/{database}"


def _require(name: str, host: str, port: int) -> None:
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as exc:
        pytest.fail(f"{name} is not reachable at {host}:{port} ({exc}); {START_HINT}", pytrace=False)


def _host_port(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url if "://" in url else f"tcp://{url}")
    return parts.hostname or "127.0.0.1", parts.port or default_port


@pytest.fixture(scope="session")
def stack() -> StackSettings:
    settings = StackSettings()
    return settings


@pytest.fixture(scope="session")
def postgres(stack: StackSettings) -> StackSettings:
    _require("PostgreSQL", *_host_port(stack.pg_dsn, 5432))
    return stack


@pytest.fixture(scope="session")
def kafka(stack: StackSettings) -> str:
    _require("Kafka", *_host_port(stack.kafka_bootstrap, 9092))
    return stack.kafka_bootstrap


@pytest.fixture(scope="session")
def mailpit(stack: StackSettings) -> StackSettings:
    _require("Mailpit SMTP", stack.smtp_host, stack.smtp_port)
    _require("Mailpit HTTP", *_host_port(stack.mailpit_url, 8025))
    return stack


@pytest.fixture(scope="session")
def stripe_mock(stack: StackSettings) -> str:
    _require("stripe-mock", *_host_port(stack.stripe_api_base, 12111))
    return stack.stripe_api_base


class StripeProxy:
    """The recording proxy in front of stripe-mock (:mod:`vikar_shared.testing.stripe_proxy`), run by the test
    session on a free port: point the Stripe client at :attr:`url`; read what was called with :meth:`calls`."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def calls(self, path: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        """Every call since the last reset, in order; ``path`` a regular expression searched in the path."""
        async with httpx.AsyncClient(base_url=self.url) as client:
            found: list[dict[str, Any]] = (await client.get("/__proxy/calls")).json()
        return [
            c
            for c in found
            if (path is None or re.search(path, c["path"])) and (method is None or c["method"] == method.upper())
        ]

    async def reset(self) -> None:
        async with httpx.AsyncClient(base_url=self.url) as client:
            (await client.post("/__proxy/reset")).raise_for_status()

    async def fault(
        self, path: str, *, mode: str = "fail", method: str = "POST", times: int = 1, **more: object
    ) -> None:
        """Injects a fault (``mode`` ``fail``: answer ``status`` without forwarding; ``hang_after_forward``:
        forward, then answer only after ``seconds``)."""
        spec = {"path": path, "mode": mode, "method": method, "times": times, **more}
        async with httpx.AsyncClient(base_url=self.url) as client:
            (await client.post("/__proxy/faults", json=spec)).raise_for_status()


@contextlib.contextmanager
def running_stripe_proxy(upstream: str, log: Path) -> Iterator[str]:
    """The Stripe proxy as a process of its own on a free port in front of ``upstream`` (stripe-mock),
    writing to ``log``; yields its URL and stops it on leaving. Fails the test when it does not start."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own module and arguments
            [sys.executable, "-m", "vikar_shared.testing.stripe_proxy", "--port", str(port), "--upstream", upstream],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the Stripe proxy did not start: {log.read_text()[-2000:]}", pytrace=False)
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def stripe_proxy_process(stripe_mock: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The proxy as a process of this test session, in front of the stack's stripe-mock; yields its URL."""
    with running_stripe_proxy(stripe_mock, tmp_path_factory.mktemp("stripe-proxy") / "proxy.log") as url:
        yield url


@pytest.fixture
async def stripe_proxy(stripe_proxy_process: str) -> StripeProxy:
    """The session's Stripe proxy, its record and objects forgotten for this test."""
    proxy = StripeProxy(stripe_proxy_process)
    await proxy.reset()
    return proxy


def _fingerprint(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted([*SHARED_MIGRATIONS.glob("*.sql"), *directory.glob("*.sql")], key=lambda p: p.name):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


async def _ensure_template(stack: StackSettings, name: str, migrations: Path) -> str:
    template = f"tmpl_{name}_{_fingerprint(migrations)}"
    admin = await asyncpg.connect(stack.dsn_for("postgres"))
    try:
        # Serialise template builds across parallel pytest processes.
        await admin.execute("select pg_advisory_lock(hashtext($1))", template)
        try:
            exists = await admin.fetchval("select 1 from pg_database where datname = $1", template)
            if not exists:
                await admin.execute(f'create database "{template}"')
                try:
                    await migrate(stack.dsn_for(template), [migrations])
                except BaseException:
                    await admin.execute(f'drop database "{template}"')
                    raise
        finally:
            await admin.execute("select pg_advisory_unlock(hashtext($1))", template)
    finally:
        await admin.close()
    return template


async def clone_database(stack: StackSettings, name: str, migrations: Path) -> str:
    """Creates a fresh, migrated database for one test and returns its DSN."""
    template = await _ensure_template(stack, name, migrations)
    database = f"t_{name}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(stack.dsn_for("postgres"))
    try:
        await admin.execute(f'create database "{database}" template "{template}"')
    finally:
        await admin.close()
    return stack.dsn_for(database)


async def drop_database(stack: StackSettings, dsn: str) -> None:
    database = urlsplit(dsn).path.lstrip("/")
    admin = await asyncpg.connect(stack.dsn_for("postgres"))
    try:
        await admin.execute(f'drop database if exists "{database}" with (force)')
    finally:
        await admin.close()


@pytest.fixture
async def make_database(postgres: StackSettings) -> AsyncIterator[Callable[[str, Path], Awaitable[str]]]:
    """``dsn = await make_database("timesheet", MIGRATIONS)``: a migrated database of one's own."""
    created: list[str] = []

    async def factory(name: str, migrations: Path) -> str:
        dsn = await clone_database(postgres, name, migrations)
        created.append(dsn)
        return dsn

    yield factory
    for dsn in created:
        await drop_database(postgres, dsn)


@dataclass
class DatabaseBefore:
    """A database migrated up to, not including, ``migration`` (to store data the way it was before)."""

    dsn: str
    folder: Path
    migrations: Path
    migration: str

    async def apply(self) -> list[str]:
        """Applies ``migration`` (and nothing else); returns what ``migrate`` applied."""
        shutil.copy(self.migrations / self.migration, self.folder / self.migration)
        return await migrate(self.dsn, [self.folder])


def _migrations_before(migrations: Path, migration: str, folder: Path) -> Path:
    folder.mkdir()
    for path in migrations.glob("*.sql"):
        if path.name < migration:
            shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture
def database_before(
    make_database: Callable[[str, Path], Awaitable[str]], tmp_path: Path
) -> Callable[[str, Path, str], Awaitable[DatabaseBefore]]:
    """``db = await database_before("timesheet", MIGRATIONS, "20261130_81_x.sql")``: a database with the
    migrations named before ``migration``; store old-style rows in ``db.dsn``, then ``await db.apply()``."""

    async def factory(name: str, migrations: Path, migration: str) -> DatabaseBefore:
        folder = _migrations_before(migrations, migration, tmp_path / f"before-{migration}")
        dsn = await make_database(f"{name}_before_{migration.split('_', 2)[0]}_{migration.split('_', 2)[1]}", folder)
        return DatabaseBefore(dsn, folder, migrations, migration)

    return factory


@pytest.fixture
async def kafka_namespace(kafka: str) -> AsyncIterator[str]:
    """A topic/group prefix of this test's own, so tests sharing one broker never see each other.
    Its topics are deleted afterwards, so a long-lived dev broker does not fill up."""
    namespace = f"t{uuid.uuid4().hex[:10]}."
    yield namespace
    await delete_topics(kafka, namespace)


@asynccontextmanager
async def serve_in_process(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Runs the app's lifespan (pool, relay, consumers) and gives an HTTP client talking to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        stall.register(app)  # a wait_until that times out reports what this app was doing
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                yield client
        finally:
            stall.unregister(app)


def free_port() -> int:
    """A TCP port on 127.0.0.1 free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@asynccontextmanager
async def serve_over_http(app: Any) -> AsyncIterator[str]:
    """Runs an ASGI app (lifespan on) in uvicorn on a free loopback port, as ``python -m <service>`` serves
    it (no access log, no forwarded headers but the app's own); gives its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, access_log=False, log_config=None, lifespan="on", proxy_headers=False
        )
    )
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(400):
            if server.started:
                break
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def bearer(
    role: Role,
    *,
    sub: str = "tester",
    company_id: uuid.UUID | None = None,
    municipality_id: uuid.UUID | None = None,
    email: str | None = None,
    ttl: timedelta = timedelta(hours=1),
    now: datetime | None = None,
    max_ttl: timedelta | None = MAX_LIFETIME,
) -> dict[str, str]:
    """Authorization header with a token signed by the development key the services trust by default.
    ``max_ttl=None`` mints a token longer-lived than the services accept (to test that they refuse it)."""
    token = mint_token(
        secret=DEV_JWT_SECRET,
        kid="dev",
        subject=sub,
        role=role,
        company_id=company_id,
        municipality_id=municipality_id,
        email=email,
        ttl=ttl,
        now=now,
        max_ttl=max_ttl,
    )
    return {"Authorization": f"Bearer {token}"}


def bearer_with_claims(role: Role = Role.ADMIN, **overrides: object) -> dict[str, str]:
    """Authorization header with a token signed by the development key whose claims are a valid token's
    with ``overrides`` (``None`` drops a claim): for testing that the services refuse a malformed claim,
    e.g. ``exp="1796..."`` (a string). No check is made here."""
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, object] = {
        "sub": "tester",
        "role": role.value,
        "iss": "vikarmodel",
        "aud": "vikarmodel",
        "iat": now,
        "exp": now + 3600,
    }
    claims.update(overrides)
    token = jwt.encode({k: v for k, v in claims.items() if v is not None}, DEV_JWT_SECRET, "HS256", {"kid": "dev"})
    return {"Authorization": f"Bearer {token}"}


async def wait_until(
    predicate: Callable[[], Awaitable[bool]], *, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"
) -> None:
    """Polls ``predicate`` until true; fails the test naming ``what`` after ``timeout`` seconds, with what
    the apps :func:`serve_in_process` runs were doing then (:mod:`vikar_shared.testing.stall`)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if await predicate():
            return
        if asyncio.get_running_loop().time() > deadline:
            diagnosis = await stall.describe_served_apps()
            pytest.fail(f"timed out after {timeout}s waiting for {what}" + (f"\n{diagnosis}" if diagnosis else ""))
        await asyncio.sleep(interval)


async def publish_events(bootstrap: str, namespace: str, events: list[tuple[EventData, object]]) -> list[Envelope]:
    """Publishes events as another service's relay would (envelope, topic, key = subject)."""
    producer = make_producer(bootstrap, "test-publisher")
    await producer.start()
    sent: list[Envelope] = []
    try:
        for data, subject in events:
            envelope = Envelope.wrap(data, source=data.topic.split(".")[0], subject=subject)
            await producer.send_and_wait(
                namespace + data.topic, value=envelope.model_dump_json().encode(), key=str(subject).encode()
            )
            sent.append(envelope)
    finally:
        await producer.stop()
    return sent


async def all_records(bootstrap: str, namespace: str) -> dict[str, list[tuple[bytes | None, bytes]]]:
    """Every record (key, value) now on every topic of ``namespace`` (dead-letter topics included),
    read from the beginning to the end offsets without a consumer group."""
    if not namespace:
        raise ValueError("a test reads its own namespace, never the whole broker")
    tps = await topic_partitions(bootstrap, prefix=namespace)
    out: dict[str, list[tuple[bytes | None, bytes]]] = {tp.topic: [] for tp in tps}
    if not tps:
        return out
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        while any([await consumer.position(tp) < end[tp] for tp in tps]):
            for tp, batch in (await consumer.getmany(timeout_ms=1000)).items():
                out[tp.topic] += [(r.key, r.value or b"") for r in batch if r.offset < end[tp]]
        return out
    finally:
        await consumer.stop()
