"""Batched consumers against the real broker and database: one transaction per batch, a poison event
dead-lettered alone while the rest of its batch commits, duplicates applied once, order per key kept,
transient errors retried without a dead letter, offsets committed only past what was committed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI

from vikar_shared.db import create_pool
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import Approver, CompanyRegistered
from vikar_shared.http.app import create_service_app
from vikar_shared.messaging.consumer import EventConsumer, Outcome, Record
from vikar_shared.messaging.kafka import ensure_topics, make_producer
from vikar_shared.messaging.subscriber import ConsumerSpec
from vikar_shared.settings import ServiceSettings
from vikar_shared.testing.plugin import all_records, serve_in_process, wait_until

MIGRATIONS = Path(__file__).parent / "migrations"
CONSUMER = "testsvc.batch"
TOPIC = "placement.events"

# What the handler applied, in the order it applied it, with the transaction it ran in.
APPLIED = """create table applied (
    seq bigserial primary key, event_id uuid not null, key text not null, name text not null, txid bigint not null)"""

# Company name -> transient failures still to raise before the handler succeeds for it.
TRANSIENT: dict[str, int] = {}


async def _apply(conn: asyncpg.Connection, envelope: Envelope, data: CompanyRegistered) -> None:
    if data.name == "poison":
        raise RuntimeError("this company name always fails")
    await conn.execute(
        "insert into applied (event_id, key, name, txid) values ($1, $2, $3, txid_current())",
        envelope.id,
        envelope.subject,
        data.name,
    )
    if TRANSIENT.get(data.name, 0) > 0:
        TRANSIENT[data.name] -= 1
        raise asyncpg.InternalClientError("connection lost mid-transaction")


def _company(name: str) -> CompanyRegistered:
    return CompanyRegistered(
        company_id=uuid.uuid4(), name=name, cvr="12345674", approvers=[Approver(email="a@example.dk", name="A")]
    )


def _envelope(name: str, key: str) -> Envelope:
    return Envelope.wrap(_company(name), source="placement", subject=key)


@pytest.fixture
async def dsn(make_database: Callable[[str, Path], Awaitable[str]]) -> str:
    dsn = await make_database("shared_it", MIGRATIONS)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(APPLIED)
    finally:
        await conn.close()
    return dsn


@pytest.fixture
async def pool(dsn: str) -> AsyncIterator[asyncpg.Pool]:
    opened = await create_pool(dsn, min_size=1, max_size=2)
    yield opened
    await opened.close()


async def _produce(kafka: str, namespace: str, envelopes: list[Envelope], *, partition: int | None = None) -> None:
    """Sends the envelopes in order (key = subject), before any consumer runs, so one fetch takes them."""
    await ensure_topics(kafka, [namespace + TOPIC, namespace + CONSUMER + ".dlq"])
    producer: AIOKafkaProducer = make_producer(kafka, "test-batch")
    await producer.start()
    try:
        for e in envelopes:
            await producer.send_and_wait(
                namespace + TOPIC, value=e.model_dump_json().encode(), key=e.subject.encode(), partition=partition
            )
    finally:
        await producer.stop()


def _app(dsn: str, namespace: str, kafka: str) -> FastAPI:
    settings = ServiceSettings(
        service_name="placement",
        database_url=dsn,
        kafka_bootstrap=kafka,
        kafka_namespace=namespace,
        consumer_retry_backoff_seconds=0.01,
        run_relay=False,
    )
    spec = ConsumerSpec(CONSUMER, [TOPIC], {CompanyRegistered: _apply})
    return create_service_app(settings, title="t", description="t", routers=[], migrations=MIGRATIONS, consumers=[spec])


async def _committed(kafka: str, namespace: str) -> dict[int, int]:
    """The group's committed offset per partition of the topic, where past the first record (a commit of
    the whole assignment also commits 0 for a partition nothing was fetched from)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(namespace + CONSUMER)
    finally:
        await admin.close()
    return {
        tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == namespace + TOPIC and meta.offset > 0
    }


