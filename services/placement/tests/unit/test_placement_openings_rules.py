from __future__ import annotations

from datetime import date

import pytest

from placement.openings.models import add_working_days, check_contact, follow_up_due_on, is_overdue, require_open
from vikar_shared.errors import Category, DomainError

FRI = date(2026, 11, 27)
SAT = date(2026, 11, 28)
MON = date(2026, 11, 30)
TUE = date(2026, 12, 1)
WED = date(2026, 12, 2)
THU = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [(FRI, 1, MON), (FRI, 2, TUE), (SAT, 1, MON), (SAT, 2, TUE), (MON, 2, WED), (MON, 5, date(2026, 12, 7))],
)
def test_working_days_skip_saturday_and_sunday(start: date, days: int, expected: date) -> None:
    assert add_working_days(start, days) == expected


def test_an_opening_reported_on_friday_is_due_tuesday_and_overdue_wednesday_with_two_working_days() -> None:
    assert follow_up_due_on(FRI, None, 2) == TUE
    assert not is_overdue("open", FRI, None, 2, TUE)
    assert is_overdue("open", FRI, None, 2, WED)


def test_a_follow_up_restarts_the_deadline_from_its_day() -> None:
    assert follow_up_due_on(FRI, MON, 2) == WED
    assert not is_overdue("open", FRI, MON, 2, WED)
    assert is_overdue("open", FRI, MON, 2, THU)


@pytest.mark.parametrize("status", ["filled", "handed_over", "withdrawn"])
def test_a_closed_opening_is_never_overdue(status: str) -> None:
    assert not is_overdue(status, FRI, None, 2, date(2027, 1, 1))


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
