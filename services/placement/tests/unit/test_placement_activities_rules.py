from __future__ import annotations

import uuid
from datetime import date

import pytest

from placement.activities.models import ActivePlacement, check_activity, follow_ups_due, parse_iso_week
from vikar_shared.errors import DomainError

TODAY = date(2026, 11, 27)


def _placement(start: date, logged: frozenset[str] = frozenset(), end: date | None = None) -> ActivePlacement:
    return ActivePlacement(uuid.uuid4(), uuid.uuid4(), "Mette", uuid.uuid4(), start, end, logged)


def test_iso_week_gives_its_monday() -> None:
    assert parse_iso_week("2026-W48") == date(2026, 11, 23)
    assert parse_iso_week("2026-W53") == date(2026, 12, 28)


@pytest.mark.parametrize("raw", ["2026-48", "2026-W5", "2025-W53", "2026-W00", "W48"])
def test_a_malformed_or_missing_iso_week_names_the_field(raw: str) -> None:
    with pytest.raises(DomainError) as err:
        parse_iso_week(raw)
    assert (err.value.violations[0].field, err.value.violations[0].rule) == ("week", "iso-week-invalid")


@pytest.mark.parametrize(
    ("activity_type", "attendance", "has_placement", "occurred_on", "field", "rule"),
    [
        ("preboarding_session", None, False, TODAY, "attendance", "required-for-preboarding"),
        ("cv_workshop", "attended", False, TODAY, "attendance", "only-for-preboarding"),
        ("follow_up_day_7", None, False, TODAY, "placement_id", "required-for-follow-up"),
        ("conversation", None, False, date(2026, 11, 28), "occurred_on", "not-in-future"),
    ],
)
def test_activity_rules_name_field_and_rule(
    activity_type: str, attendance: str | None, has_placement: bool, occurred_on: date, field: str, rule: str
) -> None:
    with pytest.raises(DomainError) as err:
        check_activity(activity_type, attendance, has_placement, occurred_on, TODAY)
    assert (err.value.violations[0].field, err.value.violations[0].rule) == (field, rule)


def test_follow_ups_due_in_the_week_or_before_it_are_listed_and_later_ones_are_not() -> None:
    # Started Monday 2026-10-26: day 7 = 11-02 (overdue in W48), day 30 = 11-25 (in W48), day 90 = 2027-01-24.
    p = _placement(date(2026, 10, 26))
    due = follow_ups_due([p], parse_iso_week("2026-W48"))
    assert [(d.activity_type, d.due_on, d.overdue) for d in due] == [
        ("follow_up_day_7", date(2026, 11, 2), True),
        ("follow_up_day_30", date(2026, 11, 25), False),
    ]


def test_a_logged_follow_up_is_no_longer_owed() -> None:
    p = _placement(date(2026, 10, 26), frozenset({"follow_up_day_7"}))
    due = follow_ups_due([p], parse_iso_week("2026-W48"))
    assert [d.activity_type for d in due] == ["follow_up_day_30"]


def test_a_follow_up_after_the_planned_end_is_not_owed() -> None:
    p = _placement(date(2026, 10, 26), end=date(2026, 11, 20))
    assert [d.activity_type for d in follow_ups_due([p], parse_iso_week("2026-W48"))] == ["follow_up_day_7"]
