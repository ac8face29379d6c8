"""Recovery from dependency failures: the consumer retries transient errors without counting them,
the HTTP layer answers 503 + Retry-After, the relay replaces a producer in a fatal state."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka import errors as kafka_errors
from fastapi import APIRouter, FastAPI, Request

from vikar_shared.db import create_pool, transaction
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import Approver, CompanyRegistered
from vikar_shared.messaging.consumer import EventConsumer, Outcome, Record
from vikar_shared.messaging.kafka import ReplaceableProducer, ensure_topics
from vikar_shared.outbox import OutboxRelay, RelayLeadership, add_event
from vikar_shared.runtime.readiness import consumers_check as consumers_readiness
from vikar_shared.runtime.readiness import outbox_check as outbox_readiness
from vikar_shared.testing.plugin import all_records, free_port, serve_over_http, wait_until
from vikar_shared.transient import is_transient_database_error, outcome_unknown

MIGRATIONS = Path(__file__).parent / "migrations"


class _RecordingProducer:
    """Stands in for the dead-letter producer: records what would be dead-lettered."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    async def send_and_wait(self, topic: str, value: bytes, **_: Any) -> None:
        self.sent.append((topic, value))


@pytest.fixture
async def pool(make_database: Callable[[str, Path], Awaitable[str]]) -> AsyncIterator[asyncpg.Pool]:
    """A pool (two connections) on a fresh database with the outbox, the inbox and table ``seen``."""
    opened = await create_pool(await make_database("shared_it", MIGRATIONS), min_size=2, max_size=2)
    yield opened
    await opened.close()


def _consumer(pool: asyncpg.Pool, handler: Any) -> tuple[EventConsumer, _RecordingProducer]:
    producer = _RecordingProducer()
    consumer = EventConsumer(
        "testsvc.seen", pool, producer, {CompanyRegistered: handler}, max_attempts=3, backoff_seconds=0.01
    )
    return consumer, producer


def _record(name: str, offset: int) -> Record:
    envelope = Envelope.wrap(_company(name), source="placement", subject="c1")
    return Record("placement.events", 0, offset, b"c1", envelope.model_dump_json().encode())


def _company(name: str) -> CompanyRegistered:
    return CompanyRegistered(
        company_id=uuid.uuid4(), name=name, cvr="12345674", approvers=[Approver(email="a@example.dk", name="A")]
    )


async def test_a_transient_database_error_is_retried_and_never_counts_towards_the_dead_letter(
    pool: asyncpg.Pool,
) -> None:
    failures = {"left": 4}

    async def handler(conn: asyncpg.Connection, envelope: Envelope, data: CompanyRegistered) -> None:
        await conn.execute("insert into seen values ($1, $2, $3)", envelope.id, data.company_id, data.name)
        if failures["left"] > 0:
            failures["left"] -= 1
            raise asyncpg.InternalClientError("connection lost mid-transaction")

    # max_attempts=3: four transient failures would dead-letter the event if they were counted.
    consumer, producer = _consumer(pool, handler)
    record = _record("Bager Hansen", 7)
    assert await consumer.handle(record) == Outcome.HANDLED
    assert failures["left"] == 0
    assert producer.sent == []
    assert await pool.fetchval("select count(*) from seen") == 1
    assert await pool.fetchval("select count(*) from inbox where consumer = 'testsvc.seen'") == 1
    # Delivered again: a duplicate, still applied once.
    assert await consumer.handle(record) == Outcome.DUPLICATE
    assert await pool.fetchval("select count(*) from seen") == 1


async def test_a_real_failure_still_dead_letters_after_the_attempts(pool: asyncpg.Pool) -> None:
    calls = {"n": 0}

    async def handler(conn: asyncpg.Connection, envelope: Envelope, data: CompanyRegistered) -> None:
        calls["n"] += 1
        raise RuntimeError("bad event")

    consumer, producer = _consumer(pool, handler)
    assert await consumer.handle(_record("poison", 8)) == Outcome.DEAD_LETTERED
    assert calls["n"] == 3
    assert [t for t, _ in producer.sent] == ["testsvc.seen.dlq"]


async def test_a_consumer_retrying_one_event_past_its_stall_time_is_not_ready_until_it_progresses(
    pool: asyncpg.Pool,
) -> None:
    down = {"yes": True}

    async def handler(conn: asyncpg.Connection, envelope: Envelope, data: CompanyRegistered) -> None:
        if down["yes"]:
            raise asyncpg.CannotConnectNowError("the database system is starting up")

    producer = _RecordingProducer()
    consumer = EventConsumer(
        "testsvc.seen", pool, producer, {CompanyRegistered: handler}, transient_retry_seconds=0.3, stall_seconds=0.2
    )
    state = SimpleNamespace(broker=SimpleNamespace(subscribers=[]), consumers={"testsvc.seen": consumer})
    record = _record("Venter", 9)
    assert consumers_readiness(state) == "ok"
    with pytest.raises(asyncpg.CannotConnectNowError):  # goes up: the subscriber seeks back, no dead letter
        await consumer.handle(record)
    assert producer.sent == []
    assert consumers_readiness(state).startswith("unavailable: no progress, retrying one event: testsvc.seen")
    down["yes"] = False
    assert await consumer.handle(record) == Outcome.HANDLED
    assert consumers_readiness(state) == "ok"


# --- HTTP: a dependency that is down is a 503 with Retry-After and "written", never a 500 ---

router = APIRouter()


