"""Outbox → relay → real Kafka → idempotent consumer → real PostgreSQL, with dead letters."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer

from vikar_shared.db import transaction
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import Approver, CompanyRegistered
from vikar_shared.http.app import create_service_app
from vikar_shared.messaging.dlq_cli import DlqSettings
from vikar_shared.messaging.dlq_cli import run as dlq_run
from vikar_shared.messaging.kafka import make_producer
from vikar_shared.messaging.subscriber import ConsumerSpec
from vikar_shared.outbox import add_event
from vikar_shared.settings import ServiceSettings
from vikar_shared.testing.plugin import serve_in_process, wait_until

MIGRATIONS = Path(__file__).parent / "migrations"


FAILING: set[str] = set()


async def _record(conn: asyncpg.Connection, envelope: Envelope, data: CompanyRegistered) -> None:
    if data.name == "poison" or data.name in FAILING:
        raise RuntimeError("this company name always fails")
    await conn.execute("insert into seen values ($1, $2, $3)", envelope.id, data.company_id, data.name)


def _company(name: str) -> CompanyRegistered:
    return CompanyRegistered(
        company_id=uuid.uuid4(), name=name, cvr="12345674", approvers=[Approver(email="a@example.dk", name="A")]
    )


async def _start(dsn: str, ns: str, kafka: str) -> Any:
    settings = ServiceSettings(
        service_name="placement",
        database_url=dsn,
        kafka_bootstrap=kafka,
        kafka_namespace=ns,
        consumer_retry_backoff_seconds=0.01,
    )
    spec = ConsumerSpec("testsvc.seen", ["placement.events"], {CompanyRegistered: _record})
    return create_service_app(settings, title="t", description="t", routers=[], migrations=MIGRATIONS, consumers=[spec])


async def test_event_written_in_outbox_is_consumed_once_even_when_redelivered(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str
) -> None:
    dsn = await make_database("shared_it", MIGRATIONS)
    app = await _start(dsn, kafka_namespace, kafka)
    async with serve_in_process(app):
        pool: asyncpg.Pool = app.state.pool
        async with transaction(pool) as conn:
            env = await add_event(conn, _company("Bager Hansen"), source="placement", subject="c1")

        async def seen() -> bool:
            return bool(await pool.fetchval("select count(*) from seen") == 1)

        await wait_until(seen, what="the consumer to record the event")

        async def marked_sent() -> bool:
            # The relay marks the row sent after every ack, in its own transaction: the consumer may see
            # the event first.
            return bool(await pool.fetchval("select sent_at is not null from outbox where event_id = $1", env.id))

        await wait_until(marked_sent, what="the relay to mark the row sent")

        # The same event delivered again (relay crash after publish, before marking sent).
        await pool.execute("update outbox set sent_at = null")

        async def resent() -> bool:
            return bool(await pool.fetchval("select count(*) from outbox where sent_at is null") == 0)

        await wait_until(resent, what="the relay to publish again")
        duplicate_seen = await pool.fetchval(
            "select count(*) from inbox where consumer = 'testsvc.seen' and event_id = $1", env.id
        )
        assert duplicate_seen == 1
        assert await pool.fetchval("select count(*) from seen") == 1


async def test_poison_event_goes_to_dead_letter_topic_and_the_partition_keeps_flowing(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str
) -> None:
    dsn = await make_database("shared_it", MIGRATIONS)
    app = await _start(dsn, kafka_namespace, kafka)
    async with serve_in_process(app):
        pool: asyncpg.Pool = app.state.pool
        async with transaction(pool) as conn:
            await add_event(conn, _company("poison"), source="placement", subject="same-key")
            await add_event(conn, _company("Good after poison"), source="placement", subject="same-key")

        async def good_seen() -> bool:
            return bool(await pool.fetchval("select count(*) from seen where name = 'Good after poison'") == 1)

        await wait_until(good_seen, what="the event behind the poison one")
        consumer = AIOKafkaConsumer(
            kafka_namespace + "testsvc.seen.dlq",
            bootstrap_servers=kafka,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            batch = await consumer.getmany(timeout_ms=10_000)
            letters = [r for records in batch.values() for r in records]
        finally:
            await consumer.stop()
        assert len(letters) == 1
        assert Envelope.model_validate_json(letters[0].value or b"").data["name"] == "poison"
        headers = dict(letters[0].headers)
        assert headers["x-original-topic"] == (kafka_namespace + "placement.events").encode()
        assert b"always fails" in headers["x-error"]
        assert await pool.fetchval("select count(*) from inbox where consumer = 'testsvc.seen'") == 1


async def test_unknown_event_type_is_counted_and_skipped(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str
) -> None:
    dsn = await make_database("shared_it", MIGRATIONS)
    app = await _start(dsn, kafka_namespace, kafka)
    producer = make_producer(kafka, "test")
    async with serve_in_process(app):
        pool: asyncpg.Pool = app.state.pool
        await producer.start()
        try:
            future_event = Envelope(
                type="placement.something_new", version=7, source="placement", subject="x", data={"anything": 1}
            )
            await producer.send_and_wait(
                kafka_namespace + "placement.events", value=future_event.model_dump_json().encode(), key=b"x"
            )
            async with transaction(pool) as conn:
                await add_event(conn, _company("After unknown"), source="placement", subject="x")
        finally:
            await producer.stop()

        async def after_seen() -> bool:
            return bool(await pool.fetchval("select count(*) from seen") == 1)

        await wait_until(after_seen, what="the event after the unknown one")
        skipped = await pool.fetchval(
            "select skipped from consumer_skips where event_type = 'placement.something_new.v7'"
        )
        assert skipped == 1


async def test_dead_letter_replay_delivers_the_event_again_once_the_cause_is_fixed(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str
) -> None:
    dsn = await make_database("shared_it", MIGRATIONS)
    app = await _start(dsn, kafka_namespace, kafka)
    FAILING.add("needs a fix")
    try:
        async with serve_in_process(app):
            pool: asyncpg.Pool = app.state.pool
            async with transaction(pool) as conn:
                await add_event(conn, _company("needs a fix"), source="placement", subject="k")
                await add_event(conn, _company("marker"), source="placement", subject="k")

            async def marker_seen() -> bool:
                return bool(await pool.fetchval("select count(*) from seen where name = 'marker'") == 1)

            await wait_until(marker_seen, what="the event behind the failing one")
            assert await pool.fetchval("select count(*) from seen where name = 'needs a fix'") == 0
            FAILING.discard("needs a fix")  # the bug is fixed and deployed
            settings = DlqSettings(kafka_bootstrap=kafka, kafka_namespace=kafka_namespace)
            assert await dlq_run("replay", "testsvc.seen", None, settings) == 0

            async def fixed_seen() -> bool:
                return bool(await pool.fetchval("select count(*) from seen where name = 'needs a fix'") == 1)

            await wait_until(fixed_seen, what="the replayed event to be handled")
            assert await pool.fetchval("select count(*) from seen") == 2
    finally:
        FAILING.discard("needs a fix")
