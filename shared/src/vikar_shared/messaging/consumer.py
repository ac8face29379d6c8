"""The idempotent consumer: inbox claim and effects in one transaction, bounded retries, dead letters.

The Kafka offset is committed by the subscriber only after ``handle`` returns, i.e. after the
transaction committed (FastStream ``AckPolicy.NACK_ON_ERROR``). If ``handle`` itself fails (the
dead-letter topic cannot be reached), the subscriber seeks back and the record comes again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from pydantic import ValidationError

from vikar_shared import inbox, tracing
from vikar_shared.db import transaction
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.registry import model_for
from vikar_shared.logging import correlation_id_var
from vikar_shared.messaging.kafka import dead_letter_topic
from vikar_shared.metrics import count_event
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
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


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
        outcome = await self._handle(record)
        count_event(self.name, outcome.value)  # vikar_consumer_events_total (vikar_shared.metrics)
        return outcome

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
                async with transaction(self._pool) as conn:
                    if not await inbox.claim(conn, self.name, envelope):
                        return Outcome.DUPLICATE
                    await handler(conn, envelope, data)
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
