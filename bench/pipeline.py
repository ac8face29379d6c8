"""Throughput and latency of approved hours → billable lines, through the invoicing service and raw.

framework: EntryApproved envelopes on Kafka → the invoicing app in-process (FastStream subscriber,
    shared inbox consumer, accrual service, outbox relay) → billable and co-financing lines.
raw: the same envelopes → a plain AIOKafkaConsumer → one asyncpg transaction per message (inbox-style
    insert + line insert) → manual offset commit. No FastStream, no shared or service code.

Latency per entry = the line's created_at (its transaction's start) minus the send time stamped in
the envelope's occurred_at. Throughput = N / (last line's created_at - first send). Both runs get a
fresh database and Kafka namespace, wait for their consumer to be live (one warm-up entry) before
the clock starts, and clean up afterwards.

    bench/pipeline [N] [--placements 12] [--rate R] [--batch-commit]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from invoicing.app import MIGRATIONS, create_app
from invoicing.config import InvoicingSettings
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.placement import MunicipalityTermsSet, PlacementCreated
from vikar_shared.events.timesheet import EntryApproved
from vikar_shared.messaging.kafka import delete_topics
from vikar_shared.testing.plugin import StackSettings, clone_database, drop_database

PARTITIONS = 3  # what the service's topic bootstrap creates; the raw topic gets the same
MUNICIPALITY = uuid.uuid4()
COMPANIES = [uuid.uuid4() for _ in range(3)]


@dataclass(frozen=True)
class Result:
    name: str
    entries: int
    seconds: float
    latencies_ms: list[float]
    send_seconds: float

    @property
    def rate(self) -> float:
        return self.entries / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))  # nearest rank
        return ordered[rank - 1]

    def line(self) -> str:
        return (
            f"{self.name + ':':<10} {self.rate:.0f} entries/s p50 {self.percentile(50):.1f} ms "
            f"p95 {self.percentile(95):.1f} ms  (N={self.entries}, {self.seconds:.2f} s; "
            f"sent in {self.send_seconds:.2f} s = {self.entries / self.send_seconds:.0f}/s)"
        )


# ----------------------------------------------------------------------------- the workload


def make_placements(count: int) -> list[PlacementCreated]:
    return [
        PlacementCreated(
            placement_id=uuid.uuid4(),
            citizen_id=uuid.uuid4(),
            citizen_name=f"Citizen {i:03d}",
            referral_id=uuid.uuid4(),
            municipality_id=MUNICIPALITY,
            co_financing_eligible=i % 4 != 3,  # most are co-financed, some are not
            company_id=COMPANIES[i % len(COMPANIES)],
            start_date=date(2026, 1, 1),
            end_date=None,
            bill_rate_ore_per_hour=15_000 + 7 * i,
        )
        for i in range(count)
    ]


def make_terms() -> list[MunicipalityTermsSet]:
    return [
        MunicipalityTermsSet(
            municipality_id=MUNICIPALITY,
            municipality_name="Aalborg",
            terms_id=uuid.uuid4(),
            effective_from=since,
            co_financing_rate_ore_per_hour=rate,
            eligibility_threshold_weeks=weeks,
        )
        for since, rate, weeks in ((date(2026, 1, 1), 10_000, 52), (date(2026, 11, 15), 12_500, 26))
    ]


def make_approvals(placements: Sequence[PlacementCreated], count: int) -> list[EntryApproved]:
    approved_at = datetime(2026, 12, 1, 8, tzinfo=UTC)
    return [
        EntryApproved(
            entry_id=uuid.uuid4(),
            placement_id=p.placement_id,
            company_id=p.company_id,
            work_date=date(2026, 11, 1) + timedelta(days=i % 30),
            minutes=15 + (i * 7) % 466,
            approved_by="bench",
            approved_at=approved_at,
        )
        for i in range(count)
        for p in (placements[i % len(placements)],)
    ]


def make_producer(bootstrap: str) -> AIOKafkaProducer:
    # Spelled out, as the services do: aiokafka's defaults are acks=1 without idempotence.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap, client_id="bench", acks="all", enable_idempotence=True, linger_ms=5
    )


async def publish(producer: AIOKafkaProducer, topic: str, events: Sequence[tuple[EventData, uuid.UUID]]) -> None:
    """As the placement relay does: subject and key are the aggregate id."""
    for data, aggregate_id in events:
        envelope = Envelope.wrap(data, source=data.topic.split(".")[0], subject=aggregate_id)
        await producer.send_and_wait(topic, value=envelope.model_dump_json().encode(), key=str(aggregate_id).encode())


async def publish_approvals(
    producer: AIOKafkaProducer, topic: str, approvals: Sequence[EntryApproved], rate: float | None
) -> tuple[dict[uuid.UUID, datetime], float]:
    """Sends with the send time in occurred_at; returns those times and how long sending took."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    sent_at: dict[uuid.UUID, datetime] = {}
    pending = []
    for i, approval in enumerate(approvals):
        if rate is not None and (delay := started + i / rate - loop.time()) > 0:
            await asyncio.sleep(delay)
        now = datetime.now(UTC)
        envelope = Envelope.wrap(approval, source="timesheet", subject=approval.entry_id, occurred_at=now)
        sent_at[approval.entry_id] = now
        pending.append(
            await producer.send(
                topic, value=envelope.model_dump_json().encode(), key=str(approval.placement_id).encode()
            )
        )
    await asyncio.gather(*pending)
    return sent_at, loop.time() - started


