"""Submitted hours as this service keeps them: enough to tell an approver what awaits them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class SubmittedHours:
    entry_id: uuid.UUID
    work_date: date
    minutes: int


@dataclass(frozen=True)
class Submission:
    event_id: uuid.UUID
    submission_id: uuid.UUID
    placement_id: uuid.UUID
    company_id: uuid.UUID
    citizen_name: str
    entries: tuple[SubmittedHours, ...]

    @property
    def total_minutes(self) -> int:
        return sum(e.minutes for e in self.entries)

    @property
    def entries_in_date_order(self) -> tuple[SubmittedHours, ...]:
        return tuple(sorted(self.entries, key=lambda e: (e.work_date, str(e.entry_id))))
