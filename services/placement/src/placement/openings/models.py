"""Job opening rules: statuses, hand-over reasons and the follow-up deadline in working days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal
from uuid import UUID

from vikar_shared.calendar import WorkingDayCalendar
from vikar_shared.errors import DomainError, conflict, invalid

OpeningStatus = Literal["open", "filled", "handed_over", "withdrawn"]
HandOverReason = Literal["no_candidate", "needs_skills", "too_many_hours"]
MAX_MINUTES_PER_WEEK = 7 * 24 * 60


@dataclass(frozen=True)
class FollowUpRule:
    """An open opening is followed up within ``working_days`` working days of the shared calendar
    (``vikar_shared.calendar``: weekends, Danish public holidays and the agency's closed days skipped;
    issue 14), counted from its report or its latest follow-up."""

    working_days: int
    calendar: WorkingDayCalendar


def follow_up_due_on(reported_on: date, followed_up_on: date | None, rule: FollowUpRule) -> date:
    """The last day to follow up: ``rule.working_days`` working days after the report or the latest follow-up."""
    return rule.calendar.add_working_days(followed_up_on or reported_on, rule.working_days)


def is_overdue(status: str, reported_on: date, followed_up_on: date | None, rule: FollowUpRule, today: date) -> bool:
    """Only an open opening waits for a follow-up; it is overdue the day after its due day."""
    return status == "open" and today > follow_up_due_on(reported_on, followed_up_on, rule)


def check_contact(phone: str | None, email: str | None) -> None:
    if not phone and not email:
        raise invalid("contact", "phone-or-email", "A contact needs a phone number or an e-mail address")


def require_open(status: str) -> None:
    if status != "open":
        raise not_open(status)


def not_open(status: str) -> DomainError:
    return conflict("opening-not-open", f"The opening is {status}; only an open opening can change status")


@dataclass(frozen=True)
class Opening:
    id: UUID
    company_id: UUID
    job_category: str
    tasks: str
    hours_per_week_minutes: int
    contact_name: str
    contact_phone: str | None
    contact_email: str | None
    wished_start: date | None
    status: OpeningStatus
    handed_over_reason: HandOverReason | None
    municipality_id: UUID | None
    reported_on: date
    followed_up_on: date | None


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class OpeningInput:
    """An opening as reported (texts not yet stripped; ``company_id`` None: the reporter's own company)."""

    company_id: UUID | None
    job_category: str
    tasks: str
    hours_per_week_minutes: int
    contact: Contact
    wished_start: date | None = None


@dataclass(frozen=True)
class FollowUp:
    id: UUID
    followed_up_on: date
    recorded_by: str
    note: str | None
