"""The rules an hour entry obeys when it is submitted, edited or corrected, and their limits; free of
I/O so they can be tested on their own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from timesheet.entries.models import EntryStatus, ProposedEntry
from timesheet.placements.models import DayRefusal, Placement, RateVersion, rate_in_force, refusal_on
from vikar_shared.errors import Category, DomainError, FieldViolation

MIN_MINUTES = 15
MAX_MINUTES = 720
MINUTES_STEP = 15
MAX_ENTRIES_PER_SUBMISSION = 31
# A rejection or correction reason: the shared multi-line text rules, 3..1000 characters once trimmed.
REASON_MIN_LENGTH = 3
REASON_MAX_LENGTH = 1000
# One citizen works at most 12 hours a day, whatever the number of placements.
MAX_MINUTES_PER_CITIZEN_DAY = 720


class Rule(StrEnum):
    """Stable codes of the entry rules; clients match on them."""

    MINUTES_OUT_OF_RANGE = "minutes-out-of-range"
    MINUTES_NOT_QUARTER_HOURS = "minutes-not-quarter-hours"
    WORK_DATE_BEFORE_PLACEMENT = "work-date-before-placement"
    WORK_DATE_AFTER_PLACEMENT = "work-date-after-placement"
    WORK_DATE_IN_FUTURE = "work-date-in-future"
    WORK_DATE_DUPLICATE = "work-date-duplicate"
    PLACEMENT_NOT_ACTIVE = "placement-not-active"
    NO_RATE_IN_FORCE = "no-rate-in-force"
    CITIZEN_DAY_OVER_12_HOURS = "citizen-day-over-12-hours"
    MINUTES_DELTA_ZERO = "minutes-delta-zero"
    CORRECTED_MINUTES_OUT_OF_RANGE = "corrected-minutes-out-of-range"
    CORRECTION_WORK_DATE_FIXED = "correction-work-date-fixed"
    EXPECTED_VERSION_REQUIRED = "expected-version-required"


def hours_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    return f"{sign}{abs(minutes) // 60}:{abs(minutes) % 60:02d} h"


def minutes_rules(minutes: int) -> list[Rule]:
    broken: list[Rule] = []
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        broken.append(Rule.MINUTES_OUT_OF_RANGE)
    if minutes % MINUTES_STEP != 0:
        broken.append(Rule.MINUTES_NOT_QUARTER_HOURS)
    return broken


_REFUSAL_RULES: dict[DayRefusal, Rule] = {
    DayRefusal.NOT_ACTIVE: Rule.PLACEMENT_NOT_ACTIVE,
    DayRefusal.BEFORE_START: Rule.WORK_DATE_BEFORE_PLACEMENT,
    DayRefusal.AFTER_END: Rule.WORK_DATE_AFTER_PLACEMENT,
}


def placement_day_rules(placement: Placement, rates: Sequence[RateVersion], work_date: date) -> list[Rule]:
    """The placement takes hours on the day, and a bill rate is in force on it."""
    broken: list[Rule] = []
    refusal = refusal_on(placement, work_date)
    if refusal is not None:
        broken.append(_REFUSAL_RULES[refusal])
    elif rate_in_force(rates, work_date) is None:
        broken.append(Rule.NO_RATE_IN_FORCE)
    return broken


def work_date_rules(placement: Placement, rates: Sequence[RateVersion], work_date: date, *, today: date) -> list[Rule]:
    broken = placement_day_rules(placement, rates, work_date)
    if work_date > today:
        broken.append(Rule.WORK_DATE_IN_FUTURE)
    return broken


def over_daily_cap(already: int, adding: int) -> bool:
    """Whether ``adding`` more minutes take the citizen's day past 12 hours. ``already`` is what the day
    holds across placements (approved minutes, and pending minutes that add hours: a pending reduction
    frees nothing until it is approved, since it may yet be rejected)."""
    return adding > 0 and already + adding > MAX_MINUTES_PER_CITIZEN_DAY


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
    Rule.PLACEMENT_NOT_ACTIVE: "the placement is not active (planned, or ended without an end date)",
    Rule.NO_RATE_IN_FORCE: "no bill rate of the placement is in force on work_date",
    Rule.MINUTES_DELTA_ZERO: "minutes_delta must not be 0",
}


def _cap_message(work_date: date, already: int, adding: int) -> str:
    return (
        f"the citizen already has {hours_text(already)} on {work_date.isoformat()} across placements; "
        f"{hours_text(adding)} more exceeds {hours_text(MAX_MINUTES_PER_CITIZEN_DAY)}"
    )


def proposal_violations(
    entry: ProposedEntry,
    *,
    placement: Placement,
    rates: Sequence[RateVersion],
    today: date,
    already: int,
    prefix: str = "",
) -> list[FieldViolation]:
    """Every rule one proposed entry breaks; ``already`` is what the citizen's day holds without it."""
    violations = [FieldViolation(f"{prefix}minutes", r, _MESSAGES[r]) for r in minutes_rules(entry.minutes)]
    minutes_valid = not violations
    for rule in work_date_rules(placement, rates, entry.work_date, today=today):
        message = f"{_MESSAGES[rule]} ({entry.work_date.isoformat()})"
        violations.append(FieldViolation(f"{prefix}work_date", rule, message))
    # The day's cap is only worth reporting for minutes that are otherwise acceptable.
    if minutes_valid and over_daily_cap(already, entry.minutes):
        message = _cap_message(entry.work_date, already, entry.minutes)
        violations.append(FieldViolation(f"{prefix}minutes", Rule.CITIZEN_DAY_OVER_12_HOURS, message))
    return violations


