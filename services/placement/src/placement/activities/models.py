"""Onboarding and retention log rules, and which follow-ups a consultant owes in a week. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from uuid import UUID

from placement.citizens.models import NameChangeRecorded, ReferralRecorded
from placement.placements.models import StatusChangeRecorded
from vikar_shared.errors import invalid
from vikar_shared.types.periods import parse_iso_week as shared_parse_iso_week

ActivityType = Literal[
    "preboarding_session",
    "cv_workshop",
    "job_cafe",
    "conversation",
    "first_day_accompanied",
    "follow_up_day_7",
    "follow_up_day_30",
    "follow_up_day_90",
    "mentor_assigned",
    "concern_raised",
    "outcome",
]
Attendance = Literal["attended", "absent", "excused"]

# Day N after the start: a placement starting on a Monday has its day-7 follow-up the next Monday.
FOLLOW_UP_DAYS: dict[str, int] = {"follow_up_day_7": 7, "follow_up_day_30": 30, "follow_up_day_90": 90}


@dataclass(frozen=True)
class ActivityInput:
    """An activity to log for a citizen (the note may be sensitive: it never leaves this service)."""

    activity_type: ActivityType
    occurred_on: date
    attendance: Attendance | None = None
    placement_id: UUID | None = None
    note: str | None = None


@dataclass(frozen=True)
class Activity:
    id: UUID
    citizen_id: UUID
    activity_type: ActivityType
    attendance: Attendance | None
    placement_id: UUID | None
    occurred_on: date
    logged_by: str
    note: str | None


@dataclass(frozen=True)
class ActivityRecorded:
    """An activity on the citizen's timeline (``note`` None where the viewer may not read it)."""

    activity_id: UUID
    activity_type: str
    attendance: str | None
    placement_id: UUID | None
    logged_by: str
    note: str | None
    occurred_on: date
    recorded_at: datetime


TimelineItem = ReferralRecorded | StatusChangeRecorded | ActivityRecorded | NameChangeRecorded


@dataclass(frozen=True)
class Timeline:
    """A citizen's case history as the viewer may see it, oldest first (same day: in the order recorded)."""

    citizen_id: UUID
    citizen_name: str
    items: list[TimelineItem]


@dataclass(frozen=True)
class WeekOfFollowUps:
    """The follow-ups a consultant owes in the ISO week ``week`` (e.g. ``2026-W48``) that starts on a Monday."""

    consultant_id: str
    week: str
    week_starts_on: date
    due: list[FollowUpDue]


def check_activity(
    activity_type: str, attendance: str | None, has_placement: bool, occurred_on: date, today: date
) -> None:
    if activity_type == "preboarding_session" and attendance is None:
        raise invalid("attendance", "required-for-preboarding", "A preboarding session records attendance")
    if activity_type != "preboarding_session" and attendance is not None:
        raise invalid("attendance", "only-for-preboarding", "Attendance is recorded for preboarding sessions only")
    if activity_type in FOLLOW_UP_DAYS and not has_placement:
        raise invalid("placement_id", "required-for-follow-up", "A follow-up names the placement it follows up")
    if occurred_on > today:
        raise invalid("occurred_on", "not-in-future", "An activity is logged after it happened")


def parse_iso_week(raw: str) -> date:
    """The Monday of an ISO week written ``2026-W48`` (``vikar_shared.types.periods``: years 2000..2100).
    Raises ``DomainError`` on ``week`` (``iso-week-invalid``, ``iso-week-out-of-range``)."""
    return shared_parse_iso_week(raw, "week").monday


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class ActivePlacement:
    placement_id: UUID
    citizen_id: UUID
    citizen_name: str
    company_id: UUID
    start_date: date
    end_date: date | None
    follow_ups_logged: frozenset[str]


@dataclass(frozen=True)
class FollowUpDue:
    placement_id: UUID
    citizen_id: UUID
    citizen_name: str
    company_id: UUID
    activity_type: str
    due_on: date
    overdue: bool


def follow_ups_due(placements: Iterable[ActivePlacement], week_monday: date) -> list[FollowUpDue]:
    """Follow-ups not yet logged that fall due in the week or before it (overdue). A milestone after
    the placement's end date is not owed."""
    week_sunday = week_monday + timedelta(days=6)
    due: list[FollowUpDue] = []
    for p in placements:
        for activity_type, days in FOLLOW_UP_DAYS.items():
            due_on = p.start_date + timedelta(days=days)
            if activity_type in p.follow_ups_logged or due_on > week_sunday:
                continue
            if p.end_date is not None and due_on > p.end_date:
                continue
            due.append(
                FollowUpDue(
                    placement_id=p.placement_id,
                    citizen_id=p.citizen_id,
                    citizen_name=p.citizen_name,
                    company_id=p.company_id,
                    activity_type=activity_type,
                    due_on=due_on,
                    overdue=due_on < week_monday,
                )
            )
    return sorted(due, key=lambda d: (d.due_on, d.citizen_name, str(d.placement_id)))
