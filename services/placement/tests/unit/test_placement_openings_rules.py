from __future__ import annotations

from datetime import date

import pytest

from placement.openings.models import FollowUpRule, check_contact, follow_up_due_on, is_overdue, require_open
from vikar_shared.calendar import WorkingDayCalendar
from vikar_shared.errors import Category, DomainError

FRI = date(2026, 11, 27)
SAT = date(2026, 11, 28)
MON = date(2026, 11, 30)
TUE = date(2026, 12, 1)
WED = date(2026, 12, 2)
THU = date(2026, 12, 3)
CALENDAR = WorkingDayCalendar()
TWO = FollowUpRule(2, CALENDAR)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [(FRI, 1, MON), (FRI, 2, TUE), (SAT, 1, MON), (SAT, 2, TUE), (MON, 2, WED), (MON, 5, date(2026, 12, 7))],
)
def test_working_days_skip_saturday_and_sunday(start: date, days: int, expected: date) -> None:
    assert follow_up_due_on(start, None, FollowUpRule(days, CALENDAR)) == expected


def test_an_opening_reported_on_friday_is_due_tuesday_and_overdue_wednesday_with_two_working_days() -> None:
    assert follow_up_due_on(FRI, None, TWO) == TUE
    assert not is_overdue("open", FRI, None, TWO, TUE)
    assert is_overdue("open", FRI, None, TWO, WED)


def test_a_follow_up_restarts_the_deadline_from_its_day() -> None:
    assert follow_up_due_on(FRI, MON, TWO) == WED
    assert not is_overdue("open", FRI, MON, TWO, WED)
    assert is_overdue("open", FRI, MON, TWO, THU)


@pytest.mark.parametrize("status", ["filled", "handed_over", "withdrawn"])
def test_a_closed_opening_is_never_overdue(status: str) -> None:
    assert not is_overdue(status, FRI, None, TWO, date(2027, 1, 1))


@pytest.mark.parametrize(
    ("reported_on", "expected"),
    [
        # Maundy Thursday, Good Friday, Easter Monday 2027 (25, 26, 29 March) are public holidays.
        (date(2027, 3, 24), date(2027, 3, 31)),
        # 24 December (closed by default), 25 December (holiday), then the weekend: Wednesday 23 December 2026
        # is due Tuesday 29 December (Monday to Friday alone: Friday 25 December).
        (date(2026, 12, 23), date(2026, 12, 29)),
        # 31 December (closed) and 1 January (holiday): Tuesday 29 December is due Monday 4 January 2027.
        (date(2026, 12, 29), date(2027, 1, 4)),
        # Grundlovsdag (5 June 2026, a Friday) is closed by default.
        (date(2026, 6, 4), date(2026, 6, 9)),
    ],
)
def test_the_follow_up_deadline_skips_danish_holidays_and_closed_days(reported_on: date, expected: date) -> None:
    assert follow_up_due_on(reported_on, None, TWO) == expected


def test_closed_days_are_a_setting() -> None:
    # Without closed days 24 December 2026 (a Thursday) is a working day.
    assert follow_up_due_on(date(2026, 12, 23), None, FollowUpRule(1, WorkingDayCalendar(()))) == date(2026, 12, 24)


def test_a_contact_needs_a_phone_or_an_email() -> None:
    check_contact("12345678", None)
    check_contact(None, "a@b.dk")
    with pytest.raises(DomainError) as err:
        check_contact(None, None)
    assert (err.value.violations[0].field, err.value.violations[0].rule) == ("contact", "phone-or-email")


def test_only_an_open_opening_changes_status() -> None:
    require_open("open")
    with pytest.raises(DomainError) as err:
        require_open("filled")
    assert err.value.category is Category.CONFLICT and err.value.code == "opening-not-open"
