"""Kafka clients with the delivery settings spelled out; library defaults are not trusted here.

aiokafka defaults to acks=1 without idempotence, and FastStream's default ack policy commits the
offset before the handler runs. Both would lose events on a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.partitioner import DefaultPartitioner, murmur2
from faststream.kafka import KafkaBroker

from vikar_shared.transient import RateLimitFilter

log = logging.getLogger(__name__)

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


# aiokafka's loggers that repeat a line per reconnect attempt while a broker is down.
CLIENT_LOGGERS = (
    "aiokafka",
    "aiokafka.client",
    "aiokafka.conn",
    "aiokafka.cluster",
    "aiokafka.producer.producer",
    "aiokafka.producer.sender",
    "aiokafka.consumer.consumer",
    "aiokafka.consumer.fetcher",
    "aiokafka.consumer.group_coordinator",
)
_client_log_filter = RateLimitFilter(every=10.0)


def limit_client_logging() -> None:
    """Rate-limits aiokafka's own log lines: each distinct line at most once per 10 s, with the count of
    those dropped (idempotent; called by :func:`make_producer` and :func:`make_broker`)."""
    for name in CLIENT_LOGGERS:
        logger = logging.getLogger(name)
        if _client_log_filter not in logger.filters:
            logger.addFilter(_client_log_filter)


@functools.lru_cache(maxsize=65_536)
def _key_hash(key: bytes) -> int:
    hashed: int = murmur2(key)
    return hashed & 0x7FFFFFFF


_DEFAULT_PARTITIONER = DefaultPartitioner()


def cached_partitioner(key: bytes | None, all_partitions: Sequence[int], available: Sequence[int]) -> int:
    """aiokafka's default partitioner (the Java client's murmur2 of the key, modulo the partition count;
    a random available partition for no key), with each key's hash cached (≤ 65,536 keys, least
    recently used dropped): aiokafka's murmur2 is pure Python (~7 µs a key) and the relay sends many
    records per key (HoursAccrued is keyed by company). Same partition for the same key as the default,
    so per-key order and co-partitioning with other clients are unchanged."""
    if key is None:
        partition: int = _DEFAULT_PARTITIONER(key, all_partitions, available)
        return partition
    return all_partitions[_key_hash(key) % len(all_partitions)]


def make_producer(bootstrap: str, client_id: str) -> AIOKafkaProducer:
    limit_client_logging()
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap, client_id=client_id, partitioner=cached_partitioner, **PRODUCER_SETTINGS
    )


class ReplaceableProducer:
    """The process's producer, replaced when it reaches a state it never leaves by itself.

    An idempotent producer that got ``OutOfOrderSequenceNumber``, ``ProducerFenced`` or
    ``UnknownProducerId`` (e.g. after the broker was stopped and started) fails every later send until
    it is closed; :meth:`replace` stops it and starts a new one from :func:`make_producer`. ``send``,
    ``send_and_wait``, ``client``, ``start`` and ``stop`` are the current producer's, so the relay, the
    consumers' dead letters and readiness use it like an ``AIOKafkaProducer``. ``generation`` counts the
    replacements; ``replace(seen)`` with an older generation than the current does nothing, so two
    callers that saw the same failure replace it once."""

    def __init__(self, bootstrap: str, client_id: str) -> None:
        self._bootstrap, self._client_id = bootstrap, client_id
        self.current: AIOKafkaProducer = make_producer(bootstrap, client_id)
        self.generation = 0
        self._lock = asyncio.Lock()
        self._needs_start = False

    @property
    def client(self) -> Any:
        return self.current.client

    async def start(self) -> None:
        await self.current.start()

    async def stop(self) -> None:
        await self.current.stop()

    async def _started(self) -> AIOKafkaProducer:
        """The current producer, started first if a replacement could not start (broker still down)."""
        if self._needs_start:
            async with self._lock:
                if self._needs_start:
                    await self._start_current()
        return self.current

    async def _start_current(self) -> None:
        """Starts ``current``; if it cannot (broker down) it is closed and a fresh one waits to start."""
        try:
            await self.current.start()
        except BaseException:
            failed, self.current = self.current, make_producer(self._bootstrap, self._client_id)
            with contextlib.suppress(Exception):
                await failed.stop()
            raise
        self._needs_start = False

    async def send(self, topic: str, *args: Any, **kwargs: Any) -> Any:
        return await (await self._started()).send(topic, *args, **kwargs)

    async def send_and_wait(self, topic: str, *args: Any, **kwargs: Any) -> Any:
        return await (await self._started()).send_and_wait(topic, *args, **kwargs)

    async def replace(self, seen: int | None = None) -> None:
        """Closes the current producer and starts a new one (unless another caller already replaced
        the generation ``seen``). Raises what ``start`` raises if the broker is unreachable; the next
        send then fails and the caller retries."""
        async with self._lock:
            if seen is not None and seen != self.generation:
                return
            old, self.current = self.current, make_producer(self._bootstrap, self._client_id)
            self.generation += 1
            log.warning("kafka producer replaced", extra={"fields": {"generation": self.generation}})
            self._needs_start = True
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5):
                    await old.stop()
            await self._start_current()


def make_broker(bootstrap: str, client_id: str) -> KafkaBroker:
    # Per-message "Received/Processed" lines at DEBUG; handler errors are still logged as errors.
    limit_client_logging()
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
