"""The consultant digest (issue 14): one weekly (Monday 07:00) or on-demand mail per consultant listing the
follow-ups they owe, their openings past the follow-up deadline (both from placement), the hours pending approval
longer than the reminder ladder's last step and their active placements without hours for 14 days (notifications'
own read models). Names only: never a CPR number, a note or case history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

WEEKLY = "weekly"
NO_HOURS_DAYS = 14
_NAMESPACE = uuid.UUID("5d0c7c1e-7a59-4f7b-9a57-6f1b1f0e1d14")


def digest_event_id(consultant_id: str, week: str, occasion: str = WEEKLY) -> uuid.UUID:
    """The mail's idempotency key: uuid5 of consultant and week (and the day of an on-demand request), so a
    rebuild after a crash is the same mail with the same Message-ID."""
    name = f"{consultant_id}|{week}" if occasion == WEEKLY else f"{consultant_id}|{week}|{occasion}"
    return uuid.uuid5(_NAMESPACE, name)


def iso_week(day: date) -> str:
    """``2026-W49``."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


@dataclass(frozen=True)
class DigestRequest:
    id: int
    consultant_id: str
    week: str
    occasion: str
    attempts: int


@dataclass(frozen=True)
class FollowUpLine:
    citizen_name: str
    company_name: str
    activity_type: str
    due_on: date
    overdue: bool


@dataclass(frozen=True)
class OpeningLine:
    company_name: str
    job_category: str
    follow_up_due_on: date


@dataclass(frozen=True)
class PendingLine:
    """Hours awaiting approval longer than the company's ladder: per citizen and week, minutes summed."""

    citizen_name: str
    week: str
    minutes: int
    working_days: int
    submitted_at: datetime


@dataclass(frozen=True)
class QuietPlacement:
    citizen_name: str
    last_work_date: date | None


@dataclass(frozen=True)
class Digest:
    consultant_id: str
    week: str
    follow_ups: list[FollowUpLine]
    openings: list[OpeningLine]
    pending: list[PendingLine]
    quiet: list[QuietPlacement]

    @property
    def empty(self) -> bool:
        return not (self.follow_ups or self.openings or self.pending or self.quiet)
