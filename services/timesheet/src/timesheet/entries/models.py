"""An hour entry, as proposed by its submitter and as stored, and the statuses it goes through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

DEEMED_APPROVED = "deemed_approved"
"""The status reason of an entry approved by the company's deemed-approval deadline (issue 14)."""
DEEMED_APPROVAL_ACTOR = "deemed-approval"
"""Who approved a deemed-approved entry (``decided_by``, ``EntryApproved.approved_by``)."""


class EntryStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ProposedEntry:
    work_date: date
    minutes: int


@dataclass(frozen=True)
class Entry:
    id: UUID
    submission_id: UUID
    placement_id: UUID
    company_id: UUID
    citizen_name: str
    work_date: date
    # Signed on a correction: the change it makes to the original's minutes.
    minutes: int
    status: EntryStatus
    version: int
    submitted_by: str
    submitted_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    rejection_reason: str | None
    citizen_id: UUID
    bill_rate_ore_per_hour: int
    corrects_entry_id: UUID | None = None
    correction_reason: str | None = None
    # Issue 14: why an approved entry is approved when no approver decided it (``deemed_approved``).
    status_reason: str | None = None

    @property
    def is_correction(self) -> bool:
        return self.corrects_entry_id is not None

    def decision(self) -> tuple[str, datetime]:
        """Who decided the entry and when; a submitted entry has no decision yet."""
        if self.decided_by is None or self.decided_at is None:
            raise RuntimeError(f"entry {self.id} is {self.status.value}, not decided")
        return self.decided_by, self.decided_at


@dataclass(frozen=True)
class Submission:
    """Entries submitted together for one placement."""

    submission_id: UUID
    placement_id: UUID
    entries: list[Entry]
