"""Lists and replays dead letters: ``vikar-dlq list|replay --consumer invoicing.accruals``.

Replay publishes the original bytes back onto the original topic with the original key; every
consumer deduplicates on the event id, so a replay never counts anything twice.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer
from pydantic_settings import BaseSettings, SettingsConfigDict

from vikar_shared.messaging.kafka import dead_letter_topic, make_producer, topic_partitions


class DlqSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIKAR_", extra="ignore")
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_namespace: str = ""


def _header(headers: Iterable[tuple[str, bytes]], name: str) -> str:
    return next((v.decode() for k, v in headers if k == name), "")


async def _read_all(bootstrap: str, topic: str) -> list[tuple[int, int, bytes | None, bytes, list[tuple[str, bytes]]]]:
    tps = await topic_partitions(bootstrap, topics=[topic])
    if not tps:
        return []
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        out = []

        async def behind() -> bool:
            return any([await consumer.position(tp) < end[tp] for tp in tps])

        while await behind():
            batch = await consumer.getmany(timeout_ms=1000)
            for tp, records in batch.items():
                for r in records:
                    if r.offset < end[tp]:
                        out.append((r.partition, r.offset, r.key, r.value or b"", list(r.headers)))
        return out
    finally:
        await consumer.stop()


async def run(
    command: str, consumer_name: str, letters_wanted: set[tuple[int, int]] | None, settings: DlqSettings
) -> int:
    topic = settings.kafka_namespace + dead_letter_topic(consumer_name)
    letters = await _read_all(settings.kafka_bootstrap, topic)
    if command == "list":
        for partition, offset, _key, _value, headers in letters:
            print(f"{partition}:{offset}\t{_header(headers, 'x-original-topic')}\t{_header(headers, 'x-error')[:200]}")
        print(f"{len(letters)} dead letter(s) on {topic}")
        return 0
    producer = make_producer(settings.kafka_bootstrap, "vikar-dlq")
    await producer.start()
    replayed = 0
    try:
        for partition, offset, key, value, headers in letters:
            if letters_wanted is not None and (partition, offset) not in letters_wanted:
                continue
            original = _header(headers, "x-original-topic")
            await producer.send_and_wait(original, value=value, key=key, headers=[("x-replayed-from", topic.encode())])
            replayed += 1
    finally:
        await producer.stop()
    print(f"replayed {replayed} dead letter(s) from {topic}")
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="vikar-dlq", description="List or replay a consumer's dead letters")
    parser.add_argument("command", choices=["list", "replay"])
    parser.add_argument("--consumer", required=True, help="consumer group name, e.g. invoicing.accruals")
    parser.add_argument(
        "--letter",
        action="append",
        metavar="PARTITION:OFFSET",
        help="replay only these dead letters (as printed by list); default all",
    )
    args = parser.parse_args(argv)
    wanted = {(int(p), int(o)) for p, o in (x.split(":", 1) for x in args.letter)} if args.letter else None
    raise SystemExit(asyncio.run(run(args.command, args.consumer, wanted, DlqSettings())))


if __name__ == "__main__":
    main()
