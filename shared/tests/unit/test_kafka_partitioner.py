"""The relay's producer partitions as aiokafka's default (murmur2), only with the key hashes cached."""

from __future__ import annotations

import uuid

from aiokafka.partitioner import DefaultPartitioner

from vikar_shared.messaging.kafka import cached_partitioner, make_producer


def test_same_partition_as_the_default_partitioner_for_every_key_and_partition_count() -> None:
    default = DefaultPartitioner()
    keys = [str(uuid.UUID(int=i * 7919)).encode() for i in range(300)] + [b"", b"a", b"ab", b"abc", b"abcd"]
    for count in (1, 2, 3, 7, 12):
        partitions = list(range(count))
        for key in keys:
            expected = default(key, partitions, partitions)
            assert cached_partitioner(key, partitions, partitions) == expected
            assert cached_partitioner(key, partitions, partitions) == expected  # from the cache


def test_a_record_without_key_goes_to_an_available_partition() -> None:
    assert cached_partitioner(None, [0, 1, 2], [2]) == 2


async def test_the_services_producers_use_it() -> None:
    producer = make_producer("127.0.0.1:9092", "test")  # not started: no broker needed
    assert producer._partitioner is cached_partitioner
