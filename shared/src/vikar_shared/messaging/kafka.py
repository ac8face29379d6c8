"""Kafka clients with the delivery settings spelled out; library defaults are not trusted here.

aiokafka defaults to acks=1 without idempotence, and FastStream's default ack policy commits the
offset before the handler runs. Both would lose events on a crash.
"""

from __future__ import annotations

import contextlib
import logging

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker

PRODUCER_SETTINGS: dict[str, object] = {
    "acks": "all",
    "enable_idempotence": True,
    "linger_ms": 5,
    "request_timeout_ms": 30_000,
}

CONSUMER_SETTINGS: dict[str, object] = {
    "auto_offset_reset": "earliest",
    "max_poll_interval_ms": 300_000,
}


def make_producer(bootstrap: str, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(bootstrap_servers=bootstrap, client_id=client_id, **PRODUCER_SETTINGS)


def make_broker(bootstrap: str, client_id: str) -> KafkaBroker:
    # Per-message "Received/Processed" lines at DEBUG; handler errors are still logged as errors.
    return KafkaBroker(
        bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        logger=logging.getLogger(
            "vikar_shared.kafka"
        ),  # through the JSON handler (FastStream's own logger prints in colour)
        log_level=logging.DEBUG,
    )


def dead_letter_topic(consumer: str) -> str:
    return f"{consumer}.dlq"


async def ensure_topics(bootstrap: str, topics: list[str], partitions: int = 3) -> None:
    """Creates missing topics (the broker does not auto-create); existing ones are left alone."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        new = [NewTopic(t, num_partitions=partitions, replication_factor=1) for t in topics if t not in existing]
        if new:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(new)
    finally:
        await admin.close()


async def topic_partitions(bootstrap: str, prefix: str = "", topics: list[str] | None = None) -> list[TopicPartition]:
    """Every partition of the named topics (or of all topics starting with ``prefix``)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = topics if topics is not None else sorted(t for t in await admin.list_topics() if t.startswith(prefix))
        if not names:
            return []
        described = await admin.describe_topics(names)
        return sorted(
            (
                TopicPartition(d["topic"], p["partition"])
                for d in described
                if d["error_code"] == 0
                for p in d["partitions"]
            ),
            key=lambda tp: (tp.topic, tp.partition),
        )
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, prefix: str) -> None:
    """Deletes every topic whose name starts with ``prefix`` (test namespaces, benchmarks)."""
    if not prefix:
        raise ValueError("refusing to delete every topic")
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()