async def wait_for(predicate: Callable[[], Awaitable[bool]], what: str, timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(0.1)


async def measure(
    name: str,
    pool_or_conn: asyncpg.Pool | asyncpg.Connection,
    producer: AIOKafkaProducer,
    topic: str,
    approvals: Sequence[EntryApproved],
    rate: float | None,
    already: int,
    alive: Callable[[], None] = lambda: None,
) -> Result:
    """Publishes ``approvals`` and waits until each has its line; ``already`` lines existed before."""
    sent_at, send_seconds = await publish_approvals(producer, topic, approvals, rate)

    async def all_lines() -> bool:
        alive()
        count = await pool_or_conn.fetchval("select count(*) from billable_lines")
        return bool(count >= already + len(approvals))

    await wait_for(all_lines, f"{name}: {len(approvals)} billable lines", timeout=max(120.0, len(approvals) / 50))
    rows = await pool_or_conn.fetch(
        "select entry_id, created_at from billable_lines where entry_id = any($1::uuid[])", list(sent_at)
    )
    created = {r["entry_id"]: r["created_at"] for r in rows}
    first_send = min(sent_at.values())
    last_line = max(created.values())
    latencies = [(created[e] - sent_at[e]).total_seconds() * 1000 for e in sent_at]
    return Result(name, len(approvals), (last_line - first_send).total_seconds(), latencies, send_seconds)


# ----------------------------------------------------------------------------- framework


async def run_framework(stack: StackSettings, n: int, placement_count: int, rate: float | None) -> Result:
    dsn = await clone_database(stack, "invoicing", MIGRATIONS)
    namespace = f"bench{uuid.uuid4().hex[:10]}."
    settings = InvoicingSettings(
        database_url=dsn, kafka_bootstrap=stack.kafka_bootstrap, kafka_namespace=namespace, log_level="WARNING"
    )
    app = create_app(settings)
    producer = make_producer(stack.kafka_bootstrap)
    try:
        async with app.router.lifespan_context(app):
            pool: asyncpg.Pool = app.state.pool
            await producer.start()
            placements = make_placements(placement_count)
            await publish(
                producer,
                namespace + "placement.events",
                [(t, t.municipality_id) for t in make_terms()] + [(p, p.placement_id) for p in placements],
            )

            async def read_models() -> bool:
                return bool(
                    await pool.fetchval("select count(*) from placements") == placement_count
                    and await pool.fetchval("select count(*) from municipality_terms") == 2
                )

            await wait_for(read_models, "framework: placements and terms read models", timeout=60)
            topic = namespace + "timesheet.events"
            await measure("warm-up", pool, producer, topic, make_approvals(placements, 1), None, 0)
            return await measure("framework", pool, producer, topic, make_approvals(placements, n), rate, 1)
    finally:
        await producer.stop()
        await drop_database(stack, dsn)
        await delete_topics(stack.kafka_bootstrap, namespace)


# ----------------------------------------------------------------------------- raw baseline

RAW_SCHEMA = """
create table inbox (
    consumer text not null, event_id uuid not null, event_type text not null,
    handled_at timestamptz not null default now(), primary key (consumer, event_id));
create table billable_lines (
    id bigint generated always as identity primary key, entry_id uuid not null unique,
    company_id uuid not null, placement_id uuid not null, citizen_id uuid not null, citizen_name text not null,
    work_date date not null, minutes integer not null, rate_ore_per_hour bigint not null, amount_ore bigint not null,
    created_at timestamptz not null default now());
"""


async def raw_consumer(
    bootstrap: str,
    topic: str,
    group: str,
    dsn: str,
    placements: dict[str, PlacementCreated],
    stop: asyncio.Event,
    commit_per_batch: bool,
) -> None:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    conn = await asyncpg.connect(dsn)
    await consumer.start()
    try:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=100)
            done: dict[TopicPartition, int] = {}
            for tp, records in batch.items():
                for record in records:
                    envelope = json.loads(record.value or b"{}")
                    data = envelope["data"]
                    placement = placements[data["placement_id"]]
                    minutes, rate = int(data["minutes"]), placement.bill_rate_ore_per_hour
                    async with conn.transaction():
                        claimed = await conn.execute(
                            "insert into inbox (consumer, event_id, event_type) values ($1, $2, $3) "
                            "on conflict do nothing",
                            "raw.approvals",
                            uuid.UUID(envelope["id"]),
                            f"{envelope['type']}.v{envelope['version']}",
                        )
                        if claimed == "INSERT 0 1":
                            await conn.execute(
                                """insert into billable_lines (entry_id, company_id, placement_id, citizen_id,
                                       citizen_name, work_date, minutes, rate_ore_per_hour, amount_ore)
                                   values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (entry_id) do nothing""",
                                uuid.UUID(data["entry_id"]),
                                uuid.UUID(data["company_id"]),
                                placement.placement_id,
                                placement.citizen_id,
                                placement.citizen_name,
                                date.fromisoformat(data["work_date"]),
                                minutes,
                                rate,
                                (minutes * rate * 2 + 60) // 120,
                            )
                    done[TopicPartition(tp.topic, tp.partition)] = record.offset + 1
                    if not commit_per_batch:
                        await consumer.commit({TopicPartition(tp.topic, tp.partition): record.offset + 1})
            if commit_per_batch and done:
                await consumer.commit(done)
    finally:
        await consumer.stop()
        await conn.close()


