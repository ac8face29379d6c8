"""Runtime roles against the real servers: what each role runs, /readyz per role, migrations applied once
by racing callers, and one relay leader per database (a second replica stands by and takes over)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, FastAPI

from vikar_shared.db import transaction
from vikar_shared.events.placement import Approver, CompanyRegistered
from vikar_shared.http.app import create_service_app
from vikar_shared.messaging.subscriber import ConsumerSpec
from vikar_shared.migrations import migrate
from vikar_shared.outbox import RELAY_LEADER_LOCK, add_event
from vikar_shared.runtime import Role
from vikar_shared.settings import ServiceSettings
from vikar_shared.testing.plugin import StackSettings, all_records, publish_events, serve_in_process, wait_until

MIGRATIONS = Path(__file__).parent / "migrations"
CONSUMER = "testsvc.seen"


async def _record(conn: asyncpg.Connection, envelope: object, data: CompanyRegistered) -> None:
    await conn.execute("insert into seen values ($1, $2, $3)", envelope.id, data.company_id, data.name)  # type: ignore[attr-defined]


def _company(name: str) -> CompanyRegistered:
    return CompanyRegistered(
        company_id=uuid.uuid4(), name=name, cvr="12345674", approvers=[Approver(email="a@example.dk", name="A")]
    )


def _app(dsn: str, namespace: str, kafka: str, role: Role, **settings_: Any) -> FastAPI:
    settings = ServiceSettings(
        service_name="placement",
        database_url=dsn,
        kafka_bootstrap=kafka,
        kafka_namespace=namespace,
        consumer_retry_backoff_seconds=0.01,
        relay_standby_seconds=0.2,
        **settings_,
    )
    spec = ConsumerSpec(CONSUMER, ["placement.events"], {CompanyRegistered: _record})
    return create_service_app(
        settings, title="t", description="t", routers=[], migrations=MIGRATIONS, consumers=[spec], role=role
    )


@pytest.fixture
def roles(role_apps: Any) -> Callable[[Role], Awaitable[tuple[FastAPI, httpx.AsyncClient]]]:
    """``app, client = await roles(Role.API)``: apps of one role each, on one database and namespace."""
    start: Callable[[Role], Awaitable[tuple[FastAPI, httpx.AsyncClient]]] = role_apps(_app)
    return start


async def _unsent(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("select count(*) from outbox where sent_at is null"))


async def test_the_api_role_runs_no_consumer_and_no_relay_and_the_relay_role_publishes(
    roles: Callable[[Role], Awaitable[tuple[FastAPI, httpx.AsyncClient]]], kafka_namespace: str, kafka: str
) -> None:
    api, _ = await roles(Role.API)
    assert api.state.broker is None and api.state.consumers == {} and api.state.producer is None
    assert api.state.relay_leadership is None
    async with transaction(api.state.pool) as conn:
        envelope = await add_event(conn, _company("Written by the api role"), source="placement", subject="c1")
    await asyncio.sleep(1.0)  # an api process that relayed would have published by now (idle 50 ms)
    assert await _unsent(api.state.pool) == 1
    assert not any((await all_records(kafka, kafka_namespace)).values())

    relay, _ = await roles(Role.RELAY)
    assert relay.state.broker is None  # the relay consumes nothing

    async def published() -> bool:
        return await _unsent(api.state.pool) == 0

    await wait_until(published, what="the relay role to publish the api role's event")
    records = (await all_records(kafka, kafka_namespace))[kafka_namespace + "placement.events"]
    assert [str(envelope.id).encode() in value for _, value in records] == [True]
    # Nobody consumed it: neither role runs consumers.
    assert await api.state.pool.fetchval("select count(*) from seen") == 0


async def test_the_worker_role_consumes_and_publishes_nothing_from_the_outbox(
    roles: Callable[[Role], Awaitable[tuple[FastAPI, httpx.AsyncClient]]], kafka_namespace: str, kafka: str
) -> None:
    worker, _ = await roles(Role.WORKER)
    async with transaction(worker.state.pool) as conn:
        await add_event(conn, _company("Stays in the outbox"), source="placement", subject="c0")
    await publish_events(kafka, kafka_namespace, [(_company("Consumed by the worker"), "c2")])

    async def seen() -> bool:
        return bool(await worker.state.pool.fetchval("select count(*) from seen") == 1)

    await wait_until(seen, what="the worker role to consume the event")
    assert await worker.state.pool.fetchval("select name from seen") == "Consumed by the worker"
    assert await _unsent(worker.state.pool) == 1  # no relay in a worker


async def test_readyz_answers_per_role(
    roles: Callable[[Role], Awaitable[tuple[FastAPI, httpx.AsyncClient]]],
) -> None:
    expected = {
        Role.API: {"database"},
        Role.WORKER: {"database", "kafka", "consumers"},
        Role.RELAY: {"database", "kafka", "outbox"},  # issue 8: a stuck relay is not ready
        Role.ALL: {"database", "kafka", "consumers", "outbox"},
    }
    for role, checks in expected.items():
        _, client = await roles(role)
        response = await client.get("/readyz")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["role"] == role.value
        assert body["status"] == "ready"
        assert body["checks"] == dict.fromkeys(checks, "ok")
        assert ("relay" in body) is role.runs_relay
        assert (await client.get("/healthz")).json() == {"status": "ok", "role": role.value}


async def test_readyz_names_the_failing_check(
    roles: Callable[[Role], Awaitable[tuple[FastAPI, httpx.AsyncClient]]],
) -> None:
    worker, client = await roles(Role.WORKER)
    await worker.state.broker.stop()  # the consumers are gone
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "not-ready"
    assert response.json()["checks"]["consumers"].startswith("unavailable")
    assert response.json()["checks"]["database"] == "ok"


def test_worker_and_relay_roles_serve_health_only() -> None:
    router = APIRouter()

    @router.get("/things")
    async def things() -> list[str]:
        return []

    for role, served in ((Role.API, True), (Role.WORKER, False), (Role.RELAY, False), (Role.ALL, True)):
        settings = ServiceSettings(service_name="placement")
        app = create_service_app(
            settings, title="t", description="t", routers=[router], migrations=MIGRATIONS, role=role
        )
        paths = set(app.openapi()["paths"])
        assert ("/things" in paths) is served, role
        assert {"/healthz", "/readyz"} <= paths


async def test_a_second_relay_stands_by_until_the_first_stops_then_takes_over(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str
) -> None:
    dsn = await make_database("shared_it", MIGRATIONS)
    first = _app(dsn, kafka_namespace, kafka, Role.RELAY)
    second = _app(dsn, kafka_namespace, kafka, Role.RELAY)
    first_running = AsyncExitStack()
    first_client = await first_running.enter_async_context(serve_in_process(first))
    try:

        async def first_leads() -> bool:
            return bool(first.state.relay_leadership.leading)

        await wait_until(first_leads, what="the first relay to lead")
        async with serve_in_process(second) as second_client:
            await asyncio.sleep(1.0)  # five standby rounds: the lock stays with the first
            assert first.state.relay_leadership.leading
            assert not second.state.relay_leadership.leading
            assert (await first_client.get("/readyz")).json()["relay"] == "leader"
            standby = await second_client.get("/readyz")
            assert standby.status_code == 200 and standby.json()["relay"] == "standby"

            pool: asyncpg.Pool = second.state.pool
            async with transaction(pool) as conn:
                await add_event(conn, _company("While the first leads"), source="placement", subject="k")

            async def none_unsent() -> bool:
                return await _unsent(pool) == 0

            await wait_until(none_unsent, what="the leading relay to publish")
            assert not second.state.relay_leadership.leading

            await first_running.aclose()  # the first relay stops (a rolling update, a crash)

            async def second_leads() -> bool:
                return bool(second.state.relay_leadership.leading)

            await wait_until(second_leads, timeout=10, what="the second relay to take over")
            async with transaction(pool) as conn:
                await add_event(conn, _company("After the take-over"), source="placement", subject="k")
            await wait_until(none_unsent, what="the new leader to publish")
    finally:
        await first_running.aclose()
    names = [value for _, value in (await all_records(kafka, kafka_namespace))[kafka_namespace + "placement.events"]]
    assert len(names) == 2
    assert b"While the first leads" in names[0] and b"After the take-over" in names[1]


async def test_racing_migrators_apply_each_migration_exactly_once(postgres: StackSettings, tmp_path: Path) -> None:
    (tmp_path / "20260101_01_counter.sql").write_text("create table applied (n int);")
    # Not idempotent on purpose: applied twice, it leaves two rows (or fails on a second create).
    (tmp_path / "20260101_02_once.sql").write_text("insert into applied values (1); select pg_sleep(0.2);")
    (tmp_path / "20260101_03_table.sql").write_text("create table only_once (id int);")
    name = f"t_race_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(postgres.dsn_for("postgres"))
    await admin.execute(f'create database "{name}"')
    try:
        dsn = postgres.dsn_for(name)
        results = await asyncio.gather(*(migrate(dsn, [tmp_path]) for _ in range(6)))
        applied = [m for result in results for m in result]
        # Every file applied by exactly one of the six callers; the others found it applied.
        assert sorted(applied) == sorted({m for m in applied})
        assert "20260101_02_once.sql" in applied and "20260101_03_table.sql" in applied
        conn = await asyncpg.connect(dsn)
        try:
            assert await conn.fetchval("select count(*) from applied") == 1
            assert await conn.fetchval("select count(*) from schema_migrations") == len(applied)
        finally:
            await conn.close()
    finally:
        await admin.execute(f'drop database "{name}" with (force)')
        await admin.close()


async def test_a_relay_that_loses_its_lock_connection_stops_leading_and_one_relay_leads_again(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str
) -> None:
    dsn = await make_database("shared_it", MIGRATIONS)
    first = _app(dsn, kafka_namespace, kafka, Role.RELAY)
    second = _app(dsn, kafka_namespace, kafka, Role.RELAY)
    # The leader lock's key split as pg_locks shows a bigint advisory lock; advisory locks are per database,
    # and other tests' relays hold the same key in theirs.
    holder_sql = (
        "select pid from pg_locks where locktype = 'advisory' and granted"
        " and database = (select oid from pg_database where datname = current_database())"
        f" and classid = {RELAY_LEADER_LOCK >> 32} and objid = {RELAY_LEADER_LOCK & 0xFFFFFFFF}"
    )
    async with serve_in_process(first), serve_in_process(second):
        pool: asyncpg.Pool = first.state.pool

        async def one_leads() -> bool:
            return [first.state.relay_leadership.leading, second.state.relay_leadership.leading].count(True) == 1

        await wait_until(one_leads, what="one relay to lead")
        leader = first if first.state.relay_leadership.leading else second
        holder = await pool.fetchval(holder_sql)
        assert holder is not None
        assert await pool.fetchval("select pg_terminate_backend($1)", holder)  # the leader's session dies

        async def leader_gave_up() -> bool:
            return not leader.state.relay_leadership.leading

        await wait_until(leader_gave_up, timeout=10, what="the leader to notice its lost lock connection")

        async def new_holder() -> bool:
            now = await pool.fetchval(holder_sql)
            return now is not None and now != holder and await one_leads()

        await wait_until(new_holder, timeout=10, what="a relay to lead again")
        async with transaction(pool) as conn:
            await add_event(conn, _company("After the lost session"), source="placement", subject="k")

        async def none_unsent() -> bool:
            return await _unsent(pool) == 0

        await wait_until(none_unsent, what="the new leader to publish")


async def test_the_stall_thresholds_and_transient_retry_time_are_settings(
    role_apps: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 8: readiness's stall thresholds and the consumer's transient retry time come from the
    settings (e.g. ``INVOICING_RELAY_STALL_SECONDS``), not from constants in the consumer and relay."""
    monkeypatch.setenv("CONSUMER_STALL_SECONDS", "7.5")
    monkeypatch.setenv("RELAY_STALL_SECONDS", "12")
    monkeypatch.setenv("CONSUMER_TRANSIENT_RETRY_SECONDS", "4")
    start = role_apps(_app)
    app, _ = await start(Role.ALL)
    consumer = app.state.consumers[CONSUMER]
    assert (consumer.stall_seconds, consumer._transient_retry_seconds) == (7.5, 4.0)
    assert app.state.relay_leadership.relay.stall_seconds == 12.0
    with pytest.raises(ValueError, match="relay_stall_seconds"):
        ServiceSettings(service_name="placement", relay_stall_seconds=0)