async def _wait_committed(kafka: str, namespace: str, expected: dict[int, int]) -> None:
    seen: list[dict[int, int]] = [{}]

    async def done() -> bool:
        seen[0] = await _committed(kafka, namespace)
        return seen[0] == expected

    try:
        await wait_until(done, what=f"offsets {expected} committed")
    except BaseException:
        print("committed:", seen[0])
        raise


async def test_a_batch_is_one_transaction_and_keeps_the_order_of_each_key(
    dsn: str, pool: asyncpg.Pool, kafka_namespace: str, kafka: str
) -> None:
    # Three keys interleaved on one partition, produced before the consumer starts: one fetch.
    sent = [_envelope(f"{key}-{i}", key) for i in range(10) for key in ("a", "b", "c")]
    await _produce(kafka, kafka_namespace, sent, partition=0)
    async with serve_in_process(_app(dsn, kafka_namespace, kafka)):

        async def all_applied() -> bool:
            return bool(await pool.fetchval("select count(*) from applied") == len(sent))

        await wait_until(all_applied, what="every event applied")
        await _wait_committed(kafka, kafka_namespace, {0: len(sent)})
    rows = await pool.fetch("select key, name, txid from applied order by seq")
    assert len({r["txid"] for r in rows}) == 1, "the fetched batch was applied in one transaction"
    for key in ("a", "b", "c"):
        assert [r["name"] for r in rows if r["key"] == key] == [f"{key}-{i}" for i in range(10)]
    assert await pool.fetchval("select count(*) from inbox where consumer = $1", CONSUMER) == len(sent)


async def test_a_poison_event_in_a_batch_is_dead_lettered_alone_and_the_rest_committed(
    dsn: str, pool: asyncpg.Pool, kafka_namespace: str, kafka: str
) -> None:
    good = [_envelope(f"good-{i}", "k") for i in range(6)]
    poison = _envelope("poison", "k")
    sent = [*good[:3], poison, *good[3:]]
    await _produce(kafka, kafka_namespace, sent, partition=1)
    async with serve_in_process(_app(dsn, kafka_namespace, kafka)):

        async def all_good_applied() -> bool:
            return bool(await pool.fetchval("select count(*) from applied") == len(good))

        await wait_until(all_good_applied, what="the good events of the batch")
        await _wait_committed(kafka, kafka_namespace, {1: len(sent)})  # past the whole batch, poison included
        records = await all_records(kafka, kafka_namespace)
    letters = records[kafka_namespace + CONSUMER + ".dlq"]
    assert [Envelope.model_validate_json(v).id for _, v in letters] == [poison.id]
    assert [r["event_id"] for r in await pool.fetch("select event_id from applied order by seq")] == [
        e.id for e in good
    ]
    inbox = {r["event_id"] for r in await pool.fetch("select event_id from inbox where consumer = $1", CONSUMER)}
    assert inbox == {e.id for e in good}


async def test_a_redelivered_event_in_a_batch_is_applied_once_and_the_rest_handled(
    dsn: str, pool: asyncpg.Pool, kafka_namespace: str, kafka: str
) -> None:
    handled_before = _envelope("handled-before", "k")
    first, second, third = (_envelope(f"new-{i}", "k") for i in range(3))
    # handled_before was applied by an earlier batch (its inbox row exists); `first` comes twice in this
    # one (the relay published it again after a lost ack).
    await pool.execute(
        "insert into inbox (consumer, event_id, event_type) values ($1, $2, $3)",
        CONSUMER,
        handled_before.id,
        handled_before.qualified_type,
    )
    sent = [first, handled_before, second, first, third]
    await _produce(kafka, kafka_namespace, sent, partition=2)
    async with serve_in_process(_app(dsn, kafka_namespace, kafka)):
        await _wait_committed(kafka, kafka_namespace, {2: len(sent)})
    names = [r["name"] for r in await pool.fetch("select name from applied order by seq")]
    assert names == ["new-0", "new-1", "new-2"]


