"""Recovery from dependency failures: the consumer retries transient errors without counting them,
the HTTP layer answers 503 + Retry-After, the relay replaces a producer in a fatal state."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import Approver, CompanyRegistered
from vikar_shared.messaging.consumer import EventConsumer, Outcome, Record

MIGRATIONS = Path(__file__).parent / "migrations"


class _RecordingProducer:
    """Stands in for the dead-letter producer: records what would be dead-lettered."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    async def send_and_wait(self, topic: str, value: bytes, **_: Any) -> None:
        self.sent.append((topic, value))


def _company(name: str) -> CompanyRegistered:
    return CompanyRegistered(
        company_id=uuid.uuid4(), name=name, cvr="12345674", approvers=[Approver(email="a@example.dk", name="A")]
    )


async def test_a_transient_database_error_is_retried_and_never_counts_towards_the_dead_letter(
    make_database: Callable[[str, Path], Awaitable[str]],
) -> None:
    dsn = await make_database("shared_it", MIGRATIONS)
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    assert pool is not None
    failures = {"left": 4}

    async def handler(conn: asyncpg.Connection, envelope: Envelope, data: CompanyRegistered) -> None:
        await conn.execute("insert into seen values ($1, $2, $3)", envelope.id, data.company_id, data.name)
        if failures["left"] > 0:
            failures["left"] -= 1
            raise asyncpg.InternalClientError("connection lost mid-transaction")

    producer = _RecordingProducer()
    # max_attempts=3: four transient failures would dead-letter the event if they were counted.
    consumer = EventConsumer(
        "testsvc.seen",
        pool,
        producer,
        {CompanyRegistered: handler},
        max_attempts=3,
        backoff_seconds=0.01,  # type: ignore[arg-type]
    )
    envelope = Envelope.wrap(_company("Bager Hansen"), source="placement", subject="c1")
    record = Record("placement.events", 0, 7, b"c1", envelope.model_dump_json().encode())
    try:
        assert await consumer.handle(record) == Outcome.HANDLED
        assert failures["left"] == 0
        assert producer.sent == []
        assert await pool.fetchval("select count(*) from seen") == 1
        assert await pool.fetchval("select count(*) from inbox where consumer = 'testsvc.seen'") == 1
        # Delivered again: a duplicate, still applied once.
        assert await consumer.handle(record) == Outcome.DUPLICATE
        assert await pool.fetchval("select count(*) from seen") == 1
    finally:
        await pool.close()


async def test_a_real_failure_still_dead_letters_after_the_attempts(
    make_database: Callable[[str, Path], Awaitable[str]],
) -> None:
    dsn = await make_database("shared_it", MIGRATIONS)
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    assert pool is not None
    calls = {"n": 0}

    async def handler(conn: asyncpg.Connection, envelope: Envelope, data: CompanyRegistered) -> None:
        calls["n"] += 1
        raise RuntimeError("bad event")

    producer = _RecordingProducer()
    consumer = EventConsumer(
        "testsvc.seen",
        pool,
        producer,
        {CompanyRegistered: handler},
        max_attempts=3,
        backoff_seconds=0.01,  # type: ignore[arg-type]
    )
    envelope = Envelope.wrap(_company("poison"), source="placement", subject="c1")
    try:
        outcome = await consumer.handle(Record("placement.events", 0, 8, b"c1", envelope.model_dump_json().encode()))
        assert outcome == Outcome.DEAD_LETTERED
        assert calls["n"] == 3
        assert [t for t, _ in producer.sent] == ["testsvc.seen.dlq"]
    finally:
        await pool.close()
