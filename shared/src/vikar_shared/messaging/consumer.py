"""The idempotent consumer: inbox claim and effects in one transaction, bounded retries, dead letters.

Records come in batches (:meth:`EventConsumer.handle_batch`, what the subscriber calls): one database
transaction per batch claims the inbox for every event of it at once (:func:`vikar_shared.inbox.claim_many`)
and runs the handlers of the claimed events in record order on that connection, so per-partition
(per-key) order holds. A poison event (an envelope or payload that does not validate, or a handler
raising a non-transient error) rolls the batch back and the batch is handled again one record at a
time (:meth:`EventConsumer.handle`, with its retries and dead letter), so only that event is
dead-lettered. Transient dependency errors (:func:`vikar_shared.transient.is_transient`) are retried
with backoff, batch or single, and never count towards a dead letter.

The Kafka offsets are committed by the subscriber only after ``handle_batch`` returns, i.e. after the
transaction committed (FastStream ``AckPolicy.NACK_ON_ERROR``). If it fails (the dead-letter topic
cannot be reached, a dependency stayed down past ``transient_retry_seconds``), the subscriber seeks
every partition of the batch back to its first record and the records come again; the inbox turns
those already committed into duplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from pydantic import ValidationError

from vikar_shared import inbox, tracing
from vikar_shared.db import run_before_commit, transaction, transaction_memo_scope
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.registry import model_for
from vikar_shared.logging import correlation_id_var
from vikar_shared.messaging.kafka import dead_letter_topic
from vikar_shared.metrics import count_event
from vikar_shared.outbox import deferred_events, write_deferred
from vikar_shared.transient import RateLimitedLog, backoff_seconds, is_fatal_producer_error, is_transient

log = logging.getLogger(__name__)

Handler = Callable[[asyncpg.Connection, Envelope, Any], Awaitable[None]]


class Outcome(StrEnum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"
    DEAD_LETTERED = "dead-lettered"


@dataclass(frozen=True)
class Record:
    """One Kafka record as consumed: where it came from and its bytes (the envelope JSON, unparsed)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


@dataclass(frozen=True)
class _Parsed:
    """A record of a batch whose envelope (and, when a handler exists, payload) validated."""

    record: Record
    envelope: Envelope
    handler: Handler | None
    data: EventData | None


class _PoisonError(Exception):
    """A batch cannot be committed as a whole: ``cause`` (non-transient) came from one of its events."""

    def __init__(self, event_id: object, cause: BaseException) -> None:
        super().__init__(f"event {event_id}: {cause!r}")
        self.event_id = event_id
        self.cause = cause


