"""Events published by the timesheet service on ``timesheet.events``.

Key: the placement id, so every entry of one placement arrives in order.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from vikar_shared.events.envelope import EventData
from vikar_shared.sealing import Sealed

TOPIC = "timesheet.events"


class SubmittedEntry(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    entry_id: UUID
    work_date: date
    minutes: int
    corrects_entry_id: UUID | None = None
    # Issue 14: the entry's version once submitted (1 when new; higher when a rejected entry is submitted
    # again); null from producers before it. Deemed approval names an entry at its version.
    version: int | None = Field(default=None, ge=1, description="The entry's version once submitted")


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
    # Issue 14: null for an approver's approval; "deemed_approved" when the company's terms let the agency
    # approve hours left pending past the deemed-approval deadline (approved_by is then "deemed-approval").
    status_reason: str | None = Field(
        default=None, description="null: approved by an approver; deemed_approved: approved by the deadline"
    )


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


class EntryChanged(EventData):
    """A submitted entry, not yet decided, was changed (``PUT /entries/{id}`` by a consultant or an admin):
    its work date and/or minutes are now ``work_date`` / ``minutes`` (whole minutes; a correction's signed
    change), its version is ``version`` (an approval at an older version is refused). It stays
    ``submitted`` in the same submission, so this is no new submission and no new approval request:
    ``previous_work_date`` / ``previous_minutes`` are what the approvers were told before. Nothing is
    billed until ``EntryApproved``, which carries the facts as approved. ``changed_at`` is UTC."""

    event_type = "timesheet.entry_changed"
    event_version = 1
    topic = TOPIC

    entry_id: UUID
    submission_id: UUID
    placement_id: UUID
    company_id: UUID
    version: int
    work_date: date
    minutes: int
    previous_work_date: date
    previous_minutes: int
    changed_by: str
    changed_at: datetime
    corrects_entry_id: UUID | None = None


# Version 1, retired: it carried the login link in clear, so anyone reading the topic could log in.
# Nothing publishes it any more; consumers skip it (and count the skip), never mail it. Kept (with its
# docstring, which is part of the committed snapshot) so the registry knows the old messages in the log.
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


# The GCM associated data of a sealed login link: its purpose and the one mailbox it may be sent to.
LOGIN_LINK_SEAL_PURPOSE = "vikar.login_link/v2"


def login_link_seal_context(email: str) -> str:
    """What a login link is sealed for: ``"vikar.login_link/v2\n<address, trimmed, lower-cased>"``.
    Both the sealer (timesheet) and the opener (notifications) derive it from the recipient, so a
    sealed link copied into an event for another address does not open."""
    return f"{LOGIN_LINK_SEAL_PURPOSE}\n{email.strip().lower()}"


class LoginLinkRequestedV2(EventData):
    """An approver asked for a portal login link; notifications e-mails it.

    The link is **sealed** (:mod:`vikar_shared.sealing`, AES-256-GCM) with a key only timesheet and
    notifications hold (``TIMESHEET_LOGIN_LINK_SEALING_KEYS`` / ``NOTIFICATIONS_LOGIN_LINK_SEALING_KEYS``),
    bound to ``email`` by :func:`login_link_seal_context`: a reader of the topic, the outbox or a backup
    learns who asked, never a link that logs in. The outbox row is deleted once Kafka acknowledged it.
    ``expires_at`` is when the link stops working (UTC, at most an hour after the request)."""

    event_type = "timesheet.login_link_requested"
    event_version = 2
    topic = TOPIC
    purge_after_publish = True

    request_id: UUID
    company_id: UUID
    email: str
    sealed_link: Sealed
    expires_at: datetime
    locale: str = "da"


class DeemedEntry(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    entry_id: UUID
    placement_id: UUID
    citizen_name: str
    work_date: date
    minutes: int


class EntriesDeemedApproved(EventData):
    """Timesheet approved a company's entries left pending past its deemed-approval deadline (issue 14), in
    answer to ``notifications.deemed_approval_due``: each also went out as ``timesheet.entry_approved`` with
    ``status_reason`` ``deemed_approved``; this one event lets the approvers be told once. Keyed by
    ``company_id`` (one company, so not by placement). ``due_event_id``: the request it answers. ``entries``:
    only those still pending and submitted at or before the deadline's cut-off (others were decided meanwhile)."""

    event_type = "timesheet.entries_deemed_approved"
    event_version = 1
    topic = TOPIC

    company_id: UUID
    due_event_id: UUID
    deemed_approved_at: datetime
    entries: list[DeemedEntry]
