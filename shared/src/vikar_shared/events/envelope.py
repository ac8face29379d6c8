"""The one envelope every event travels in.

``traceparent`` (optional, additive) carries the W3C Trace Context of the request or event that wrote the
event (``00-<trace id: 32 hex>-<parent span id: 16 hex>-<flags: 2 hex>``), so a trace goes on from HTTP
through the outbox and Kafka into every consumer (:mod:`vikar_shared.tracing`). A reader that gets a value
not matching :data:`TRACEPARENT_PATTERN` drops it (the event is handled as one without a trace context, as
the W3C recommendation says of an invalid ``traceparent``) instead of refusing the event for its telemetry.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidatorFunctionWrapHandler, field_validator

# W3C Trace Context ``traceparent``: version, trace id, parent span id, flags (lower-case hex).
TRACEPARENT_PATTERN = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"


class EventData(BaseModel):
    """Base for event payloads. Readers are tolerant: unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    event_type: ClassVar[str]
    event_version: ClassVar[int]
    topic: ClassVar[str]
    # True for an event that carries something that must not outlive its delivery (e.g. a sealed
    # credential): the outbox relay deletes its row as soon as Kafka acknowledged it.
    purge_after_publish: ClassVar[bool] = False


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: UUID = Field(default_factory=uuid4)
    type: str
    version: int
    source: str
    subject: str = Field(description="Id of the aggregate the event is about")
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str | None = None
    causation_id: str | None = None
    traceparent: str | None = Field(
        default=None,
        pattern=TRACEPARENT_PATTERN,
        description="W3C Trace Context traceparent of the span that wrote the event (optional; "
        "an invalid value is ignored by readers)",
    )
    data: dict[str, Any]

    @field_validator("traceparent", mode="wrap")
    @classmethod
    def _invalid_trace_context_is_none(cls, value: object, handler: ValidatorFunctionWrapHandler) -> str | None:
        """Telemetry never costs an event: a malformed ``traceparent`` is dropped, not a validation error."""
        try:
            checked: str | None = handler(value)
        except ValidationError:
            return None
        return checked

    @classmethod
    def wrap(
        cls,
        data: EventData,
        *,
        source: str,
        subject: object,
        correlation_id: str | None = None,
        causation_id: str | None = None,
        occurred_at: datetime | None = None,
        traceparent: str | None = None,
    ) -> Envelope:
        return cls(
            type=data.event_type,
            version=data.event_version,
            source=source,
            subject=str(subject),
            occurred_at=occurred_at or datetime.now(UTC),
            correlation_id=correlation_id,
            causation_id=causation_id,
            traceparent=traceparent,
            data=data.model_dump(mode="json"),
        )

    @property
    def qualified_type(self) -> str:
        return f"{self.type}.v{self.version}"
