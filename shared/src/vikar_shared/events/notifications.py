"""Events published by the notifications service on ``notifications.events`` (issue 14).

None carries a CPR number, a mail body or a credential.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from vikar_shared.events.envelope import EventData

TOPIC = "notifications.events"


class DeemedApprovalDue(EventData):
    """A company opted in to deemed approval and its deadline passed (issue 14): the notifications service's
    reminder run asks timesheet to approve, as *deemed approved*, the listed entries that are still pending
    and were submitted at or before ``submitted_before`` (an entry changed or decided since is left alone).
    Timesheet answers with ``timesheet.entry_approved`` (``status_reason`` ``deemed_approved``) per entry and
    one ``timesheet.entries_deemed_approved``. Keyed by ``company_id``; the same run never asks twice
    (its slot is claimed once), and timesheet's inbox makes a redelivery harmless."""

    event_type = "notifications.deemed_approval_due"
    event_version = 1
    topic = TOPIC

    company_id: UUID
    entry_ids: list[UUID] = Field(min_length=1)
    submitted_before: datetime
    decided_at: datetime
    working_days: int = Field(ge=1, description="The company's deemed-approval deadline in working days")
