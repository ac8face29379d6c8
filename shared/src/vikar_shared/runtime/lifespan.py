"""What a process starts and stops, by role: the bootstrap from settings behind every service's app.

Order at start: migrations (when :meth:`ServiceSettings.migrates_on_start` says so for the role), the
pool, then by role the topics and producer (worker, relay), the consumers (worker), the scheduled jobs
(worker), the relay under its leadership lock (relay). At stop the reverse; the consumers stop first so
no event is taken that could not be finished.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from vikar_shared.db import create_pool
from vikar_shared.events.registry import TOPICS
from vikar_shared.http.idempotency import purge_task
from vikar_shared.messaging.consumer import EventConsumer
from vikar_shared.messaging.kafka import ReplaceableProducer, dead_letter_topic, ensure_topics, make_broker
from vikar_shared.messaging.subscriber import ConsumerSpec, bind, declare_publishers
from vikar_shared.migrations import migrate
from vikar_shared.outbox import OutboxRelay, RelayLeadership
from vikar_shared.runtime.roles import Role
from vikar_shared.settings import ServiceSettings

BackgroundTask = Callable[[FastAPI, asyncio.Event], Coroutine[Any, Any, None]]
"""A scheduled job: runs until the event is set; reads ``app.state`` (pool, clock, settings)."""


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

        bind(
            broker,
            spec,
            lookup,
            settings.kafka_namespace,
            max_records=settings.consumer_batch_max_records,
            batch_timeout_ms=settings.consumer_batch_timeout_ms,
        )
    return broker


@asynccontextmanager
async def run_role(
    app: FastAPI,
    settings: ServiceSettings,
    role: Role,
    *,
    migrations: Path,
    consumers: Sequence[ConsumerSpec] = (),
    background: Sequence[BackgroundTask] = (),
) -> AsyncIterator[None]:
    """Starts what ``role`` runs for ``app`` and stops it on exit. Sets ``app.state``: ``pool``,
    ``migrated`` (this process applied the migrations), ``producer`` and ``consumers`` (roles that use
    Kafka, else ``None``/empty), ``broker`` (roles that consume), ``relay_leadership`` (roles that relay)."""
    app.state.migrated = settings.migrates_on_start(role.value)
    if app.state.migrated:
        await migrate(settings.database_url, [migrations])
    app.state.producer, app.state.consumers, app.state.broker, app.state.relay_leadership = None, {}, None, None
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    async with AsyncExitStack() as stack:
        pool = await create_pool(
            settings.database_url, min_size=settings.pool_min_size(role.value), max_size=settings.db_pool_max
        )
        stack.push_async_callback(pool.close)
        app.state.pool = pool
        ns = settings.kafka_namespace
        if role.uses_kafka:
            await ensure_topics(
                settings.kafka_bootstrap,
                [ns + t for t in (*TOPICS, *(dead_letter_topic(c.name) for c in consumers))],
            )
            # Replaced by the relay (and dead letters) when it reaches a fatal state (issue 8, recovery).
            producer = ReplaceableProducer(settings.kafka_bootstrap, settings.service_name)
            await producer.start()
            stack.push_async_callback(producer.stop)
            app.state.producer = producer
        if role.runs_consumers:
            app.state.consumers = {
                c.name: EventConsumer(
                    c.name,
                    pool,
                    app.state.producer,
                    c.handlers,
                    max_attempts=settings.consumer_max_attempts,
                    backoff_seconds=settings.consumer_retry_backoff_seconds,
                    namespace=ns,
                    transient_retry_seconds=settings.consumer_transient_retry_seconds,
                    stall_seconds=settings.consumer_stall_seconds,
                )
                for c in consumers
            }

        async def stop_tasks() -> None:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)

        stack.push_async_callback(stop_tasks)
        if role.runs_relay and settings.run_relay:
            relay = OutboxRelay(
                pool,
                app.state.producer,
                batch_size=settings.relay_batch_size,
                idle_seconds=settings.relay_idle_seconds,
                namespace=ns,
                stall_seconds=settings.relay_stall_seconds,
            )

            async def connect() -> asyncpg.Connection:
                return await asyncpg.connect(settings.database_url)

            leadership = RelayLeadership(relay, connect, standby_seconds=settings.relay_standby_seconds)
            app.state.relay_leadership = leadership
            tasks.append(asyncio.create_task(leadership.run(stop), name="outbox-relay"))
        if role.runs_jobs:
            tasks.append(asyncio.create_task(purge_task(app, stop), name="idempotency-purge"))
            tasks += [
                asyncio.create_task(task(app, stop), name=getattr(task, "__name__", "task")) for task in background
            ]
        if role.runs_consumers and settings.run_consumers:
            broker = build_broker(settings, consumers, app)
            await broker.start()
            stack.push_async_callback(broker.stop)
            app.state.broker = broker
        yield
