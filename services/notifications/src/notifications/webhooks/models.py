"""Webhook endpoints finance registers and the deliveries to them (issue 14, part D)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from vikar_shared.events import invoicing
from vikar_shared.events.envelope import EventData

# The invoicing events an endpoint may subscribe to, by type: every invoice, credit note, payment and statement event.
EVENTS: Mapping[str, type[EventData]] = {
    model.event_type: model
    for model in (
        invoicing.InvoiceIssued,
        invoicing.CreditNoteIssued,
        invoicing.InvoicePaid,
        invoicing.InvoicePaymentFailed,
        invoicing.InvoiceVoided,
        invoicing.PaymentReminderIssued,
        invoicing.StatementIssued,
        invoicing.CorrectionStatementIssued,
    )
}
EVENT_TYPES: tuple[str, ...] = tuple(EVENTS)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # given up after the retry schedule; a replay makes it pending again


class DisabledReason(StrEnum):
    FINANCE = "finance"  # switched off through the API
    FAILING = "failing"  # no success for the failure window


@dataclass(frozen=True)
class Endpoint:
    """A registered endpoint (without its secret)."""

    id: uuid.UUID
    url: str
    description: str | None
    event_types: tuple[str, ...]
    enabled: bool
    disabled_reason: DisabledReason | None
    disabled_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    last_success_at: datetime | None
    failing_since: datetime | None


@dataclass(frozen=True)
class Attempt:
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class Delivery:
    id: int
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    last_status_code: int | None
    last_error: str | None


@dataclass(frozen=True)
class RetrySchedule:
    """``delays[n-1]`` is the wait after the n-th failed attempt; after ``len(delays)`` failures it is given up."""

    delays: tuple[float, ...]

    def after(self, failed_attempts: int) -> timedelta | None:
        """The wait before the next attempt, None when the delivery is given up."""
        if failed_attempts > len(self.delays):
            return None
        return timedelta(seconds=self.delays[failed_attempts - 1])


def secret_context(endpoint_id: uuid.UUID) -> str:
    """The GCM associated data of an endpoint's sealed secret: a sealed value copied to another row does not open."""
    return f"vikar.webhook_secret/v1\n{endpoint_id}"