class EventConsumer:
    def __init__(
        self,
        name: str,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        handlers: Mapping[type[EventData], Handler],
        *,
        max_attempts: int = 3,
        backoff_seconds: float = 0.2,
        namespace: str = "",
        transient_retry_seconds: float = 30.0,
        stall_seconds: float = 30.0,
    ) -> None:
        self.name = name
        self.dead_letter_topic = namespace + dead_letter_topic(name)
        self._pool = pool
        self._producer = producer
        self._handlers = dict(handlers)
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._transient_retry_seconds = transient_retry_seconds
        self._transient_log = RateLimitedLog(log, every=10.0)
        # When (time.monotonic()) the record now being handled first failed transiently; None while
        # records go through. Readiness reports the consumer once this is older than stall_seconds.
        self.failing_since: float | None = None
        self.stall_seconds = stall_seconds

    def stalled_seconds(self) -> float:
        """Seconds the consumer has been retrying one record without progress (0 while it progresses)."""
        return 0.0 if self.failing_since is None else time.monotonic() - self.failing_since

    async def handle(self, record: Record) -> Outcome:
        """Handles one record in its own transaction (claim, handler, commit), retrying a failing
        handler up to ``max_attempts`` times before dead-lettering it; transient errors are retried for
        up to ``transient_retry_seconds`` and then raised (the subscriber seeks back). Raises what the
        dead-letter send raises when the dead-letter topic cannot be reached."""
        outcome = await self._handle(record)
        count_event(self.name, outcome.value)  # vikar_consumer_events_total (vikar_shared.metrics)
        return outcome

    async def handle_batch(self, records: Sequence[Record]) -> list[Outcome]:
        """Handles ``records`` (one fetch, in partition order) in one transaction; returns an outcome per
        record, in order. Falls back to :meth:`handle` per record when an event of the batch is poison;
        raises as :meth:`handle` does (the subscriber then seeks back to the batch's first records)."""
        if len(records) <= 1:
            return [await self.handle(r) for r in records]
        parsed = self._parse(records)
        if parsed is None:
            return await self._one_by_one(records)
        try:
            outcomes = await self._handle_batch(parsed)
        except _PoisonError as poison:
            log.warning(
                "batch failed on one event; handling its records one by one",
                extra={
                    "fields": {
                        "consumer": self.name,
                        "event_id": str(poison.event_id),
                        "records": len(records),
                        "error": repr(poison.cause),
                    }
                },
            )
            return await self._one_by_one(records)
        for outcome in outcomes:
            count_event(self.name, outcome.value)
        return outcomes

    async def _one_by_one(self, records: Sequence[Record]) -> list[Outcome]:
        return [await self.handle(r) for r in records]

    def _parse(self, records: Sequence[Record]) -> list[_Parsed] | None:
        """Validates every envelope and every payload that has a handler; ``None`` if one does not."""
        parsed: list[_Parsed] = []
        for record in records:
            try:
                envelope = Envelope.model_validate_json(record.value)
                model = model_for(envelope)
                handler = self._handlers.get(model) if model is not None else None
                data = model.model_validate(envelope.data) if model is not None and handler is not None else None
            except ValidationError:
                return None
            parsed.append(_Parsed(record, envelope, handler, data))
        return parsed

    async def _handle_batch(self, batch: list[_Parsed]) -> list[Outcome]:
        """One transaction for the batch, retried while a dependency is down; raises :class:`_PoisonError`."""
        transient_failures = 0
        deadline = asyncio.get_running_loop().time() + self._transient_retry_seconds
        while True:
            try:
                outcomes = await self._batch_transaction(batch)
            except _PoisonError:
                raise
            except Exception as exc:
                if not is_transient(exc):
                    # Not an event's fault as far as we know (the claim or the commit failed): the
                    # one-by-one path retries and dead-letters per event.
                    raise _PoisonError(batch[0].envelope.id, exc) from exc
                transient_failures += 1
                if self.failing_since is None:
                    self.failing_since = time.monotonic()
                self._transient_log.log(
                    logging.WARNING,
                    "batch hit a transient dependency error; retrying",
                    exc=exc,
                    consumer=self.name,
                    records=len(batch),
                    failures=transient_failures,
                )
                if asyncio.get_running_loop().time() >= deadline:
                    raise
                await asyncio.sleep(backoff_seconds(transient_failures, base=self._backoff))
                continue
            self.failing_since = None
            self._transient_log.reset()
            return outcomes

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """One consumer transaction: its memo (:func:`vikar_shared.db.transaction_memo`), the writes its
        handlers put off (:func:`vikar_shared.db.before_commit`) and the outbox rows they add
        (:func:`vikar_shared.outbox.deferred_events`), the last two written just before commit."""
        with transaction_memo_scope(), deferred_events() as pending:
            async with transaction(self._pool) as conn:
                yield conn
                await run_before_commit(conn)
                await write_deferred(conn, pending)

    async def _batch_transaction(self, batch: list[_Parsed]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        skips: Counter[str] = Counter()
        async with self._transaction() as conn:
            claimed = await inbox.claim_many(conn, self.name, [p.envelope for p in batch])
            for p in batch:
                first_time = p.envelope.id in claimed
                claimed.discard(p.envelope.id)  # a second copy within the batch is a duplicate
                # A span per event, child of its traceparent, so the events its handler writes carry it.
                with tracing.consume_span(p.envelope, self.name) as span:
                    span.set_attribute("vikar.consumer.batch_size", len(batch))
                    if p.handler is None:
                        if first_time:
                            skips[p.envelope.qualified_type] += 1
                        outcomes.append(Outcome.SKIPPED)
                    elif not first_time:
                        outcomes.append(Outcome.DUPLICATE)
                    else:
                        try:
                            await self._apply(conn, p.envelope, p.data, p.handler)
                        except Exception as exc:
                            if is_transient(exc):
                                raise
                            raise _PoisonError(p.envelope.id, exc) from exc
                        outcomes.append(Outcome.HANDLED)
                    span.set_attribute("vikar.consumer.outcome", outcomes[-1].value)
            if skips:
                await inbox.count_skips(conn, self.name, skips)
        return outcomes

    async def _apply(self, conn: asyncpg.Connection, envelope: Envelope, data: Any, handler: Handler) -> None:
        """Runs one event's handler on ``conn`` inside the caller's transaction (the inbox already
        claimed), with the event's correlation id set for the logs and the events it writes."""
        token = correlation_id_var.set(envelope.correlation_id or str(envelope.id))
        try:
            await handler(conn, envelope, data)
        finally:
            correlation_id_var.reset(token)

    async def _handle(self, record: Record) -> Outcome:
        try:
            envelope = Envelope.model_validate_json(record.value)
        except ValidationError as exc:
            return await self._dead_letter(record, f"envelope invalid: {exc.error_count()} error(s)")
        token = correlation_id_var.set(envelope.correlation_id or str(envelope.id))
        try:
            with tracing.consume_span(envelope, self.name) as span:  # child of the envelope's traceparent
                outcome = await self._handle_envelope(record, envelope)
                span.set_attribute("vikar.consumer.outcome", outcome.value)
            self.failing_since = None
            return outcome
        finally:
            correlation_id_var.reset(token)

    async def _handle_envelope(self, record: Record, envelope: Envelope) -> Outcome:
        model = model_for(envelope)
        handler = self._handlers.get(model) if model is not None else None
        if model is None or handler is None:
            async with transaction(self._pool) as conn:
                if await inbox.claim(conn, self.name, envelope):
                    await inbox.count_skip(conn, self.name, envelope.qualified_type)
            return Outcome.SKIPPED
        try:
            data = model.model_validate(envelope.data)
        except ValidationError as exc:
            return await self._dead_letter(record, f"{envelope.qualified_type} payload invalid: {exc}")
        last_error: BaseException | None = None
        attempt = 1
        transient_failures = 0
        deadline = asyncio.get_running_loop().time() + self._transient_retry_seconds
        while attempt <= self._max_attempts:
            try:
                async with self._transaction() as conn:
                    if not await inbox.claim(conn, self.name, envelope):
                        return Outcome.DUPLICATE
                    await self._apply(conn, envelope, data, handler)
                self._transient_log.reset()
                return Outcome.HANDLED
            except Exception as exc:
                if is_transient(exc):
                    # The database (or broker) is down, not the event bad: retry with backoff, never an
                    # attempt towards the dead letter. After transient_retry_seconds the error goes up
                    # and the subscriber seeks back, so the record comes again (partition not held forever).
                    transient_failures += 1
                    if self.failing_since is None:
                        self.failing_since = time.monotonic()
                    self._transient_log.log(
                        logging.WARNING,
                        "handler hit a transient dependency error; retrying",
                        exc=exc,
                        consumer=self.name,
                        event_id=str(envelope.id),
                        failures=transient_failures,
                    )
                    if asyncio.get_running_loop().time() >= deadline:
                        raise
                    await asyncio.sleep(backoff_seconds(transient_failures, base=self._backoff))
                    continue
                last_error = exc
                log.warning(
                    "handler failed",
                    extra={
                        "fields": {
                            "consumer": self.name,
                            "event_id": str(envelope.id),
                            "attempt": attempt,
                            "error": repr(exc),
                        }
                    },
                )
                if attempt < self._max_attempts:
                    await asyncio.sleep(self._backoff * attempt)
                attempt += 1
        return await self._dead_letter(record, repr(last_error))

    async def _dead_letter(self, record: Record, reason: str) -> Outcome:
        headers = [
            ("x-original-topic", record.topic.encode()),
            ("x-original-partition", str(record.partition).encode()),
            ("x-original-offset", str(record.offset).encode()),
            ("x-consumer", self.name.encode()),
            ("x-error", reason[:2000].encode()),
        ]
        generation = getattr(self._producer, "generation", None)
        try:
            await self._producer.send_and_wait(
                self.dead_letter_topic, value=record.value, key=record.key, headers=headers
            )
        except Exception as exc:
            # Not dead-lettered: the error goes up and the subscriber seeks back, so the record comes
            # again; a producer in a fatal state is replaced first so that the next try can succeed.
            if is_fatal_producer_error(exc) and hasattr(self._producer, "replace"):
                with contextlib.suppress(Exception):
                    await self._producer.replace(generation)
            raise
        log.error(
            "event dead-lettered",
            extra={
                "fields": {
                    "consumer": self.name,
                    "topic": record.topic,
                    "partition": record.partition,
                    "offset": record.offset,
                    "reason": reason[:500],
                }
            },
        )
        return Outcome.DEAD_LETTERED