@router.post("/write-then-lose-the-connection")
async def write_then_lose_the_connection(request: Request) -> dict[str, str]:
    pool: asyncpg.Pool = request.app.state.pool
    async with transaction(pool) as conn:
        await conn.execute("insert into seen values ($1, $2, 'half-written')", uuid.uuid4(), uuid.uuid4())
        pid = await conn.fetchval("select pg_backend_pid()")
        # What a PostgreSQL restart does to a request in flight: its session is terminated.
        await pool.execute("select pg_terminate_backend($1)", pid)
        await conn.execute("select 1")
    return {"status": "unreachable"}


@router.get("/database-refuses")
async def database_refuses(request: Request) -> dict[str, str]:
    conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere", timeout=2)
    await conn.close()
    return {"status": "unreachable"}


async def test_a_request_that_loses_the_database_is_a_503_with_retry_after_and_nothing_written(
    router_app: Callable[[APIRouter], Awaitable[FastAPI]],
) -> None:
    app = await router_app(router)
    async with serve_over_http(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        for answer in (
            await client.post("/write-then-lose-the-connection", headers={"X-Correlation-ID": "cid-lost"}),
            await client.get("/database-refuses"),
        ):
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.headers["retry-after"] == "5"
            body = answer.json()
            assert body["code"] == "dependency-unavailable"
            assert body["type"].endswith("/problems/errors/dependency-unavailable")
            assert body["dependency"] == "database"
            assert body["written"] is False
        assert body["correlation_id"] != ""
        assert await app.state.pool.fetchval("select count(*) from seen") == 0  # really nothing written
        # The service answers normally again once the database does.
        assert (await client.get("/readyz")).status_code == 200


async def test_a_connection_lost_while_committing_marks_the_outcome_unknown(pool: asyncpg.Pool) -> None:
    async def terminated(then_query: bool) -> None:
        async with transaction(pool) as conn:
            await pool.execute("select pg_terminate_backend($1)", await conn.fetchval("select pg_backend_pid()"))
            if then_query:
                await conn.execute("select 1")

    with pytest.raises(Exception) as during_body:  # noqa: PT011 - the class asyncpg raises varies
        await terminated(then_query=True)
    assert is_transient_database_error(during_body.value)
    assert not outcome_unknown(during_body.value)  # raised in the body: rolled back, nothing written

    with pytest.raises(Exception) as during_commit:  # noqa: PT011
        await terminated(then_query=False)
    assert is_transient_database_error(during_commit.value)
    assert outcome_unknown(during_commit.value)  # raised by the commit: the server may have committed


# --- Relay: a producer in a fatal state is replaced; a stuck relay is not ready ---


def _fail_every_send_with(producer: AIOKafkaProducer, error: Exception) -> None:
    """What an idempotent producer does after the broker lost its sequence state: every send's future
    fails with the same error, for as long as the producer lives."""

    async def send(*_: Any, **__: Any) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_exception(error)
        return future

    producer.send = send


async def test_the_relay_replaces_a_producer_in_a_fatal_state_and_publishes_the_batch_once(
    pool: asyncpg.Pool, kafka_namespace: str, kafka: str
) -> None:
    await ensure_topics(kafka, [kafka_namespace + "placement.events"])
    producer = ReplaceableProducer(kafka, "relay-test")
    await producer.start()
    broken = producer.current
    _fail_every_send_with(broken, kafka_errors.OutOfOrderSequenceNumber())
    relay = OutboxRelay(pool, producer, namespace=kafka_namespace, backoff_base=0.01)
    stop = asyncio.Event()
    try:
        async with transaction(pool) as conn:
            envelopes = [
                await add_event(conn, _company(f"Firma {n}"), source="placement", subject=f"c{n}") for n in range(3)
            ]
        running = asyncio.create_task(relay.run(stop))

        async def all_sent() -> bool:
            return bool(await pool.fetchval("select count(*) from outbox where sent_at is null") == 0)

        await wait_until(all_sent, timeout=20, what="the relay to publish after replacing its producer")
        stop.set()
        await running
        assert producer.current is not broken
        assert producer.generation == 1
        assert relay.replacements == 1
        records = (await all_records(kafka, kafka_namespace))[kafka_namespace + "placement.events"]
        published = sorted(str(Envelope.model_validate_json(value).id) for _, value in records)
        assert published == sorted(str(e.id) for e in envelopes)  # each once
    finally:
        stop.set()
        await producer.stop()


class _UnreachableBroker:
    """A producer whose every send times out, as while the broker is stopped."""

    async def send(self, *_: Any, **__: Any) -> None:
        raise kafka_errors.KafkaTimeoutError()


async def test_a_relay_that_makes_no_progress_while_rows_wait_is_not_ready_and_logs_rarely(
    pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    relay = OutboxRelay(pool, _UnreachableBroker(), backoff_base=0.001, backoff_cap=0.005, stall_seconds=0.5)

    async def no_lock_connection() -> asyncpg.Connection:
        raise AssertionError("leads by decree: the lock is not what is tested")

    leadership = RelayLeadership(relay, no_lock_connection)
    leadership.leading = True
    state = SimpleNamespace(pool=pool, relay_leadership=leadership)
    stop = asyncio.Event()
    try:
        assert await outbox_readiness(state) == "ok"  # nothing waits
        async with transaction(pool) as conn:
            await add_event(conn, _company("Venter"), source="placement", subject="c1")
        with caplog.at_level(logging.WARNING, logger="vikar_shared.outbox"):
            running = asyncio.create_task(relay.run(stop))
            await asyncio.sleep(1.2)
            assert (await outbox_readiness(state)).startswith("unavailable: no progress for")
            stop.set()
            await running
        failures = [r for r in caplog.records if "dependency unavailable" in r.getMessage()]
        assert len(failures) == 1, "one line per 10 s however often the send fails"
        # Progress again: ready again.
        relay.last_progress = time.monotonic()
        assert await outbox_readiness(state) == "ok"
    finally:
        stop.set()
