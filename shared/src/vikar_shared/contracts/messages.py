"""The full message of each event type: the common envelope with ``data`` typed as the event's payload."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, Literal, cast
from uuid import UUID

from pydantic import Field, create_model

from vikar_shared.events.envelope import Envelope, EventData


@cache
def message_model(event: type[EventData]) -> type[Envelope]:
    """A pydantic model of what travels on the topic for ``event``.

    ``id`` and ``occurred_at`` are required here although ``Envelope`` has defaults for them: the
    defaults only help build envelopes in code, every message on the wire carries both, and the
    inbox deduplicates on ``id``.
    """
    literal = cast(Any, Literal)
    model = create_model(
        f"{event.__name__}Message",
        __base__=Envelope,
        __doc__=f"`{event.event_type}` version {event.event_version} on topic `{event.topic}`.",
        id=(UUID, Field(description="Unique per event; consumers deduplicate on it")),
        type=(literal[event.event_type], ...),
        version=(literal[event.event_version], ...),
        occurred_at=(datetime, Field(description="When the state change committed (UTC)")),
        data=(event, ...),
    )
    return model


def message_schema(event: type[EventData]) -> dict[str, Any]:
    """The JSON Schema a reader of ``event`` validates against (pydantic validation mode)."""
    return message_model(event).model_json_schema(mode="validation")


def snapshot_name(event: type[EventData]) -> str:
    return f"{event.event_type}.v{event.event_version}.json"
