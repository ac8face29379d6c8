"""The rules an hour entry obeys, free of I/O so they can be tested on their own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from vikar_shared.errors import Category, DomainError, FieldViolation, conflict

AGENCY_TIMEZONE = ZoneInfo("Europe/Copenhagen")

MIN_MINUTES = 15
MAX_MINUTES = 720
MINUTES_STEP = 15
MAX_ENTRIES_PER_SUBMISSION = 31


class EntryStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class Rule(StrEnum):
    """Stable codes of the entry rules; clients match on them."""

    MINUTES_OUT_OF_RANGE = "minutes-out-of-range"
    MINUTES_NOT_QUARTER_HOURS = "minutes-not-quarter-hours"
    WORK_DATE_BEFORE_PLACEMENT = "work-date-before-placement"
    WORK_DATE_AFTER_PLACEMENT = "work-date-after-placement"
    WORK_DATE_IN_FUTURE = "work-date-in-future"
    WORK_DATE_DUPLICATE = "work-date-duplicate"


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
    minutes: int
    status: EntryStatus
    version: int
    submitted_by: str
    submitted_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    rejection_reason: str | None

    def decision(self) -> tuple[str, datetime]:
        """Who decided the entry and when; a submitted entry has no decision yet."""
        if self.decided_by is None or self.decided_at is None:
            raise RuntimeError(f"entry {self.id} is {self.status.value}, not decided")
        return self.decided_by, self.decided_at


def agency_today(now: datetime) -> date:
    """The agency works on Copenhagen's calendar, whatever zone the server runs in."""
    return now.astimezone(AGENCY_TIMEZONE).date()


def minutes_rules(minutes: int) -> list[Rule]:
    broken: list[Rule] = []
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        broken.append(Rule.MINUTES_OUT_OF_RANGE)
    if minutes % MINUTES_STEP != 0:
        broken.append(Rule.MINUTES_NOT_QUARTER_HOURS)
    return broken


def work_date_rules(work_date: date, *, start_date: date, end_date: date | None, today: date) -> list[Rule]:
    broken: list[Rule] = []
    if work_date < start_date:
        broken.append(Rule.WORK_DATE_BEFORE_PLACEMENT)
    if end_date is not None and work_date > end_date:
        broken.append(Rule.WORK_DATE_AFTER_PLACEMENT)
    if work_date > today:
        broken.append(Rule.WORK_DATE_IN_FUTURE)
    return broken


def duplicate_dates(work_dates: Sequence[date]) -> dict[int, int]:
    """Index of every repeated date → index of its first occurrence."""
    first_seen: dict[date, int] = {}
    repeats: dict[int, int] = {}
    for index, work_date in enumerate(work_dates):
        if work_date in first_seen:
            repeats[index] = first_seen[work_date]
        else:
            first_seen[work_date] = index
    return repeats


_MESSAGES: dict[Rule, str] = {
    Rule.MINUTES_OUT_OF_RANGE: f"minutes must be between {MIN_MINUTES} and {MAX_MINUTES}",
    Rule.MINUTES_NOT_QUARTER_HOURS: f"minutes must be a multiple of {MINUTES_STEP}",
    Rule.WORK_DATE_BEFORE_PLACEMENT: "work_date is before the placement starts",
    Rule.WORK_DATE_AFTER_PLACEMENT: "work_date is after the placement ends",
    Rule.WORK_DATE_IN_FUTURE: "work_date is in the future",
}


def submission_violations(
    entries: Sequence[ProposedEntry], *, start_date: date, end_date: date | None, today: date
) -> list[FieldViolation]:
    """Every rule every entry breaks, named by field, so the caller can fix them all at once."""
    violations: list[FieldViolation] = []
    repeats = duplicate_dates([e.work_date for e in entries])
    for index, entry in enumerate(entries):
        for rule in minutes_rules(entry.minutes):
            violations.append(FieldViolation(f"entries.{index}.minutes", rule, _MESSAGES[rule]))
        for rule in work_date_rules(entry.work_date, start_date=start_date, end_date=end_date, today=today):
            message = f"{_MESSAGES[rule]} ({entry.work_date.isoformat()})"
            violations.append(FieldViolation(f"entries.{index}.work_date", rule, message))
        if index in repeats:
            message = f"work_date {entry.work_date.isoformat()} is also given in entries.{repeats[index]}"
            violations.append(FieldViolation(f"entries.{index}.work_date", Rule.WORK_DATE_DUPLICATE, message))
    return violations


def invalid_submission(violations: list[FieldViolation]) -> DomainError:
    return DomainError(
        Category.VALIDATION,
        "entries-invalid",
        f"{len(violations)} rule(s) broken; no entry was saved",
        violations,
    )


def ensure_decidable(entry: Entry, expected_version: int | None) -> None:
    """Only a submitted entry is approved or rejected; a stale version means someone else acted first."""
    if entry.status is not EntryStatus.SUBMITTED:
        raise conflict(
            "entry-not-submitted", f"The entry is {entry.status.value}; only a submitted entry can be decided"
        )
    if expected_version is not None and expected_version != entry.version:
        raise conflict(
            "entry-version-mismatch", f"The entry is at version {entry.version}, not {expected_version}; reload it"
        )