async def test_the_subscriber_seeks_every_partition_of_a_failed_batch_back(
    dsn: str, pool: asyncpg.Pool, kafka_namespace: str, kafka: str
) -> None:
    """FastStream's batch nack (AckPolicy.NACK_ON_ERROR): a batch whose handling raises (here the
    database stays down past the retry window) is not committed; every partition in it is fetched
    again from its first record, and the inbox keeps the second pass from applying anything twice."""
    sent = [_envelope(f"p{p}-{i}", f"key-{p}") for p in (0, 1) for i in range(4)]
    await _produce(kafka, kafka_namespace, sent[:4], partition=0)
    await _produce(kafka, kafka_namespace, sent[4:], partition=1)
    TRANSIENT["p1-2"] = 1_000
    app = _app(dsn, kafka_namespace, kafka)
    try:
        async with serve_in_process(app):
            consumer: EventConsumer = app.state.consumers[CONSUMER]
            consumer._transient_retry_seconds = 0.3  # give up quickly, so the subscriber seeks back
            await asyncio.sleep(2.0)  # several fetch, fail, seek back rounds
            assert await _committed(kafka, kafka_namespace) == {}
            assert await pool.fetchval("select count(*) from applied") == 0
            TRANSIENT["p1-2"] = 0
            await _wait_committed(kafka, kafka_namespace, {0: 4, 1: 4})
            records = await all_records(kafka, kafka_namespace)
    finally:
        TRANSIENT.clear()
    assert sorted(r["name"] for r in await pool.fetch("select name from applied")) == sorted(
        e.data["name"] for e in sent
    )
    assert records[kafka_namespace + CONSUMER + ".dlq"] == []


# --- EventConsumer.handle_batch directly (a recording stand-in for the dead-letter producer) ---


class _RecordingProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    async def send_and_wait(self, topic: str, value: bytes, **_: Any) -> None:
        self.sent.append((topic, value))


def _records(envelopes: list[Envelope | bytes]) -> list[Record]:
    return [
        Record(TOPIC, 0, offset, b"k", e if isinstance(e, bytes) else e.model_dump_json().encode())
        for offset, e in enumerate(envelopes)
    ]


async def test_a_transient_error_mid_batch_retries_the_batch_without_a_dead_letter(pool: asyncpg.Pool) -> None:
    producer = _RecordingProducer()
    consumer = EventConsumer(
        CONSUMER, pool, producer, {CompanyRegistered: _apply}, max_attempts=2, backoff_seconds=0.01
    )
    envelopes = [_envelope(f"e-{i}", "k") for i in range(5)]
    TRANSIENT["e-2"] = 4  # more failures than max_attempts: they would dead-letter it if they counted
    try:
        outcomes = await consumer.handle_batch(_records(list(envelopes)))
    finally:
        TRANSIENT.clear()
    assert outcomes == [Outcome.HANDLED] * 5
    assert producer.sent == []
    assert consumer.failing_since is None
    rows = await pool.fetch("select name, txid from applied order by seq")
    assert [r["name"] for r in rows] == [f"e-{i}" for i in range(5)]  # the failed tries rolled back
    assert len({r["txid"] for r in rows}) == 1


async def test_an_invalid_record_in_a_batch_falls_back_one_by_one_and_only_it_is_dead_lettered(
    pool: asyncpg.Pool,
) -> None:
    producer = _RecordingProducer()
    consumer = EventConsumer(CONSUMER, pool, producer, {CompanyRegistered: _apply}, backoff_seconds=0.01)
    unknown = Envelope(type="placement.something_new", version=9, source="placement", subject="k", data={})
    batch: list[Envelope | bytes] = [_envelope("x-0", "k"), b"{not json", unknown, _envelope("poison", "k")]
    batch.append(_envelope("x-1", "k"))
    outcomes = await consumer.handle_batch(_records(batch))
    assert outcomes == [
        Outcome.HANDLED,
        Outcome.DEAD_LETTERED,
        Outcome.SKIPPED,
        Outcome.DEAD_LETTERED,
        Outcome.HANDLED,
    ]
    assert [v for _, v in producer.sent] == [b"{not json", _records(batch)[3].value]
    assert [r["name"] for r in await pool.fetch("select name from applied order by seq")] == ["x-0", "x-1"]
    assert (
        await pool.fetchval("select skipped from consumer_skips where event_type = 'placement.something_new.v9'") == 1
    )
