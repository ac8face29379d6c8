"""Numbers, durations and dates written the Danish (or English) way, from integers and dates; no floats.

Names of weekdays and months and the separators of numbers come from Babel (CLDR data), never from
hand tables. A locale is ``"da"`` or ``"en"``; English pages keep Danish money (``en_DK``: the agency
invoices in kroner). Dates are calendar dates; instants are shown on the agency's clock
(:data:`vikar_shared.clock.AGENCY_TIMEZONE`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date, get_day_names
from babel.numbers import format_currency

from vikar_shared.clock import AGENCY_TIMEZONE

# Babel locale for numbers and money per page locale: Danish separators either way.
_MONEY_LOCALE = {"da": "da_DK", "en": "en_DK"}
_DAY_PATTERN = {"da": "EEEE d. MMMM", "en": "EEEE d MMMM"}
_FULL_DATE_PATTERN = {"da": "d. MMMM y", "en": "d MMMM y"}
_SHORT_DAY_PATTERN = {"da": "{weekday}. {day}.{month}.", "en": "{weekday} {day}/{month}"}
_INSTANT_JOINER = {"da": " kl. ", "en": ", "}


def hours_minutes(minutes: int) -> str:
    """Minutes as ``h:mm``: ``135`` → ``"2:15"``, ``0`` → ``"0:00"``; a negative duration (a correction)
    keeps its sign: ``-65`` → ``"-1:05"``. Any size: ``6000`` → ``"100:00"``."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}"


def kroner(ore: int, locale: str = "da") -> str:
    """Integer øre as kroner with Danish separators and the currency sign CLDR uses (no-break space
    before it): ``123456`` → ``"1.234,56\\xa0kr."``, ``-5`` → ``"-0,05\\xa0kr."``. Exact (Decimal)."""
    return format_currency(Decimal(ore) / 100, "DKK", locale=_MONEY_LOCALE[locale])


def day(when: date, locale: str = "da") -> str:
    """Weekday, day and month: ``mandag 16. november`` / ``Monday 16 November``."""
    return format_date(when, _DAY_PATTERN[locale], locale=locale)


def day_with_year(when: date, locale: str = "da") -> str:
    """Weekday, day, month and year: ``mandag 12. januar 2026`` / ``Monday 12 January 2026``."""
    return f"{day(when, locale)} {when.year}"


def short_day(when: date, locale: str = "da") -> str:
    """Compact enough for a phone's table column: ``man. 16.11.`` / ``Mon 16/11`` (the weekday's first
    three letters, so every day of the week is equally wide)."""
    weekday = get_day_names("wide", locale=locale)[when.weekday()][:3]
    return _SHORT_DAY_PATTERN[locale].format(weekday=weekday, day=when.day, month=when.month)


def full_date(when: date, locale: str = "da") -> str:
    """``27. november 2026`` / ``27 November 2026``."""
    return format_date(when, _FULL_DATE_PATTERN[locale], locale=locale)


def month(first: date, locale: str = "da") -> str:
    """A month by any of its days: ``marts 2026`` / ``March 2026``."""
    return format_date(first, "MMMM y", locale=locale)


def instant(moment: datetime, locale: str = "da") -> str:
    """An aware instant on the agency's clock: ``16. november 2026 kl. 14:05`` / ``16 November 2026, 14:05``."""
    local = moment.astimezone(AGENCY_TIMEZONE)
    return f"{full_date(local.date(), locale)}{_INSTANT_JOINER[locale]}{local:%H:%M}"


def clock_time(moment: datetime) -> str:
    """An aware instant's time of day on the agency's clock: ``14:05``."""
    return f"{moment.astimezone(AGENCY_TIMEZONE):%H:%M}"


def iso_week(when: date) -> tuple[int, int]:
    """The ISO 8601 (year, week) a date falls in: ``date(2026, 1, 1)`` → ``(2026, 1)``,
    ``date(2027, 1, 1)`` → ``(2026, 53)``."""
    year, week, _ = when.isocalendar()
    return year, week
