"""Hours awaiting a company's approval, as the reminder ladder and the digest see them (issue 14)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from vikar_shared.calendar import WorkingDayCalendar
from vikar_shared.clock import agency_date


def working_days_waited(submitted_at: datetime, today: date, calendar: WorkingDayCalendar) -> int:
    """How long hours submitted at ``submitted_at`` (aware) have waited on ``today``: working days after the
    agency's date of submission up to and including ``today`` (the ladder's and the digest's one measure)."""
    return calendar.working_days_between(agency_date(submitted_at), today)


@dataclass(frozen=True)
class PendingEntry:
    """One submitted entry not yet approved or rejected; ``minutes`` whole minutes (a correction's signed change);
    ``submitted_at`` when it was submitted (a later change keeps it), aware UTC; ``version`` timesheet's version of
    the entry (``SubmittedEntry.version``, 1 when absent, then ``EntryChanged.version``)."""

    entry_id: uuid.UUID
    submission_id: uuid.UUID
    company_id: uuid.UUID
    placement_id: uuid.UUID
    citizen_name: str
    work_date: date
    minutes: int
    corrects_entry_id: uuid.UUID | None
    submitted_at: datetime
    changed_at: datetime
    version: int


@dataclass(frozen=True)
class PlacementHours:
    placement_id: uuid.UUID
    company_id: uuid.UUID
    last_work_date: date
    last_submitted_at: datetime
