"""The AsyncAPI 3 document of every topic: who publishes which event versions, which groups consume them.

    uv run python -m vikar_shared.contracts.asyncapi [--check] [--out shared/asyncapi.yaml]

The messages are the full envelopes (``contracts.messages``), the same schemas as the snapshots.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Union

import yaml
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from vikar_shared.contracts.export import SHARED_DIR
from vikar_shared.contracts.messages import message_model
from vikar_shared.events import invoicing, notifications, placement, timesheet
from vikar_shared.events.registry import EVENT_TYPES, TOPICS
from vikar_shared.messaging.kafka import make_broker

DOCUMENT = SHARED_DIR / "asyncapi.yaml"
SERVER = "kafka:9092"

# topic -> (producing service, Kafka key)
PRODUCERS: dict[str, tuple[str, str]] = {
    placement.TOPIC: (
        "placement",
        "the aggregate id (company, referral, placement, municipality; the kept citizen of a merge)",
    ),
    timesheet.TOPIC: ("timesheet", "the placement id, so every entry of one placement stays in order"),
    invoicing.TOPIC: ("invoicing", "the company or municipality id"),
    notifications.TOPIC: ("notifications", "the company id"),
}


@dataclass(frozen=True)
class ConsumerGroup:
    name: str
    topics: tuple[str, ...]
    description: str


# Mirrors the ConsumerSpecs of the services (shared imports no service, so they are named here).
CONSUMER_GROUPS: tuple[ConsumerGroup, ...] = (
    ConsumerGroup(
        "timesheet.placements", (placement.TOPIC,), "Placements and citizen merges, to check submitted hours against"
    ),
    ConsumerGroup(
        "invoicing.placements",
        (placement.TOPIC,),
        "Placements, terms, companies and citizen merges, to price and bill hours; employee numbers, for the pay side",
    ),
    ConsumerGroup(
        "invoicing.approvals",
        (timesheet.TOPIC,),
        "Approved hours, to accrue invoice and co-financing; submitted, changed and rejected hours not approved, "
        "for the pay close",
    ),
    ConsumerGroup("notifications.companies", (placement.TOPIC,), "Companies and their approvers, to address e-mails"),
    ConsumerGroup("notifications.hours", (timesheet.TOPIC,), "Submitted hours, mailed to the company's approvers"),
    # Issue 14 (part B): the parties' mails.
    ConsumerGroup(
        "notifications.invoicing",
        (invoicing.TOPIC,),
        "Invoices, credit notes, failed payments, payment reminders and statements, mailed to the company's billing "
        "contact, finance and the municipality's statement contacts; a payment cancels unsent reminders",
    ),
)


def payload_type(topics: Sequence[str]) -> Any:
    """Every event version on ``topics``; one topic carries several types, and old and new versions side by side."""
    models = tuple(message_model(e) for e in EVENT_TYPES if e.topic in topics)
    return models[0] if len(models) == 1 else Union[models]  # noqa: UP007 - a runtime-built union


def build_broker() -> KafkaBroker:
    broker = make_broker(SERVER, "vikarmodel-asyncapi")
    for topic in TOPICS:
        source, key = PRODUCERS[topic]
        broker.publisher(
            topic,
            title=f"{topic}:publish",
            schema=payload_type([topic]),
            description=(
                f"Written by the {source} service's outbox relay (acks=all, idempotent producer). Kafka key: {key}."
            ),
        )
    for group in CONSUMER_GROUPS:

        async def consume(message: Any) -> None:
            """Documentation only: the services bind their own handlers through the inbox consumer."""

        # FastStream reads the message schema from the handler's annotation.
        consume.__annotations__ = {"message": payload_type(group.topics), "return": None}
        broker.subscriber(
            *group.topics,
            group_id=group.name,
            title=f"{group.name}:consume",
            description=(
                f"Consumer group {group.name}: {group.description}. Offsets commit after the inbox transaction; "
                "unknown types are skipped and counted; a failing event goes to the dead-letter topic "
                f"{group.name}.dlq after bounded retries."
            ),
        )(consume)
    return broker


def document() -> dict[str, Any]:
    spec = AsyncAPI(
        build_broker(),
        title="Vikarmodel events",
        version=version("vikar-shared"),
        description="Event topics of the Vikarmodel services. Every message is the common JSON envelope.",
    ).to_specification()
    doc: dict[str, Any] = spec.to_jsonable()
    # FastStream assumes the correlation id travels in a header; ours is a field of the envelope.
    for message in doc.get("components", {}).get("messages", {}).values():
        message["correlationId"] = {"location": "$message.payload#/correlation_id"}
    # FastStream keeps subscribers in a WeakSet: sort what it emits so the file is reproducible.
    for section in (doc, doc.get("components", {})):
        for name in ("channels", "operations", "messages", "schemas"):
            if name in section:
                section[name] = dict(sorted(section[name].items()))
    return {"asyncapi": doc.pop("asyncapi"), **doc}


def render() -> str:
    return "# Generated by `python -m vikar_shared.contracts.asyncapi`; do not edit.\n" + yaml.safe_dump(
        document(), sort_keys=False, allow_unicode=True
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vikar_shared.contracts.asyncapi", description="AsyncAPI document")
    parser.add_argument("--check", action="store_true", help="verify only; exit 1 when the file is not current")
    parser.add_argument("--out", type=Path, default=DOCUMENT, help="document path (default: %(default)s)")
    args = parser.parse_args(argv)
    text = render()
    current = args.out.read_text(encoding="utf-8") if args.out.exists() else None
    if args.check:
        if current != text:
            state = "missing" if current is None else "stale"
            print(f"{args.out}: {state}; run python -m vikar_shared.contracts.asyncapi", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
