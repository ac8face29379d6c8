"""The pure rules of bulk approval and the pending queue: ISO weeks, selectors, grouping and totals."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime

import pytest

from timesheet.approvals.models import (
    IsoWeek,
    entries_changed,
    missing_versions,
    pending_queue,
    seen_versions,
    selector_of,
    stale_entries,
)
from timesheet.companies.models import Approver, unique_approvers
from timesheet.entries.models import Entry, EntryStatus
from timesheet.placements.models import RateVersion, rate_in_force, unique_versions
from vikar_shared.errors import DomainError


@pytest.mark.parametrize(
    ("text", "monday", "sunday"),
    [
        ("2026-W47", date(2026, 11, 16), date(2026, 11, 22)),
        ("2026-W01", date(2025, 12, 29), date(2026, 1, 4)),
        ("2026-W53", date(2026, 12, 28), date(2027, 1, 3)),
    ],
)
def test_an_iso_week_runs_monday_to_sunday_across_year_ends(text: str, monday: date, sunday: date) -> None:
    week = IsoWeek.parse(text)
    assert (week.monday, week.sunday, str(week)) == (monday, sunday, text)
    assert IsoWeek.of(sunday) == week


@pytest.mark.parametrize("text", ["2025-W53", "2026-W00", "2026-W54", "2026-47", "2026-w47", "26-W47", "2026-W4"])
def test_a_week_that_is_not_an_iso_week_is_invalid(text: str) -> None:
    with pytest.raises(DomainError) as caught:
        IsoWeek.parse(text)
    assert [(v.field, v.rule) for v in caught.value.violations] == [("week", "iso-week-invalid")]


@pytest.mark.parametrize(
    "given",
    [
        {},
        {"week": "2026-W47", "citizen_id": uuid.uuid4()},
        {"entry_ids": [uuid.uuid4()], "all_pending": True},
        {"all_pending": False},
    ],
)
def test_a_bulk_approval_needs_exactly_one_selector(given: dict[str, object]) -> None:
    arguments: dict[str, object] = {"entry_ids": None, "week": None, "citizen_id": None, "all_pending": None}
    with pytest.raises(DomainError) as caught:
        selector_of(**{**arguments, **given})  # type: ignore[arg-type]
    assert caught.value.code == "exactly-one-selector"


def test_repeated_entry_ids_are_taken_once_in_the_order_given() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    selector = selector_of(entry_ids=[a, b, a], week=None, citizen_id=None, all_pending=None)
    assert selector.entry_ids == (a, b)


def _entry(citizen: uuid.UUID, name: str, work_date: date, minutes: int) -> Entry:
    return Entry(
        id=uuid.uuid4(),
        submission_id=uuid.uuid4(),
        placement_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        citizen_name=name,
        work_date=work_date,
        minutes=minutes,
        status=EntryStatus.SUBMITTED,
        version=1,
        submitted_by="anna",
        submitted_at=datetime(2026, 11, 23, tzinfo=UTC),
        decided_by=None,
        decided_at=None,
        rejection_reason=None,
        citizen_id=citizen,
        bill_rate_ore_per_hour=15_500,
    )


def test_the_pending_queue_groups_by_week_then_citizen_name_with_signed_totals() -> None:
    ida, bo = uuid.uuid4(), uuid.uuid4()
    entries = [
        _entry(ida, "Ida", date(2026, 11, 23), 60),  # week 48
        _entry(ida, "Ida", date(2026, 11, 17), 240),  # week 47
        _entry(bo, "Bo", date(2026, 11, 22), 120),  # week 47 (Sunday)
        _entry(ida, "Ida", date(2026, 11, 16), -45),  # week 47, a pending reduction
    ]

    weeks = pending_queue(entries)

    assert [(str(w.week), w.total_minutes) for w in weeks] == [("2026-W47", 315), ("2026-W48", 60)]
    assert [(c.citizen_name, c.total_minutes) for c in weeks[0].citizens] == [("Bo", 120), ("Ida", 195)]
    assert [e.work_date for e in weeks[0].citizens[1].entries] == [date(2026, 11, 16), date(2026, 11, 17)]


def test_the_rate_in_force_is_the_latest_version_on_or_before_the_day() -> None:
    versions = [RateVersion(date(2026, 1, 1), 15_000), RateVersion(date(2026, 7, 1), 16_000)]
    assert rate_in_force(versions, date(2025, 12, 31)) is None
    assert rate_in_force(versions, date(2026, 6, 30)) == versions[0]
    assert rate_in_force(versions, date(2026, 7, 1)) == versions[1]


def test_rate_versions_are_one_per_day_in_date_order_the_last_given_winning() -> None:
    versions = unique_versions(
        [
            RateVersion(date(2026, 7, 1), 16_000),
            RateVersion(date(2026, 1, 1), 15_000),
            RateVersion(date(2026, 7, 1), 17),
        ]
    )
    assert versions == [RateVersion(date(2026, 1, 1), 15_000), RateVersion(date(2026, 7, 1), 17)]


def test_approver_addresses_are_trimmed_lower_cased_and_kept_once() -> None:
    assert unique_approvers([(" Bo@X.dk ", " Bo "), ("bo@x.dk", "Other"), ("", "Nobody")]) == [
        Approver("bo@x.dk", "Bo")
    ]


def _as(entry: Entry, **changes: object) -> Entry:
    return dataclasses.replace(entry, **changes)  # type: ignore[arg-type]


def test_an_entry_changed_or_arrived_since_it_was_seen_is_stale_one_decided_since_is_not() -> None:
    ida = uuid.uuid4()
    e = _entry(ida, "Ida", date(2026, 11, 19), 60)
    f = _entry(ida, "Ida", date(2026, 11, 20), 60)
    seen = {e.id: 1, f.id: 1}
    week = selector_of(entry_ids=None, week="2026-W47", citizen_id=None, all_pending=None)
    everything = selector_of(entry_ids=None, week=None, citizen_id=None, all_pending=True)
    # The scenario: E moved to week 48 with 720 min, F re-timed to 600 min, both resubmitted (v3).
    e_now = _as(e, work_date=date(2026, 11, 24), minutes=720, version=3)
    f_now = _as(f, minutes=600, version=3)
    newcomer = _entry(ida, "Ida", date(2026, 11, 18), 30)
    other_week = _entry(ida, "Ida", date(2026, 11, 25), 30)
    approved_by_colleague = _as(f, status=EntryStatus.APPROVED, version=2)

    assert stale_entries(week, seen, [e_now, f_now]) == [e_now, f_now]
    assert stale_entries(week, seen, [e, f]) == []
    assert stale_entries(week, seen, [e, f, newcomer]) == [newcomer]
    assert stale_entries(week, seen, [e, f, other_week]) == []  # not matched by the week: not approved either
    assert stale_entries(everything, seen, [e, f, other_week]) == [other_week]
    assert stale_entries(everything, seen, [e, approved_by_colleague]) == []
    conflict = entries_changed([f_now, e_now], seen)
    assert (conflict.code, conflict.entries) == ("entries-changed", [f_now, e_now])
    assert f"{e.id} is at version 3, seen at 1" in conflict.detail


def test_seen_versions_refuse_one_entry_at_two_versions_and_ids_need_a_version_each() -> None:
    one, two = uuid.uuid4(), uuid.uuid4()
    assert seen_versions([(one, 1), (one, 1), (two, 4)]) == {one: 1, two: 4}
    with pytest.raises(DomainError) as twice:
        seen_versions([(one, 1), (one, 2)])
    assert twice.value.code == "seen-duplicate"
    by_ids = selector_of(entry_ids=[one, two], week=None, citizen_id=None, all_pending=None)
    missing = missing_versions(by_ids, {one: 1})
    assert missing is not None and missing.violations[0].field == "seen" and str(two) in missing.detail
    assert missing_versions(by_ids, {one: 1, two: 1}) is None
