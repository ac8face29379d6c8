"""The shared working-day calendar (Danish public holidays, closed days) and the scheduler's slot rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from vikar_shared.calendar import ClosedDay, WorkingDayCalendar
from vikar_shared.scheduling import Daily, Every


def test_public_holidays_and_weekends_are_not_working_days() -> None:
    calendar = WorkingDayCalendar(closed_days=())
    # Easter 2026: Maundy Thursday 2 April, Good Friday 3 April, Easter Monday 6 April.
    assert [calendar.is_working_day(date(2026, 4, d)) for d in range(1, 8)] == [
        True, False, False, False, False, False, True,
    ]  # fmt: skip
    assert not calendar.is_working_day(date(2026, 5, 14))  # Ascension Day
    assert not calendar.is_working_day(date(2026, 5, 25))  # Whit Monday
    assert not calendar.is_working_day(date(2026, 12, 25)) and not calendar.is_working_day(date(2026, 12, 26))


def test_store_bededag_is_a_working_day_from_2024() -> None:
    calendar = WorkingDayCalendar()
    assert not calendar.is_working_day(date(2023, 5, 5))  # the last Store Bededag
    assert calendar.is_working_day(date(2024, 4, 26))  # the fourth Friday after Easter 2024: a working day
    assert calendar.is_working_day(date(2026, 5, 1))


def test_closed_days_are_a_setting() -> None:
    everything = WorkingDayCalendar()  # default: Grundlovsdag, 24 and 31 December closed
    only_public = WorkingDayCalendar(closed_days=())
    christmas_eve = WorkingDayCalendar(closed_days=[ClosedDay.CHRISTMAS_EVE])
    assert not everything.is_working_day(date(2026, 6, 5)) and only_public.is_working_day(date(2026, 6, 5))
    assert not christmas_eve.is_working_day(date(2026, 12, 24)) and christmas_eve.is_working_day(date(2026, 12, 31))
    assert everything.holiday_name(date(2026, 12, 24)) == "christmas_eve"
    assert only_public.holiday_name(date(2026, 12, 24)) is None


def test_adding_and_counting_working_days_skips_holidays() -> None:
    calendar = WorkingDayCalendar()
    # Wednesday 1 April 2026 + 2 working days: Thu/Fri/Sat/Sun/Mon are closed, so Tuesday 7 and Wednesday 8.
    assert calendar.add_working_days(date(2026, 4, 1), 2) == date(2026, 4, 8)
    assert calendar.add_working_days(date(2026, 4, 1), 0) == date(2026, 4, 1)
    assert calendar.working_days_between(date(2026, 4, 1), date(2026, 4, 8)) == 2
    assert calendar.working_days_between(date(2026, 4, 8), date(2026, 4, 1)) == 0
    # Over Christmas 2026 with the default closed days: 23 Dec (Wed) → 28, 29, 30 Dec, then 4 Jan (1 Jan closed).
    assert calendar.add_working_days(date(2026, 12, 23), 4) == date(2027, 1, 4)
    with pytest.raises(ValueError, match="must not be negative"):
        calendar.add_working_days(date(2026, 4, 1), -1)


def test_daily_slots_are_agency_local_time_on_the_chosen_weekdays() -> None:
    mondays = Daily(at=time(7, 0), weekdays=frozenset({0}))
    # Monday 30 November 2026, 06:59 Copenhagen (05:59 UTC): the latest slot is the Monday before.
    assert mondays.latest(datetime(2026, 11, 30, 5, 59, tzinfo=UTC)) == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    assert mondays.latest(datetime(2026, 11, 30, 6, 0, tzinfo=UTC)) == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    # Summer time: 07:00 Copenhagen is 05:00 UTC.
    assert Daily(at=time(7, 0)).latest(datetime(2026, 7, 1, 12, tzinfo=UTC)) == datetime(2026, 7, 1, 5, tzinfo=UTC)


def test_every_slots_align_to_whole_multiples() -> None:
    assert Every(15).latest(datetime(2026, 11, 30, 10, 44, 59, tzinfo=UTC)) == datetime(
        2026, 11, 30, 10, 30, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="at least one minute"):
        Every(0)
