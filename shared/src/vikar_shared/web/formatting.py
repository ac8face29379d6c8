"""Numbers, durations and dates written the Danish (or English) way, from integers and dates; no floats.

Names of weekdays and months and the separators of numbers come from Babel (CLDR data), never from
hand tables. A locale is ``"da"`` or ``"en"``; money is always Danish kroner, written the page language's way
(``284,48 kr.`` / ``DKK 284.48``). Dates are calendar dates; instants are shown on the agency's clock
(:data:`vikar_shared.clock.AGENCY_TIMEZONE`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date, get_day_names
from babel.numbers import format_currency

from vikar_shared.clock import AGENCY_TIMEZONE

# Babel locale and pattern for money per page locale. Danish: CLDR's da_DK standard currency pattern
# ("#,##0.00 ¤"). English: CLDR's en separators with the ISO code, spaced as CLDR's "standard-alphaNextToNumber"
# pattern for en ("¤ #,##0.00", no-break space) asks when the symbol is letters (Babel 2.19 does not carry that
# pattern, and its plain en pattern "¤#,##0.00" would write "DKK284.48").
_MONEY_FORMAT: dict[str, tuple[str, str | None]] = {"da": ("da_DK", None), "en": ("en", "¤\xa0#,##0.00")}
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
    """Integer øre as Danish kroner, written the page language's way (Babel, CLDR data), exact
    (``Decimal(ore).scaleb(-2)``, never a float):

    - ``"da"``: Danish separators, ``kr.`` after a no-break space: ``123456`` → ``"1.234,56\\xa0kr."``,
      ``-5`` → ``"-0,05\\xa0kr."``;
    - ``"en"``: English separators, the ISO code and a no-break space before: ``123456`` →
      ``"DKK\\xa01,234.56"``, ``-5`` → ``"-DKK\\xa00.05"``.

    Any other locale: KeyError."""
    babel_locale, pattern = _MONEY_FORMAT[locale]
    return format_currency(Decimal(ore).scaleb(-2), "DKK", format=pattern, locale=babel_locale)


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
