"""Binds EventConsumers to FastStream subscribers with an explicit, commit-after-handling ack policy."""

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


async def _raw_body(message: StreamMessage[Any]) -> bytes:
    """Hands the handler the record's bytes untouched: parsing (and dead-lettering what does not
    parse) is the EventConsumer's job, so a malformed record can never loop in the framework."""
    return message.body


@dataclass(frozen=True)
class ConsumerSpec:
    """A named consumer group: the topics it reads and a handler per event type."""

    name: str
    topics: Sequence[str]
    handlers: Mapping[type[EventData], Handler]
    description: str = ""


def bind(broker: KafkaBroker, spec: ConsumerSpec, consumer: Callable[[], EventConsumer], namespace: str = "") -> None:
    """Registers one subscriber. ``consumer`` is looked up per message (it exists once the pool is open)."""

    async def on_record(body: bytes, message: KafkaMessage) -> None:
        raw = message.raw_message
        assert not isinstance(raw, tuple)
        await consumer().handle(Record(raw.topic, raw.partition, raw.offset, raw.key, raw.value or b""))

    on_record.__doc__ = spec.description or f"Consumer group {spec.name}"
    broker.subscriber(
        *(namespace + t for t in spec.topics),
        group_id=namespace + spec.name,
        # Commit only after handle() returned, i.e. after the inbox transaction committed; on an
        # exception seek back so the record is delivered again (at-least-once, never at-most-once).
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        decoder=_raw_body,
        title=f"{spec.name}:consume",
        description=spec.description,
    )(on_record)


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
