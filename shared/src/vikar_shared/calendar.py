"""Danish working days: the one calendar every deadline counted in working days uses (issue 14).

A working day is Monday to Friday and not a Danish public holiday (the ``holidays`` library's Danish
calendar: New Year's Day, Maundy Thursday, Good Friday, Easter Monday, Ascension Day, Whit Monday,
Christmas Day and Boxing Day; Easter Sunday and Whit Sunday fall on Sundays anyway). Store Bededag is
no public holiday from 2024 (lov nr. 179 af 28/02/2023), and the library knows it.

Many workplaces close on days that are not public holidays: :class:`ClosedDay` names them, and a
service's setting (``working_day_closed_days``, default Grundlovsdag, 24 and 31 December) chooses which
of them the agency counts as closed. The calendar is pure: it reads no clock.

Sources: helligdagsloven (LBK nr. 23 af 14/01/2019) and the ``holidays`` package's ``Denmark`` class.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays


class ClosedDay(StrEnum):
    """Days many Danish workplaces close although they are not public holidays."""

    CONSTITUTION_DAY = "constitution_day"  # Grundlovsdag, 5 June
    CHRISTMAS_EVE = "christmas_eve"  # Juleaftensdag, 24 December
    NEW_YEARS_EVE = "new_years_eve"  # Nytårsaftensdag, 31 December

    def on(self, year: int) -> date:
        return {
            ClosedDay.CONSTITUTION_DAY: date(year, 6, 5),
            ClosedDay.CHRISTMAS_EVE: date(year, 12, 24),
            ClosedDay.NEW_YEARS_EVE: date(year, 12, 31),
        }[self]


DEFAULT_CLOSED_DAYS: frozenset[ClosedDay] = frozenset(ClosedDay)


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DK", years=year))


class WorkingDayCalendar:
    """Monday–Friday minus Danish public holidays minus the chosen :class:`ClosedDay` s.

    ``closed_days`` default: all three (:data:`DEFAULT_CLOSED_DAYS`); pass ``()`` to count only public holidays."""

    def __init__(self, closed_days: Iterable[ClosedDay | str] = DEFAULT_CLOSED_DAYS) -> None:
        self.closed_days = frozenset(ClosedDay(d) for d in closed_days)

    def holiday_name(self, day: date) -> str | None:
        """The Danish public holiday's English name (the library's), a closed day's name, or None."""
        if day in _public_holidays(day.year):
            return str(holidays.country_holidays("DK", years=day.year).get(day))
        for closed in self.closed_days:
            if closed.on(day.year) == day:
                return closed.value
        return None

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5 or day in _public_holidays(day.year):
            return False
        return all(closed.on(day.year) != day for closed in self.closed_days)

    def add_working_days(self, day: date, working_days: int) -> date:
        """The day ``working_days`` (≥ 0) working days after ``day``; ``day`` itself never counts, so 0 is
        ``day``. Raises ValueError for a negative count."""
        if working_days < 0:
            raise ValueError("working_days must not be negative")
        current, remaining = day, working_days
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie after ``start`` up to and including ``end`` (0 when ``end <= start``):
        an entry submitted on ``start`` has waited this many working days on ``end``."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count