def submission_violations(
    entries: Sequence[ProposedEntry],
    *,
    placement: Placement,
    rates: Sequence[RateVersion],
    today: date,
    day_minutes: Mapping[date, int],
) -> list[FieldViolation]:
    """Every rule every entry breaks, named by field, so the caller can fix them all at once."""
    violations: list[FieldViolation] = []
    repeats = duplicate_dates([e.work_date for e in entries])
    for index, entry in enumerate(entries):
        prefix = f"entries.{index}."
        already = day_minutes.get(entry.work_date, 0)
        violations += proposal_violations(
            entry, placement=placement, rates=rates, today=today, already=already, prefix=prefix
        )
        if index in repeats:
            message = f"work_date {entry.work_date.isoformat()} is also given in entries.{repeats[index]}"
            violations.append(FieldViolation(f"{prefix}work_date", Rule.WORK_DATE_DUPLICATE, message))
    return violations


@dataclass(frozen=True)
class CorrectionBounds:
    """Where an approved original stands: its minutes with the approved corrections applied, and how
    far the pending corrections could still move it (each may be approved or rejected)."""

    settled: int
    pending_up: int
    pending_down: int

    @classmethod
    def of(cls, original_minutes: int, corrections: Sequence[tuple[EntryStatus, int]]) -> CorrectionBounds:
        approved = sum(m for s, m in corrections if s is EntryStatus.APPROVED)
        pending = [m for s, m in corrections if s is EntryStatus.SUBMITTED]
        return cls(original_minutes + approved, sum(m for m in pending if m > 0), sum(m for m in pending if m < 0))

    def reach(self, delta: int) -> tuple[int, int]:
        """Lowest and highest minutes the original can end at if ``delta`` is added as a pending correction."""
        return self.settled + self.pending_down + min(delta, 0), self.settled + self.pending_up + max(delta, 0)


def correction_violations(
    delta: int,
    bounds: CorrectionBounds,
    *,
    placement: Placement,
    rates: Sequence[RateVersion],
    work_date: date,
    already: int,
    field: str = "minutes_delta",
) -> list[FieldViolation]:
    """A correction is a non-zero multiple of 15 that keeps the original within 0..720 minutes whatever
    becomes of the pending corrections; adding hours also needs the placement to take them that day."""
    violations: list[FieldViolation] = []
    if delta == 0:
        violations.append(FieldViolation(field, Rule.MINUTES_DELTA_ZERO, _MESSAGES[Rule.MINUTES_DELTA_ZERO]))
    if delta % MINUTES_STEP != 0:
        violations.append(FieldViolation(field, Rule.MINUTES_NOT_QUARTER_HOURS, f"{field} must be a multiple of 15"))
    lowest, highest = bounds.reach(delta)
    if lowest < 0 or highest > MAX_MINUTES:
        message = (
            f"with this correction the entry could end at {lowest} to {highest} minutes (now {bounds.settled}, "
            f"pending corrections {bounds.pending_down:+d}/{bounds.pending_up:+d}); "
            f"it must stay within 0..{MAX_MINUTES}"
        )
        violations.append(FieldViolation(field, Rule.CORRECTED_MINUTES_OUT_OF_RANGE, message))
    delta_valid = not violations
    if delta > 0:
        for rule in placement_day_rules(placement, rates, work_date):
            violations.append(FieldViolation(field, rule, f"{_MESSAGES[rule]} ({work_date.isoformat()})"))
        if delta_valid and over_daily_cap(already, delta):
            message = _cap_message(work_date, already, delta)
            violations.append(FieldViolation(field, Rule.CITIZEN_DAY_OVER_12_HOURS, message))
    return violations


def invalid_entries(code: str, violations: list[FieldViolation]) -> DomainError:
    return DomainError(Category.VALIDATION, code, f"{len(violations)} rule(s) broken; nothing was saved", violations)


def invalid_submission(violations: list[FieldViolation]) -> DomainError:
    return DomainError(
        Category.VALIDATION,
        "entries-invalid",
        f"{len(violations)} rule(s) broken; no entry was saved",
        violations,
    )
