"""Binds EventConsumers to FastStream batch subscribers with an explicit, commit-after-handling ack policy.

Each subscriber fetches up to ``max_records`` records at once (``getmany``: what has arrived, waiting at
most ``batch_timeout_ms`` when nothing has) and hands them to :meth:`EventConsumer.handle_batch`, which
applies them in one database transaction. FastStream (``AckPolicy.NACK_ON_ERROR``) commits the
consumer's offsets only after that returned; when it raises, FastStream seeks every partition of the
batch back to its first record, so nothing fetched is skipped (checked against the real broker by
``shared/tests/integration/test_batch_consumer.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.message import StreamMessage

from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.registry import TOPICS
from vikar_shared.messaging.consumer import EventConsumer, Handler, Record

MAX_RECORDS = 500
"""Default most records per batch (one transaction); ``ServiceSettings.consumer_batch_max_records``."""
BATCH_TIMEOUT_MS = 50
"""Default longest wait (ms) for a first record when none has arrived; ``consumer_batch_timeout_ms``."""


async def _raw_body(message: StreamMessage[Any]) -> Any:
    """Hands the handler the records' bytes untouched: parsing (and dead-lettering what does not
    parse) is the EventConsumer's job, so a malformed record can never loop in the framework."""
    return message.body


@dataclass(frozen=True)
class ConsumerSpec:
    """A named consumer group: the topics it reads and a handler per event type."""

    name: str
    topics: Sequence[str]
    handlers: Mapping[type[EventData], Handler]
    description: str = ""


def bind(
    broker: KafkaBroker,
    spec: ConsumerSpec,
    consumer: Callable[[], EventConsumer],
    namespace: str = "",
    *,
    max_records: int = MAX_RECORDS,
    batch_timeout_ms: int = BATCH_TIMEOUT_MS,
) -> None:
    """Registers one batch subscriber for ``spec`` (group ``namespace + spec.name``). ``consumer`` is
    looked up per batch (it exists once the pool is open). ``max_records`` ≥ 1 bounds a batch;
    ``batch_timeout_ms`` is how long a fetch waits when no record has arrived."""

    async def on_batch(bodies: Any, message: KafkaMessage) -> None:
        raw = message.raw_message
        records = raw if isinstance(raw, tuple) else (raw,)
        await consumer().handle_batch([Record(r.topic, r.partition, r.offset, r.key, r.value or b"") for r in records])

    on_batch.__doc__ = spec.description or f"Consumer group {spec.name}"
    broker.subscriber(
        *(namespace + t for t in spec.topics),
        group_id=namespace + spec.name,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
        # Commit only after handle_batch() returned, i.e. after the inbox transaction committed; on an
        # exception seek back so the records are delivered again (at-least-once, never at-most-once).
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        decoder=_raw_body,
        title=f"{spec.name}:consume",
        description=spec.description,
    )(on_batch)


def declare_publishers(broker: KafkaBroker, source: str, topics: Sequence[str] = TOPICS) -> None:
    """Declares the topics a service publishes on (through its outbox relay) for the AsyncAPI document."""
    for topic in topics:
        if topic.startswith(source + "."):
            broker.publisher(
                topic,
                title=f"{topic}:publish",
                schema=Envelope,
                description=f"Events of the {source} service, in the common envelope, keyed by aggregate id",
            )
