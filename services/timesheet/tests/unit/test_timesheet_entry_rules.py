"""The pure entry rules: minutes, the placement's status and date window, the rate in force, the future,
duplicates, the 12-hour day, corrections, decidability."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from timesheet.entries.models import Entry, EntryStatus, ProposedEntry
from timesheet.entries.rules import (
    CorrectionBounds,
    Rule,
    correction_violations,
    duplicate_dates,
    minutes_rules,
    over_daily_cap,
    submission_violations,
    work_date_rules,
)
from timesheet.entries.transitions import (
    EntryConflictError,
    ensure_correctable,
    ensure_decidable,
    ensure_editable,
    work_date_taken,
)
from timesheet.placements.models import Placement, RateVersion
from vikar_shared.clock import agency_date
from vikar_shared.errors import Category, DomainError

START = date(2026, 11, 2)
END = date(2026, 11, 30)
TODAY = date(2026, 11, 20)
RATES = [RateVersion(START, 15_500)]


def _placement(status: str = "active", start: date = START, end: date | None = END) -> Placement:
    return Placement(
        placement_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        citizen_id=uuid.uuid4(),
        citizen_name="Ida Jensen",
        start_date=start,
        end_date=end,
        bill_rate_ore_per_hour=15_500,
        status=status,
    )


PLACEMENT = _placement()


@pytest.mark.parametrize("minutes", [15, 30, 240, 705, 720])
def test_minutes_in_quarter_hours_from_15_to_720_are_valid(minutes: int) -> None:
    assert minutes_rules(minutes) == []


@pytest.mark.parametrize("minutes", [50, 16, 239, 1])
def test_minutes_not_a_multiple_of_15_break_the_quarter_hour_rule(minutes: int) -> None:
    assert Rule.MINUTES_NOT_QUARTER_HOURS in minutes_rules(minutes)


@pytest.mark.parametrize("minutes", [0, -15, 735, 1440])
def test_minutes_outside_15_to_720_break_the_range_rule(minutes: int) -> None:
    assert minutes_rules(minutes) == [Rule.MINUTES_OUT_OF_RANGE]


def test_minutes_both_out_of_range_and_off_quarter_report_both_rules() -> None:
    assert minutes_rules(725) == [Rule.MINUTES_OUT_OF_RANGE, Rule.MINUTES_NOT_QUARTER_HOURS]


@pytest.mark.parametrize("work_date", [START, date(2026, 11, 10), TODAY])
def test_work_date_inside_placement_and_not_after_today_is_valid(work_date: date) -> None:
    assert work_date_rules(PLACEMENT, RATES, work_date, today=TODAY) == []


def test_work_date_before_placement_start_is_invalid() -> None:
    rules = work_date_rules(PLACEMENT, RATES, date(2026, 11, 1), today=TODAY)
    assert rules == [Rule.WORK_DATE_BEFORE_PLACEMENT]


def test_work_date_after_placement_end_is_invalid() -> None:
    rules = work_date_rules(PLACEMENT, RATES, date(2026, 12, 1), today=date(2026, 12, 5))
    assert rules == [Rule.WORK_DATE_AFTER_PLACEMENT]


def test_work_date_on_placement_end_is_valid() -> None:
    assert work_date_rules(PLACEMENT, RATES, END, today=date(2026, 12, 5)) == []


def test_open_ended_placement_accepts_any_past_date_after_start() -> None:
    assert work_date_rules(_placement(end=None), RATES, date(2027, 3, 1), today=date(2027, 3, 1)) == []


def test_work_date_after_today_is_invalid() -> None:
    rules = work_date_rules(PLACEMENT, RATES, date(2026, 11, 21), today=TODAY)
    assert rules == [Rule.WORK_DATE_IN_FUTURE]


def test_a_planned_placement_accepts_no_hours_even_inside_its_dates() -> None:
    rules = work_date_rules(_placement("planned"), RATES, date(2026, 11, 10), today=TODAY)
    assert rules == [Rule.PLACEMENT_NOT_ACTIVE]


def test_an_ended_placement_accepts_hours_up_to_its_end_date_and_none_after() -> None:
    ended = _placement("ended", end=date(2026, 11, 12))
    assert work_date_rules(ended, RATES, date(2026, 11, 12), today=TODAY) == []
    assert work_date_rules(ended, RATES, date(2026, 11, 13), today=TODAY) == [Rule.WORK_DATE_AFTER_PLACEMENT]


@pytest.mark.parametrize("placement", [_placement("ended", end=None), _placement("paused")])
def test_an_ended_placement_without_end_date_or_an_unknown_status_accepts_no_hours(placement: Placement) -> None:
    assert work_date_rules(placement, RATES, date(2026, 11, 10), today=TODAY) == [Rule.PLACEMENT_NOT_ACTIVE]


def test_a_day_before_the_first_rate_version_has_no_rate_in_force() -> None:
    rates = [RateVersion(date(2026, 11, 9), 15_500)]
    assert work_date_rules(PLACEMENT, rates, date(2026, 11, 8), today=TODAY) == [Rule.NO_RATE_IN_FORCE]
    assert work_date_rules(PLACEMENT, rates, date(2026, 11, 9), today=TODAY) == []


@pytest.mark.parametrize(
    ("already", "adding", "over"),
    [(0, 720, False), (480, 240, False), (480, 255, True), (720, 15, True), (720, -60, False), (900, 0, False)],
)
def test_a_citizen_day_holds_at_most_720_minutes(already: int, adding: int, over: bool) -> None:
    assert over_daily_cap(already, adding) is over


def test_today_is_taken_from_the_copenhagen_calendar_not_utc() -> None:
    # 23:30 UTC on 20 November is already 00:30 on 21 November in Copenhagen (UTC+1 in winter).
    assert agency_date(datetime(2026, 11, 20, 23, 30, tzinfo=UTC)) == date(2026, 11, 21)
    # In summer Copenhagen is UTC+2.
    assert agency_date(datetime(2026, 6, 30, 21, 59, tzinfo=UTC)) == date(2026, 6, 30)
    assert agency_date(datetime(2026, 6, 30, 22, 0, tzinfo=UTC)) == date(2026, 7, 1)


def test_duplicate_dates_map_each_repeat_to_its_first_occurrence() -> None:
    a, b = date(2026, 11, 2), date(2026, 11, 3)
    assert duplicate_dates([a, b, a, a]) == {2: 0, 3: 0}
    assert duplicate_dates([a, b]) == {}


def test_submission_violations_name_field_and_rule_of_every_broken_entry() -> None:
    entries = [
        ProposedEntry(date(2026, 11, 2), 240),
        ProposedEntry(date(2026, 11, 3), 50),
        ProposedEntry(date(2026, 11, 1), 60),
        ProposedEntry(date(2026, 11, 2), 60),
        ProposedEntry(date(2026, 11, 21), 60),
    ]
    violations = submission_violations(
        entries, placement=PLACEMENT, rates=RATES, today=TODAY, day_minutes={date(2026, 11, 2): 600}
    )
    assert [(v.field, v.rule) for v in violations] == [
        ("entries.0.minutes", Rule.CITIZEN_DAY_OVER_12_HOURS),
        ("entries.1.minutes", Rule.MINUTES_NOT_QUARTER_HOURS),
        ("entries.2.work_date", Rule.WORK_DATE_BEFORE_PLACEMENT),
        ("entries.3.work_date", Rule.WORK_DATE_DUPLICATE),
        ("entries.4.work_date", Rule.WORK_DATE_IN_FUTURE),
    ]
    assert "10:00 h" in violations[0].message
    assert "entries.0" in violations[3].message


def test_a_valid_submission_has_no_violations() -> None:
    entries = [ProposedEntry(date(2026, 11, 2), 240), ProposedEntry(date(2026, 11, 3), 15)]
    violations = submission_violations(
        entries, placement=PLACEMENT, rates=RATES, today=TODAY, day_minutes={date(2026, 11, 2): 480}
    )
    assert violations == []


def _entry(status: EntryStatus, version: int = 1, corrects: uuid.UUID | None = None) -> Entry:
    return Entry(
        id=uuid.uuid4(),
        submission_id=uuid.uuid4(),
        placement_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        citizen_name="Ida Jensen",
        work_date=START,
        minutes=240,
        status=status,
        version=version,
        submitted_by="anna",
        submitted_at=datetime(2026, 11, 2, 12, tzinfo=UTC),
        decided_by=None if status is EntryStatus.SUBMITTED else "bo",
        decided_at=None if status is EntryStatus.SUBMITTED else datetime(2026, 11, 3, 12, tzinfo=UTC),
        rejection_reason="wrong day" if status is EntryStatus.REJECTED else None,
        citizen_id=uuid.uuid4(),
        bill_rate_ore_per_hour=15_500,
        corrects_entry_id=corrects,
        correction_reason=None if corrects is None else "forgot an hour",
    )


def test_a_submitted_entry_can_be_decided_at_any_or_its_own_version() -> None:
    ensure_decidable(_entry(EntryStatus.SUBMITTED, 1), None)
    ensure_decidable(_entry(EntryStatus.SUBMITTED, 1), 1)


@pytest.mark.parametrize("status", [EntryStatus.APPROVED, EntryStatus.REJECTED])
def test_a_decided_entry_cannot_be_decided_again_and_the_conflict_names_its_status(status: EntryStatus) -> None:
    with pytest.raises(DomainError) as caught:
        ensure_decidable(_entry(status, 2), None)
    assert caught.value.category is Category.CONFLICT
    assert caught.value.code == "entry-not-submitted"
    assert status.value in caught.value.detail
    assert "by bo at" in caught.value.detail
    assert isinstance(caught.value, EntryConflictError)
    assert caught.value.entry is not None
    assert caught.value.entry.decided_by == "bo"


def test_a_stale_expected_version_is_a_conflict() -> None:
    with pytest.raises(DomainError) as caught:
        ensure_decidable(_entry(EntryStatus.SUBMITTED, 1), 3)
    assert caught.value.category is Category.CONFLICT
    assert caught.value.code == "entry-version-mismatch"


# Issue 6 changed this deliberately: a submitted entry (not decided yet) may be changed too, at the version
# the editor saw; only an approved entry is refused (it is corrected instead).
def test_a_submitted_or_rejected_entry_can_be_edited_but_not_an_approved_one() -> None:
    ensure_editable(_entry(EntryStatus.REJECTED, 2), 2)
    ensure_editable(_entry(EntryStatus.REJECTED, 2), None)
    ensure_editable(_entry(EntryStatus.SUBMITTED, 1), 1)
    approved = _entry(EntryStatus.APPROVED, 2)
    with pytest.raises(EntryConflictError) as caught:
        ensure_editable(approved, 2)
    assert (caught.value.category, caught.value.code) == (Category.CONFLICT, "entry-not-editable")
    assert f"POST /entries/{approved.id}/corrections" in caught.value.detail


def test_changing_a_submitted_entry_needs_the_version_it_was_seen_at() -> None:
    with pytest.raises(DomainError) as missing:
        ensure_editable(_entry(EntryStatus.SUBMITTED, 1), None)
    with pytest.raises(EntryConflictError) as stale:
        ensure_editable(_entry(EntryStatus.SUBMITTED, 2), 1)
    assert (missing.value.category, missing.value.code) == (Category.VALIDATION, "entry-invalid")
    assert [(v.field, v.rule) for v in missing.value.violations] == [("expected_version", "expected-version-required")]
    assert stale.value.code == "entry-version-mismatch"
    assert stale.value.entry is not None and stale.value.entry.version == 2


def test_work_date_taken_names_each_entry_its_status_and_how_to_change_it() -> None:
    submitted, approved = _entry(EntryStatus.SUBMITTED, 3), _entry(EntryStatus.APPROVED, 2)

    problem = work_date_taken([submitted, approved])

    assert (problem.category, problem.code) == (Category.CONFLICT, "work-date-taken")
    assert f"entry {submitted.id} is submitted, change it with PUT /entries/{submitted.id} (expected_version 3)" in (
        problem.detail
    )
    assert f"entry {approved.id} is approved, correct it with POST /entries/{approved.id}/corrections" in (
        problem.detail
    )
    assert (problem.entry, problem.entries) == (submitted, [submitted, approved])


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        (_entry(EntryStatus.SUBMITTED), "entry-not-approved"),
        (_entry(EntryStatus.REJECTED, 2), "entry-not-approved"),
        (_entry(EntryStatus.APPROVED, 2, corrects=uuid.uuid4()), "entry-is-a-correction"),
    ],
)
def test_only_an_approved_original_entry_can_be_corrected(entry: Entry, code: str) -> None:
    ensure_correctable(_entry(EntryStatus.APPROVED, 2))
    with pytest.raises(DomainError) as caught:
        ensure_correctable(entry)
    assert (caught.value.category, caught.value.code) == (Category.CONFLICT, code)


def test_correction_bounds_count_approved_corrections_and_either_outcome_of_pending_ones() -> None:
    bounds = CorrectionBounds.of(
        480,
        [
            (EntryStatus.APPROVED, -60),
            (EntryStatus.REJECTED, 240),
            (EntryStatus.SUBMITTED, 120),
            (EntryStatus.SUBMITTED, -30),
        ],
    )
    assert bounds == CorrectionBounds(settled=420, pending_up=120, pending_down=-30)
    assert bounds.reach(60) == (390, 600)
    assert bounds.reach(-390) == (0, 540)


def _correction_rules(delta: int, bounds: CorrectionBounds, already: int = 0) -> list[str]:
    violations = correction_violations(
        delta, bounds, placement=PLACEMENT, rates=RATES, work_date=date(2026, 11, 10), already=already
    )
    assert {v.field for v in violations} <= {"minutes_delta"}
    return [v.rule for v in violations]


@pytest.mark.parametrize(
    ("delta", "rules"),
    [
        (60, []),
        (-480, []),
        (0, [Rule.MINUTES_DELTA_ZERO]),
        (20, [Rule.MINUTES_NOT_QUARTER_HOURS]),
        (255, [Rule.CORRECTED_MINUTES_OUT_OF_RANGE]),
        (-495, [Rule.CORRECTED_MINUTES_OUT_OF_RANGE]),
    ],
)
def test_a_correction_is_a_non_zero_quarter_hour_delta_keeping_the_entry_within_0_to_720(
    delta: int, rules: list[str]
) -> None:
    assert _correction_rules(delta, CorrectionBounds(settled=480, pending_up=0, pending_down=0)) == rules


def test_a_pending_reduction_makes_no_room_upwards_but_counts_against_zero() -> None:
    bounds = CorrectionBounds(settled=720, pending_up=0, pending_down=-240)
    assert _correction_rules(15, bounds) == [Rule.CORRECTED_MINUTES_OUT_OF_RANGE]
    assert _correction_rules(-480, bounds) == []
    assert _correction_rules(-495, bounds) == [Rule.CORRECTED_MINUTES_OUT_OF_RANGE]
    assert _correction_rules(-495, CorrectionBounds(settled=720, pending_up=0, pending_down=0)) == []


def test_a_correction_adding_hours_respects_the_citizen_day_but_a_reduction_always_fits() -> None:
    bounds = CorrectionBounds(settled=240, pending_up=0, pending_down=0)
    assert _correction_rules(120, bounds, already=660) == [Rule.CITIZEN_DAY_OVER_12_HOURS]
    assert _correction_rules(-120, bounds, already=900) == []


def test_a_correction_adding_hours_needs_the_placement_to_take_hours_that_day_a_reduction_does_not() -> None:
    planned = _placement("planned")
    bounds = CorrectionBounds(settled=240, pending_up=0, pending_down=0)
    add = correction_violations(60, bounds, placement=planned, rates=RATES, work_date=date(2026, 11, 10), already=0)
    cut = correction_violations(-60, bounds, placement=planned, rates=[], work_date=date(2026, 11, 10), already=0)
    assert [v.rule for v in add] == [Rule.PLACEMENT_NOT_ACTIVE]
    assert cut == []
