"""HTTP shapes of the mail outbox (read-only)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from notifications.emails.models import EmailRecord, EmailStatus


class EmailOut(BaseModel):
    id: int
    kind: str
    event_id: uuid.UUID
    recipient: str
    recipient_name: str
    subject: str
    body: str
    message_id: str
    status: EmailStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, record: EmailRecord) -> EmailOut:
        return cls(
            id=record.id,
            kind=record.kind,
            event_id=record.event_id,
            recipient=record.recipient,
            recipient_name=record.recipient_name,
            subject=record.subject,
            body=record.body,
            message_id=record.message_id,
            status=record.status,
            attempts=record.attempts,
            last_error=record.last_error,
            next_attempt_at=record.next_attempt_at,
            created_at=record.created_at,
            sent_at=record.sent_at,
        )


class EmailList(BaseModel):
    items: list[EmailOut]
