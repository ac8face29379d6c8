"""Text for the CSV files people open in a spreadsheet (Danish Excel): the agency's exports of every service
(bookkeeping, wage basis, economics, the CPR export) write cells through these, so one rule holds everywhere."""

from __future__ import annotations

from datetime import date

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """``value`` as a spreadsheet shows it as text: prefixed with ``'`` when it starts like a formula (OWASP,
    CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def danish_date(day: date) -> str:
    """``dd-mm-yyyy``, as Danish spreadsheets read a date."""
    return f"{day.day:02d}-{day.month:02d}-{day.year:04d}"
