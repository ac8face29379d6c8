"""The one envelope every event travels in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field


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
    data: dict[str, Any]

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
    ) -> Envelope:
        return cls(
            type=data.event_type,
            version=data.event_version,
            source=source,
            subject=str(subject),
            occurred_at=occurred_at or datetime.now(UTC),
            correlation_id=correlation_id,
            causation_id=causation_id,
            data=data.model_dump(mode="json"),
        )

    @property
    def qualified_type(self) -> str:
        return f"{self.type}.v{self.version}"
