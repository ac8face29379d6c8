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
        return cls.model_validate(record, from_attributes=True)


class EmailList(BaseModel):
    items: list[EmailOut]
