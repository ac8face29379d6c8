"""Events published by the notifications service on ``notifications.events`` (issue 14).

None carries a CPR number, a mail body or a credential.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from vikar_shared.events.envelope import EventData

TOPIC = "notifications.events"


class DueEntry(BaseModel):
    """One entry a deemed-approval request names, at the version the reminder run saw (timesheet's
    ``entries.version``: 1 when first submitted, then ``EntryChanged.version``, or ``SubmittedEntry.version``
    when submitted again)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    entry_id: UUID
    version: int = Field(ge=1)


class DeemedApprovalDue(EventData):
    """A company opted in to deemed approval and its deadline passed (issue 14): the notifications service's
    reminder run asks timesheet to approve, as *deemed approved*, the listed entries that are still pending
    at the listed version (an entry changed or decided since has another version and is left alone; the next
    run asks again about a changed one at its new version). Versions, not timestamps: nothing compares two
    services' clocks.
    Timesheet answers with ``timesheet.entry_approved`` (``status_reason`` ``deemed_approved``) per entry and
    one ``timesheet.entries_deemed_approved``. Keyed by ``company_id``; the same run never asks twice
    (its slot is claimed once), and timesheet's inbox makes a redelivery harmless."""

    event_type = "notifications.deemed_approval_due"
    event_version = 1
    topic = TOPIC

    company_id: UUID
    entries: list[DueEntry] = Field(min_length=1)
    decided_at: datetime
    working_days: int = Field(ge=1, description="The company's deemed-approval deadline in working days")