async def run_raw(
    stack: StackSettings, n: int, placement_count: int, rate: float | None, *, commit_per_batch: bool = False
) -> Result:
    database = f"bench_raw_{uuid.uuid4().hex[:10]}"
    dsn = stack.dsn_for(database)
    namespace = f"bench{uuid.uuid4().hex[:10]}."
    topic = namespace + "timesheet.events"
    admin_conn = await asyncpg.connect(stack.dsn_for("postgres"))
    await admin_conn.execute(f'create database "{database}"')
    producer = make_producer(stack.kafka_bootstrap)
    stop = asyncio.Event()
    task: asyncio.Task[None] | None = None
    try:
        conn = await asyncpg.connect(dsn)
        await conn.execute(RAW_SCHEMA)
        admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])
        finally:
            await admin.close()
        placements = make_placements(placement_count)
        by_id = {str(p.placement_id): p for p in placements}
        task = asyncio.create_task(
            raw_consumer(stack.kafka_bootstrap, topic, namespace + "raw.approvals", dsn, by_id, stop, commit_per_batch)
        )
        consumer_task = task

        def alive() -> None:
            if consumer_task.done():
                raise RuntimeError("raw consumer stopped") from consumer_task.exception()

        await producer.start()
        await measure("warm-up", conn, producer, topic, make_approvals(placements, 1), None, 0, alive)
        name = "raw-batch" if commit_per_batch else "raw"
        result = await measure(name, conn, producer, topic, make_approvals(placements, n), rate, 1, alive)
        await conn.close()
        return result
    finally:
        stop.set()
        if task is not None:
            with contextlib.suppress(Exception):
                await task
        await producer.stop()
        await admin_conn.execute(f'drop database if exists "{database}" with (force)')
        await admin_conn.close()
        await delete_topics(stack.kafka_bootstrap, namespace)


# ----------------------------------------------------------------------------- main


async def main(n: int, placement_count: int, rate: float | None, batch_commit: bool) -> None:
    stack = StackSettings()
    pace = f"paced at {rate:.0f}/s" if rate else "sent as fast as the producer goes"
    print(f"pipeline bench: N={n}, {placement_count} placements, {PARTITIONS} partitions, {pace}")
    framework = await run_framework(stack, n, placement_count, rate)
    print(framework.line(), flush=True)
    raw = await run_raw(stack, n, placement_count, rate)
    print(raw.line(), flush=True)
    print(
        f"ratio framework/raw: throughput {framework.rate / raw.rate:.2f}, "
        f"p50 latency {framework.percentile(50) / raw.percentile(50):.2f}, "
        f"p95 latency {framework.percentile(95) / raw.percentile(95):.2f}"
    )
    if batch_commit:
        print(
            "(extra) raw with one offset commit per fetched batch instead of per message; the inbox makes the "
            "redelivery after a crash harmless:"
        )
        print((await run_raw(stack, n, placement_count, rate, commit_per_batch=True)).line(), flush=True)


def cli() -> None:
    parser = argparse.ArgumentParser(prog="bench/pipeline", description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=20_000, help="number of EntryApproved events (20000)")
    parser.add_argument("--placements", type=int, default=12, help="placements the entries are spread over (12)")
    parser.add_argument("--rate", type=float, help="send at most this many entries per second (default: no limit)")
    parser.add_argument(
        "--batch-commit", action="store_true", help="also run the raw baseline committing offsets once per batch"
    )
    args = parser.parse_args()
    if args.n < 1 or args.placements < 1 or (args.rate is not None and args.rate <= 0):
        parser.error("N, --placements and --rate must be positive")
    asyncio.run(main(args.n, args.placements, args.rate, args.batch_commit))


if __name__ == "__main__":
    cli()
