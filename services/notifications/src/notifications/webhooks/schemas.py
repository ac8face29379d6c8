"""HTTP shapes of webhook endpoints and deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from notifications.webhooks.models import EVENT_TYPES, Attempt, Delivery, DeliveryStatus, DisabledReason, Endpoint
from vikar_shared.types.text import NAME_MAX, SingleLine

Description = Annotated[str, SingleLine(NAME_MAX)]
_TYPES = ", ".join(EVENT_TYPES)


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field (e.g. a secret) is refused, not ignored

    url: str = Field(
        min_length=1,
        max_length=2000,
        description="Where to POST: https and a public address (http and private addresses only where the "
        "setting allows them: development and test)",
    )
    event_types: list[str] = Field(max_length=20, description=f"At least one of: {_TYPES}")
    description: Description | None = Field(default=None, description="What receives it, e.g. the finance system")


class EndpointPatch(BaseModel):
    """Only the fields given change; ``enabled: true`` starts a fresh failure window. ``url``, ``event_types``
    and ``enabled`` may be left out but not null (422 rule ``not-null``)."""

    model_config = ConfigDict(extra="forbid")  # an unknown field (e.g. a secret) is refused, not ignored

    url: str | None = Field(default=None, min_length=1, max_length=2000)
    event_types: list[str] | None = Field(default=None, max_length=20, description=f"At least one of: {_TYPES}")
    description: Description | None = None
    enabled: bool | None = None

    @field_validator("url", "event_types", "enabled", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise PydanticCustomError("not-null", "may be left out, but not null")
        return value


class EndpointOut(BaseModel):
    id: uuid.UUID
    url: str
    description: str | None
    event_types: list[str]
    enabled: bool
    disabled_reason: DisabledReason | None = Field(
        description="finance: switched off through the API; failing: no successful delivery for the failure window"
    )
    disabled_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    last_success_at: datetime | None
    failing_since: datetime | None = Field(description="First failed attempt since the last success (null: none)")

    @classmethod
    def of(cls, endpoint: Endpoint) -> EndpointOut:
        return cls.model_validate(
            {**endpoint.__dict__, "event_types": list(endpoint.event_types)},
        )


class EndpointWithSecret(EndpointOut):
    secret: str | None = Field(
        description="The signing secret (Standard Webhooks, whsec_ and base64): shown only in this answer; "
        "null when an Idempotency-Key replays the answer (the secret is never stored in clear: rotate it)"
    )

    @classmethod
    def with_secret(cls, endpoint: Endpoint, secret: str | None) -> EndpointWithSecret:
        return cls.model_validate({**EndpointOut.of(endpoint).model_dump(), "secret": secret})


class EndpointList(BaseModel):
    items: list[EndpointOut]


class AttemptOut(BaseModel):
    attempted_at: datetime
    status_code: int | None = Field(description="The receiver's HTTP status (null: no answer)")
    error: str | None = Field(description="Why it failed (null: delivered)")
    duration_ms: int


class DeliveryOut(BaseModel):
    id: int
    endpoint_id: uuid.UUID
    event_id: uuid.UUID = Field(description="The webhook-id header: the same on every redelivery")
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    last_status_code: int | None
    last_error: str | None

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls.model_validate(delivery, from_attributes=True)


class DeliveryDetail(DeliveryOut):
    log: list[AttemptOut] = Field(description="Every attempt, oldest first")

    @classmethod
    def detail(cls, delivery: Delivery, attempts: list[Attempt]) -> DeliveryDetail:
        return cls.model_validate(
            {
                **DeliveryOut.of(delivery).model_dump(),
                "log": [AttemptOut.model_validate(a, from_attributes=True) for a in attempts],
            }
        )


class DeliveryList(BaseModel):
    items: list[DeliveryOut]
