"""An entry's history: each change as it is written (``HistoryChange``) and as it is read back
(``HistoryRecord``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from timesheet.entries.models import Entry


class HistoryAction(StrEnum):
    SUBMITTED = "submitted"
    RESUBMITTED = "resubmitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    CORRECTED = "corrected"
    # A submitted entry changed before any decision (same submission, version + 1).
    CHANGED = "changed"


@dataclass(frozen=True)
class HistoryChange:
    """One change of one entry, written in the transaction that makes it."""

    entry_id: UUID
    action: HistoryAction
    actor: str
    version: int
    work_date: date
    minutes: int
    reason: str | None = None
    submission_id: UUID | None = None
    correction_entry_id: UUID | None = None
    status_reason: str | None = None

    @classmethod
    def of(cls, entry: Entry, action: HistoryAction, actor: str) -> HistoryChange:
        """The change ``action`` leaves ``entry`` in (``entry`` is the state after it)."""
        reason = {
            HistoryAction.REJECTED: entry.rejection_reason,
            HistoryAction.SUBMITTED: entry.correction_reason,
            HistoryAction.RESUBMITTED: entry.correction_reason,
        }.get(action)
        submitted = action in (HistoryAction.SUBMITTED, HistoryAction.RESUBMITTED, HistoryAction.CHANGED)
        return cls(
            entry_id=entry.id,
            action=action,
            actor=actor,
            version=entry.version,
            work_date=entry.work_date,
            minutes=entry.minutes,
            reason=reason,
            submission_id=entry.submission_id if submitted else None,
            status_reason=entry.status_reason if action is HistoryAction.APPROVED else None,
        )

    @classmethod
    def corrected(cls, original: Entry, correction: Entry, actor: str) -> HistoryChange:
        return cls(
            entry_id=original.id,
            action=HistoryAction.CORRECTED,
            actor=actor,
            version=original.version,
            work_date=original.work_date,
            minutes=correction.minutes,
            reason=correction.correction_reason,
            correction_entry_id=correction.id,
        )


@dataclass(frozen=True)
class HistoryRecord:
    entry_id: UUID
    action: HistoryAction
    actor: str
    occurred_at: datetime
    version: int
    work_date: date
    minutes: int
    reason: str | None
    submission_id: UUID | None
    correction_entry_id: UUID | None
    status_reason: str | None = None
