"""Danish formatting of durations and dates for e-mails; integers in, text out (no floats)."""

from __future__ import annotations

from datetime import date

_WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
_MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)


def format_minutes(minutes: int) -> str:
    """``135`` → ``"2:15"``; negative durations (corrections) keep their sign: ``-65`` → ``"-1:05"``."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}"


def format_date(day: date) -> str:
    """``date(2026, 1, 12)`` → ``"mandag 12. januar 2026"`` (no locale dependency)."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day}. {_MONTHS[day.month - 1]} {day.year}"
