"""The pure entry rules: minutes, the placement's date window, the future, duplicates, decidability."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from timesheet.entries.models import (
    Entry,
    EntryStatus,
    ProposedEntry,
    Rule,
    agency_today,
    duplicate_dates,
    ensure_decidable,
    minutes_rules,
    submission_violations,
    work_date_rules,
)
from vikar_shared.errors import Category, DomainError

START = date(2026, 11, 2)
END = date(2026, 11, 30)
TODAY = date(2026, 11, 20)


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
    assert work_date_rules(work_date, start_date=START, end_date=END, today=TODAY) == []


def test_work_date_before_placement_start_is_invalid() -> None:
    rules = work_date_rules(date(2026, 11, 1), start_date=START, end_date=END, today=TODAY)
    assert rules == [Rule.WORK_DATE_BEFORE_PLACEMENT]


def test_work_date_after_placement_end_is_invalid() -> None:
    rules = work_date_rules(date(2026, 12, 1), start_date=START, end_date=END, today=date(2026, 12, 5))
    assert rules == [Rule.WORK_DATE_AFTER_PLACEMENT]


def test_work_date_on_placement_end_is_valid() -> None:
    assert work_date_rules(END, start_date=START, end_date=END, today=date(2026, 12, 5)) == []


def test_open_ended_placement_accepts_any_past_date_after_start() -> None:
    assert work_date_rules(date(2027, 3, 1), start_date=START, end_date=None, today=date(2027, 3, 1)) == []


def test_work_date_after_today_is_invalid() -> None:
    rules = work_date_rules(date(2026, 11, 21), start_date=START, end_date=END, today=TODAY)
    assert rules == [Rule.WORK_DATE_IN_FUTURE]


def test_today_is_taken_from_the_copenhagen_calendar_not_utc() -> None:
    # 23:30 UTC on 20 November is already 00:30 on 21 November in Copenhagen (UTC+1 in winter).
    assert agency_today(datetime(2026, 11, 20, 23, 30, tzinfo=UTC)) == date(2026, 11, 21)
    # In summer Copenhagen is UTC+2.
    assert agency_today(datetime(2026, 6, 30, 21, 59, tzinfo=UTC)) == date(2026, 6, 30)
    assert agency_today(datetime(2026, 6, 30, 22, 0, tzinfo=UTC)) == date(2026, 7, 1)


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
    violations = submission_violations(entries, start_date=START, end_date=END, today=TODAY)
    assert [(v.field, v.rule) for v in violations] == [
        ("entries.1.minutes", Rule.MINUTES_NOT_QUARTER_HOURS),
        ("entries.2.work_date", Rule.WORK_DATE_BEFORE_PLACEMENT),
        ("entries.3.work_date", Rule.WORK_DATE_DUPLICATE),
        ("entries.4.work_date", Rule.WORK_DATE_IN_FUTURE),
    ]
    assert "entries.0" in violations[2].message


def test_a_valid_submission_has_no_violations() -> None:
    entries = [ProposedEntry(date(2026, 11, 2), 240), ProposedEntry(date(2026, 11, 3), 15)]
    assert submission_violations(entries, start_date=START, end_date=END, today=TODAY) == []


def _entry(status: EntryStatus, version: int = 1) -> Entry:
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


def test_a_stale_expected_version_is_a_conflict() -> None:
    with pytest.raises(DomainError) as caught:
        ensure_decidable(_entry(EntryStatus.SUBMITTED, 1), 3)
    assert caught.value.category is Category.CONFLICT
    assert caught.value.code == "entry-version-mismatch"
