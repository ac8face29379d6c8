"""Events published by the timesheet service on ``timesheet.events``.

Key: the placement id, so every entry of one placement arrives in order.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from vikar_shared.events.envelope import EventData

TOPIC = "timesheet.events"


class SubmittedEntry(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    entry_id: UUID
    work_date: date
    minutes: int
    corrects_entry_id: UUID | None = None


class HoursSubmitted(EventData):
    """One consultant request that submitted one or more entries for one placement."""

    event_type = "timesheet.hours_submitted"
    event_version = 1
    topic = TOPIC

    submission_id: UUID
    placement_id: UUID
    company_id: UUID
    citizen_name: str
    submitted_by: str
    entries: list[SubmittedEntry]


class EntryApproved(EventData):
    event_type = "timesheet.entry_approved"
    event_version = 1
    topic = TOPIC

    entry_id: UUID
    placement_id: UUID
    company_id: UUID
    work_date: date
    minutes: int
    approved_by: str
    approved_at: datetime
    corrects_entry_id: UUID | None = None


class EntryRejected(EventData):
    event_type = "timesheet.entry_rejected"
    event_version = 1
    topic = TOPIC

    entry_id: UUID
    placement_id: UUID
    company_id: UUID
    work_date: date
    minutes: int
    reason: str
    rejected_by: str
    rejected_at: datetime


class LoginLinkRequested(EventData):
    """An approver asked for a portal login link; notifications e-mails it. The link is single use
    and expires within minutes, which bounds what its copy on the topic is worth."""

    event_type = "timesheet.login_link_requested"
    event_version = 1
    topic = TOPIC

    request_id: UUID
    company_id: UUID
    email: str
    link: str
    expires_at: datetime
    locale: str = "da"
