"""Transactional outbox: events are rows written in the state change's own transaction."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaProducer

from vikar_shared import tracing
from vikar_shared.db import transaction
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.registry import REGISTRY
from vikar_shared.logging import correlation_id_var
from vikar_shared.transient import RateLimitedLog, backoff_seconds, is_fatal_producer_error, is_transient

log = logging.getLogger(__name__)

# Only one relay per database publishes at a time, so rows of one aggregate leave in id order
# even with several replicas running; the others wait their turn.
_RELAY_LOCK = 0x6F7574626F78  # "outbox"
# The relay role's leadership: a session advisory lock held by the leading relay for as long as it runs.
RELAY_LEADER_LOCK = 0x72656C6179  # "relay"


async def add_event(
    conn: asyncpg.Connection,
    data: EventData,
    *,
    source: str,
    subject: object,
    key: object | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> Envelope:
    """Writes the event to the outbox on ``conn``; must run inside the caller's transaction. Inside a
    consumer's transaction (:func:`deferred_events`) the row is collected instead and written with the
    batch's others just before commit (:func:`write_deferred`), in the order added. Returns the envelope
    (its ``id`` is the event id; the row's ``envelope`` is its JSON, sent by the relay as stored).

    The correlation id defaults to the one of the request or event being handled; the envelope's
    ``traceparent`` is the current span's (:func:`vikar_shared.tracing.inject`; ``None`` with tracing off)."""
    envelope, row = outbox_row(
        data, source=source, subject=subject, key=key, correlation_id=correlation_id, causation_id=causation_id
    )
    pending = _deferred.get()
    if pending is not None:
        pending.append(row)  # written by write_deferred before the consumer's transaction commits
        return envelope
    await conn.execute("insert into outbox (event_id, topic, key, envelope) values ($1, $2, $3, $4::text::jsonb)", *row)
    return envelope


OutboxRow = tuple[UUID, str, str, str]
"""(event id, topic, Kafka key, envelope JSON) of one outbox row not yet written."""


def outbox_row(
    data: EventData,
    *,
    source: str,
    subject: object,
    key: object | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> tuple[Envelope, OutboxRow]:
    """The envelope of ``data`` and the outbox row :func:`add_event` writes for it, for a caller that
    writes the row in a statement of its own (insert ``envelope`` as ``$n::text::jsonb``): the same
    correlation id default and the current ``traceparent`` (:func:`vikar_shared.tracing.inject`)."""
    envelope = Envelope.wrap(
        data,
        source=source,
        subject=subject,
        correlation_id=correlation_id or correlation_id_var.get(),
        causation_id=causation_id,
        traceparent=tracing.inject(),
    )
    return envelope, (envelope.id, data.topic, str(key if key is not None else subject), envelope.model_dump_json())


_deferred: ContextVar[list[OutboxRow] | None] = ContextVar("vikar_outbox_deferred", default=None)


@contextmanager
def deferred_events() -> Iterator[list[OutboxRow]]:
    """While open, :func:`add_event` collects its rows in the yielded list instead of writing each at
    once; the owner of the transaction writes them with :func:`write_deferred` before committing (the
    consumers do, so a batch's events cost one statement). Nothing is written if the owner does not."""
    pending: list[OutboxRow] = []
    token = _deferred.set(pending)
    try:
        yield pending
    finally:
        _deferred.reset(token)


def retract_deferred(event_id: UUID) -> bool:
    """Drops the not yet written row of ``event_id`` (added by :func:`add_event` under
    :func:`deferred_events`); False when there is no such row (not deferred, or written already)."""
    pending = _deferred.get()
    if pending is None:
        return False
    for i, row in enumerate(pending):
        if row[0] == event_id:
            del pending[i]
            return True
    return False


def deferring_events() -> bool:
    """Whether :func:`add_event` collects rows now (:func:`deferred_events`) instead of writing them."""
    return _deferred.get() is not None


async def write_deferred(conn: asyncpg.Connection, pending: list[OutboxRow]) -> None:
    """Writes the collected rows in one statement, ids in the order they were added; empties ``pending``."""
    if not pending:
        return
    ids, topics, keys, bodies = (list(column) for column in zip(*pending, strict=True))
    await conn.execute(
        """insert into outbox (event_id, topic, key, envelope)
           select e.id, e.topic, e.key, e.body::jsonb
           from unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) with ordinality as e(id, topic, key, body, n)
           order by e.n""",
        ids,
        topics,
        keys,
        bodies,
    )
    pending.clear()


def purged_after_publish(envelope: dict[str, object]) -> bool:
    """Whether the row of this envelope is deleted once published (``EventData.purge_after_publish``)."""
    return _purged(str(envelope.get("type")), int(str(envelope.get("version", 0))))


def _purged(event_type: str, version: int) -> bool:
    model = REGISTRY.get((event_type, version))
    return model is not None and model.purge_after_publish


class OutboxRelay:
    """Publishes the outbox's unsent rows in id order (see :meth:`publish_batch`, :meth:`run`).

    Recovery: a send that fails transiently (broker or database unreachable,
    :mod:`vikar_shared.transient`) is retried with capped exponential backoff (``backoff_base`` …
    ``backoff_cap`` seconds); a producer in a fatal state (``OutOfOrderSequenceNumber``, fenced, unknown
    producer id) is replaced (``producer.replace``, :class:`~vikar_shared.messaging.kafka.ReplaceableProducer`)
    and the batch retried; failures are logged at most once per ``log_every`` seconds with the count of
    the others. ``last_progress`` (``time.monotonic()``) is when a batch was published or the outbox
    was found empty; readiness (:mod:`vikar_shared.runtime.readiness`) compares it and the age of the
    oldest unsent row (:func:`vikar_shared.outbox_backlog.outbox_backlog`) with ``stall_seconds``."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        *,
        batch_size: int = 500,
        idle_seconds: float = 0.05,
        namespace: str = "",
        backoff_base: float = 0.2,
        backoff_cap: float = 5.0,
        log_every: float = 10.0,
        stall_seconds: float = 30.0,
    ) -> None:
        self._pool = pool
        self._namespace = namespace
        self._producer = producer
        self._batch_size = batch_size
        self._idle_seconds = idle_seconds
        self._backoff_base, self._backoff_cap = backoff_base, backoff_cap
        self._failure_log = RateLimitedLog(log, every=log_every)
        self.stall_seconds = stall_seconds
        self.last_progress = time.monotonic()
        self.replacements = 0

    def seconds_since_progress(self) -> float:
        return time.monotonic() - self.last_progress

    async def publish_batch(self) -> int:
        """Claims a batch of unsent rows, publishes them (acks=all) and marks them sent; rows of events
        that must not outlive their delivery (``purge_after_publish``, e.g. a sealed login link) are
        deleted instead, in the same transaction."""
        async with transaction(self._pool) as conn:
            if not await conn.fetchval("select pg_try_advisory_xact_lock($1)", _RELAY_LOCK):
                return 0
            # The stored jsonb goes out as its text: add_event (the only writer) stored what Envelope
            # produced, so validating and re-serialising every row here would only cost CPU.
            rows = await conn.fetch(
                """select id, topic, key, envelope::text as body, envelope->>'type' as type,
                          (envelope->>'version')::int as version
                   from outbox where sent_at is null order by id limit $1 for update skip locked""",
                self._batch_size,
            )
            if not rows:
                self.last_progress = time.monotonic()
                return 0
            # Enqueue all, then wait for every ack; the idempotent producer keeps per-partition order.
            namespace, send = self._namespace, self._producer.send
            if tracing.enabled():
                pending = [
                    # A span per row (child of its traceparent, ended at the ack).
                    await tracing.send_in_span(
                        r["body"], send(namespace + r["topic"], value=r["body"].encode(), key=r["key"].encode())
                    )
                    for r in rows
                ]
            else:
                pending = [
                    await send(namespace + r["topic"], value=r["body"].encode(), key=r["key"].encode()) for r in rows
                ]
            acks = await asyncio.gather(*pending, return_exceptions=True)  # every outcome retrieved
            if failed := next((a for a in acks if isinstance(a, BaseException)), None):
                raise failed
            purged = {r["id"] for r in rows if _purged(r["type"], r["version"])}
            if purged:
                await conn.execute("delete from outbox where id = any($1::bigint[])", list(purged))
            await conn.execute(
                "update outbox set sent_at = now() where id = any($1::bigint[])",
                [r["id"] for r in rows if r["id"] not in purged],
            )
        self.last_progress = time.monotonic()
        return len(rows)

    async def run(self, stop: asyncio.Event) -> None:
        """Publishes until ``stop`` is set (each batch under a transaction lock; see :meth:`lead` for
        one leader among replicas)."""
        failures = 0
        while not stop.is_set():
            generation = getattr(self._producer, "generation", None)
            try:
                sent = await self.publish_batch()
                if failures:
                    log.info("outbox relay publishes again", extra={"fields": {"failures": failures}})
                failures = 0
                self._failure_log.reset()
            except Exception as exc:
                # Unknown outcome: rows stay unsent and go again; consumers deduplicate on event id.
                failures += 1
                sent = 0
                await self._recover(exc, generation, failures)
                await self._pause(stop, backoff_seconds(failures, base=self._backoff_base, cap=self._backoff_cap))
                continue
            if sent == 0:
                await self._pause(stop, self._idle_seconds)

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)

    async def _recover(self, exc: Exception, generation: int | None, failures: int) -> None:
        """Logs the failure (rate-limited) and replaces a producer in a fatal state."""
        fields = {"failures": failures, "seconds_since_progress": round(self.seconds_since_progress(), 1)}
        if is_fatal_producer_error(exc) and hasattr(self._producer, "replace"):
            self._failure_log.log(
                logging.WARNING, "outbox relay: producer in a fatal state; replacing it", exc=exc, **fields
            )
            try:
                await self._producer.replace(generation)
                self.replacements += 1
            except Exception as replace_error:  # the broker is still down: the next round tries again
                self._failure_log.log(logging.WARNING, "outbox relay: producer replacement failed", exc=replace_error)
        elif is_transient(exc):
            self._failure_log.log(logging.WARNING, "outbox relay: dependency unavailable; retrying", exc=exc, **fields)
        else:
            if self._failure_log.log(logging.ERROR, "outbox relay batch failed; retrying", exc=exc, **fields):
                log.error("outbox relay batch failure", exc_info=exc)


class RelayLeadership:
    """One relay per database: the leader holds a PostgreSQL *session* advisory lock
    (:data:`RELAY_LEADER_LOCK`) on a connection of its own while it publishes; a second relay replica
    stands by, trying to take the lock every ``standby_seconds``, and leads once the first stops, crashes
    or loses its connection (the server releases a session lock with its session).

    The leader checks its lock connection every ``standby_seconds`` and stops publishing as soon as it
    fails: another replica may lead by then. Each batch also takes a transaction lock
    (``publish_batch``), so even in that short overlap no two batches are published at once.
    ``leading`` tells readiness and tests which one publishes now.
    """

    def __init__(
        self,
        relay: OutboxRelay,
        connect: Callable[[], Awaitable[asyncpg.Connection]],
        *,
        standby_seconds: float = 2.0,
    ) -> None:
        self.relay = relay
        self._connect = connect
        self._standby_seconds = standby_seconds
        self._failure_log = RateLimitedLog(log, every=10.0)
        self.leading = False

    async def _wait(self, stop: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=self._standby_seconds)

    async def _take(self, conn: asyncpg.Connection, stop: asyncio.Event) -> bool:
        """Tries until the lock is ours (True) or ``stop`` is set (False)."""
        while not stop.is_set():
            if await conn.fetchval("select pg_try_advisory_lock($1)", RELAY_LEADER_LOCK):
                return True
            await self._wait(stop)
        return False

    async def _lead(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        """Publishes until ``stop`` is set or the lock connection fails."""
        lost = asyncio.Event()
        publishing = asyncio.create_task(self.relay.run(lost), name="outbox-relay")
        try:
            while not stop.is_set() and not publishing.done():
                await self._wait(stop)
                try:
                    async with asyncio.timeout(self._standby_seconds):
                        await conn.fetchval("select 1")
                except Exception:
                    log.warning("outbox relay lost its leader lock connection; standing by")
                    return
        finally:
            lost.set()
            await asyncio.gather(publishing, return_exceptions=True)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            conn: asyncpg.Connection | None = None
            try:
                conn = await self._connect()
                if await self._take(conn, stop):
                    self._failure_log.reset()
                    self.leading = True
                    log.info("outbox relay leads (holds the relay lock)")
                    await self._lead(conn, stop)
            except Exception as exc:
                if is_transient(exc):  # the database is down or restarting: a line per 10 s, not per try
                    self._failure_log.log(logging.WARNING, "outbox relay leadership: database unavailable", exc=exc)
                else:
                    log.exception("outbox relay leadership failed; retrying")
            finally:
                self.leading = False
                if conn is not None:
                    # Closing the session releases its advisory lock (an unlock first, for a clean log).
                    with contextlib.suppress(Exception):
                        await conn.execute("select pg_advisory_unlock_all()")
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
            if not stop.is_set():
                await self._wait(stop)
