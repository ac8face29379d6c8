"""The rules an hour entry obeys, free of I/O so they can be tested on their own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

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
    PLACEMENT_NOT_ACTIVE = "placement-not-active"
    NO_RATE_IN_FORCE = "no-rate-in-force"
    CITIZEN_DAY_OVER_12_HOURS = "citizen-day-over-12-hours"
    MINUTES_DELTA_ZERO = "minutes-delta-zero"
    CORRECTED_MINUTES_OUT_OF_RANGE = "corrected-minutes-out-of-range"
    CORRECTION_WORK_DATE_FIXED = "correction-work-date-fixed"
    EXPECTED_VERSION_REQUIRED = "expected-version-required"


class HistoryAction(StrEnum):
    SUBMITTED = "submitted"
    RESUBMITTED = "resubmitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    CORRECTED = "corrected"
    # A submitted entry changed before any decision (same submission, version + 1).
    CHANGED = "changed"


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

    @property
    def is_correction(self) -> bool:
        return self.corrects_entry_id is not None

    def decision(self) -> tuple[str, datetime]:
        """Who decided the entry and when; a submitted entry has no decision yet."""
        if self.decided_by is None or self.decided_at is None:
            raise RuntimeError(f"entry {self.id} is {self.status.value}, not decided")
        return self.decided_by, self.decided_at


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


@dataclass
class EntryConflictError(DomainError):
    """A conflict about one entry; carries the entry as it is now so the caller sees who acted.

    ``entries`` lists every entry the conflict is about when there are several (a bulk approval whose
    entries changed, a submission whose days already hold entries); ``entry`` is then the first."""

    entry: Entry | None = None
    entries: list[Entry] = field(default_factory=list)


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


def _state(entry: Entry) -> str:
    if entry.decided_by is None or entry.decided_at is None:
        return entry.status.value
    return f"{entry.status.value} (by {entry.decided_by} at {entry.decided_at.isoformat()})"


def entry_conflict(code: str, detail: str, entry: Entry) -> EntryConflictError:
    return EntryConflictError(Category.CONFLICT, code, detail, entry=entry)


def ensure_version(entry: Entry, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != entry.version:
        raise entry_conflict(
            "entry-version-mismatch",
            f"The entry is at version {entry.version}, not {expected_version}; it is {_state(entry)}; reload it",
            entry,
        )


def ensure_decidable(entry: Entry, expected_version: int | None) -> None:
    """Only a submitted entry is approved or rejected; a stale version means someone else acted first."""
    if entry.status is not EntryStatus.SUBMITTED:
        raise entry_conflict(
            "entry-not-submitted", f"The entry is {_state(entry)}; only a submitted entry can be decided", entry
        )
    ensure_version(entry, expected_version)


def ensure_editable(entry: Entry, expected_version: int | None) -> None:
    """A submitted entry (not decided yet) or a rejected one is edited with ``PUT /entries/{id}``; an
    approved one never is (409 ``entry-not-editable``: it is changed by a correction entry instead).

    Changing a *submitted* entry needs ``expected_version`` (422 ``expected-version-required``): an
    approver may be deciding it at that moment, so the edit is made only on what the editor saw.
    A stale version is 409 ``entry-version-mismatch`` with the entry as it is now."""
    if entry.status is EntryStatus.APPROVED:
        raise entry_conflict(
            "entry-not-editable",
            f"The entry is {_state(entry)}; an approved entry is not edited: "
            f"correct it with POST /entries/{entry.id}/corrections",
            entry,
        )
    if entry.status is EntryStatus.SUBMITTED and expected_version is None:
        message = "changing a submitted entry needs the version it was seen at (an approver may be deciding it)"
        raise invalid_entries(
            "entry-invalid", [FieldViolation("expected_version", Rule.EXPECTED_VERSION_REQUIRED, message)]
        )
    ensure_version(entry, expected_version)


def ensure_correctable(entry: Entry) -> None:
    """A correction refers to an approved original entry, never to another correction."""
    if entry.corrects_entry_id is not None:
        raise entry_conflict(
            "entry-is-a-correction",
            f"The entry corrects entry {entry.corrects_entry_id}; correct that original entry instead",
            entry,
        )
    if entry.status is not EntryStatus.APPROVED:
        hint = " (edit a rejected entry and submit it again)" if entry.status is EntryStatus.REJECTED else ""
        raise entry_conflict(
            "entry-not-approved",
            f"The entry is {_state(entry)}; only an approved entry is corrected{hint}",
            entry,
        )


def how_to_change(entry: Entry) -> str:
    """How a client changes a live entry instead of submitting its day again."""
    if entry.status is EntryStatus.APPROVED:
        return f"correct it with POST /entries/{entry.id}/corrections"
    return f"change it with PUT /entries/{entry.id} (expected_version {entry.version})"


def work_date_taken(existing: Sequence[Entry]) -> EntryConflictError:
    """409 ``work-date-taken``: the placement already has a live (submitted or approved) entry on the day;
    the problem names each such entry with its status and how to change it instead (``detail``), and
    carries them as they are (``entry``, ``entries``): a submitted one is changed with
    ``PUT /entries/{id}``, an approved one corrected with ``POST /entries/{id}/corrections``."""
    named = "; ".join(
        f"{e.work_date.isoformat()}: entry {e.id} is {e.status.value}, {how_to_change(e)}" for e in existing
    )
    return EntryConflictError(
        Category.CONFLICT,
        "work-date-taken",
        f"The placement already has hours on that day ({named})",
        entry=existing[0],
        entries=list(existing),
    )


def correction_open(open_correction: Entry) -> EntryConflictError:
    """409 ``correction-open``: the corrected entry already has an open (submitted) correction. At most one
    is open at a time, so the same correction sent twice is stored once; the problem names the open one
    (``entry``, ``entries``) and how to change it instead (``PUT /entries/{id}`` while it is submitted)."""
    return EntryConflictError(
        Category.CONFLICT,
        "correction-open",
        f"Entry {open_correction.corrects_entry_id} already has an open correction {open_correction.id} "
        f"({open_correction.minutes:+d} min, not decided yet); {how_to_change(open_correction)}, "
        "or wait until it is decided",
        entry=open_correction,
        entries=[open_correction],
    )
