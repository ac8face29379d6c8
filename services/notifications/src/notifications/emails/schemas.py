"""HTTP shapes of the mail outbox (read-only)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from notifications.emails.models import AddressFailure, EmailRecord, EmailStatus


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
    language: str
    attachments: list[str]  # file names; the documents are fetched when sending and never kept

    @classmethod
    def of(cls, record: EmailRecord) -> EmailOut:
        return cls.model_validate(record, from_attributes=True)


class EmailList(BaseModel):
    items: list[EmailOut]


class AddressFailureOut(BaseModel):
    address: str
    status: str = "failing"
    last_error: str
    failed_at: datetime
    failures: int
    last_email_id: int | None

    @classmethod
    def of(cls, failure: AddressFailure) -> AddressFailureOut:
        return cls.model_validate(failure, from_attributes=True)


class AddressFailureList(BaseModel):
    items: list[AddressFailureOut]
