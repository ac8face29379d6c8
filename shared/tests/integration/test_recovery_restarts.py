"""The relay and the consumers resume by themselves after the REAL broker and the REAL database restart.

A service (role ``all``: relay and consumers) runs against a private Kafka and a private PostgreSQL
(:mod:`vikar_shared.testing.private_servers`, so the shared servers other tests use stay up). A writer
adds an event to the outbox every 50 ms; the test stops Kafka for 3 s, then PostgreSQL for 2 s, while it
writes; nobody restarts the service. Afterwards every event written is published and consumed exactly
once, none is dead-lettered, and ``/readyz`` says ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from pathlib import Path

import asyncpg

from vikar_shared.db import transaction
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import Approver, CompanyRegistered
from vikar_shared.http.app import create_service_app
from vikar_shared.messaging.subscriber import ConsumerSpec
from vikar_shared.outbox import add_event
from vikar_shared.settings import ServiceSettings
from vikar_shared.testing.plugin import all_records, serve_in_process, wait_until
from vikar_shared.testing.private_servers import PrivateKafka, PrivatePostgres

MIGRATIONS = Path(__file__).parent / "migrations"


async def _record(conn: asyncpg.Connection, envelope: Envelope, data: CompanyRegistered) -> None:
    await conn.execute("insert into seen values ($1, $2, $3)", envelope.id, data.company_id, data.name)


def _company(n: int) -> CompanyRegistered:
    return CompanyRegistered(
        company_id=uuid.uuid4(), name=f"Firma {n}", cvr="12345674", approvers=[Approver(email="a@example.dk", name="A")]
    )


async def test_relay_and_consumers_resume_by_themselves_after_the_broker_and_the_database_restart(
    private_kafka: PrivateKafka, private_postgres: PrivatePostgres
) -> None:
    admin = await asyncpg.connect(private_postgres.dsn + "/postgres")
    await admin.execute("create database chaos")
    await admin.close()
    namespace = "chaos."
    settings = ServiceSettings(
        service_name="placement",
        database_url=private_postgres.dsn + "/chaos",
        kafka_bootstrap=private_kafka.bootstrap,
        kafka_namespace=namespace,
        consumer_retry_backoff_seconds=0.01,
        relay_standby_seconds=0.5,
    )
    spec = ConsumerSpec("testsvc.seen", ["placement.events"], {CompanyRegistered: _record})
    app = create_service_app(settings, title="t", description="t", routers=[], migrations=MIGRATIONS, consumers=[spec])
    async with serve_in_process(app) as client:
        pool: asyncpg.Pool = app.state.pool
        writing = asyncio.Event()
        writing.set()
        failed_writes = 0

        async def writer() -> None:
            nonlocal failed_writes
            n = 0
            while writing.is_set():
                n += 1
                try:
                    async with transaction(pool) as conn:
                        await add_event(conn, _company(n), source="placement", subject=f"c{n % 5}")
                except Exception:  # the database is down: this write is lost to the writer, not the test
                    failed_writes += 1
                await asyncio.sleep(0.05)

        load = asyncio.create_task(writer())
        try:
            await asyncio.sleep(1.5)
            await asyncio.to_thread(private_kafka.stop)
            await asyncio.sleep(3)
            await asyncio.to_thread(private_kafka.start)
            await asyncio.sleep(1.5)
            await asyncio.to_thread(private_postgres.stop)
            await asyncio.sleep(2)
            await asyncio.to_thread(private_postgres.start)
            await asyncio.sleep(1.5)
        finally:
            writing.clear()
            await load
        assert failed_writes > 0, "the database restart was not noticed by the writer"

        async def caught_up() -> bool:
            with contextlib.suppress(Exception):
                unsent = await pool.fetchval("select count(*) from outbox where sent_at is null")
                written = await pool.fetchval("select count(*) from outbox")
                seen = await pool.fetchval("select count(*) from seen")
                return bool(unsent == 0 and seen == written)
            return False

        await wait_until(caught_up, timeout=40, interval=0.25, what="relay and consumer to catch up by themselves")
        written = await pool.fetchval("select count(*) from outbox")
        assert written > 40
        assert await pool.fetchval("select count(*) from inbox where consumer = 'testsvc.seen'") == written
        records = await all_records(private_kafka.bootstrap, namespace)
        assert records.get(namespace + "testsvc.seen.dlq", []) == []

        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await wait_until(ready, timeout=15, what="/readyz to say ready again")
