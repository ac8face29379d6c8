"""Submitted hours as this service keeps them: enough to tell an approver what awaits them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class SubmittedHours:
    """One submitted entry: whole ``minutes`` (negative for a correction), ``corrects_entry_id`` the entry a
    correction corrects (None: ordinary hours)."""

    entry_id: uuid.UUID
    work_date: date
    minutes: int
    corrects_entry_id: uuid.UUID | None = None

    @property
    def is_correction(self) -> bool:
        return self.corrects_entry_id is not None


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
