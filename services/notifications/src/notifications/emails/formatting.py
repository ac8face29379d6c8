"""Danish formatting of durations and dates for e-mails; integers in, text out (no floats).

Both come from the shared web layer (:mod:`vikar_shared.web.formatting`, Babel's Danish names)."""

from __future__ import annotations

from datetime import date

from vikar_shared.web.formatting import day_with_year, hours_minutes

# ``135`` → ``"2:15"``; negative durations (corrections) keep their sign: ``-65`` → ``"-1:05"``.
format_minutes = hours_minutes


def format_date(day: date) -> str:
    """``date(2026, 1, 12)`` → ``"mandag 12. januar 2026"``."""
    return day_with_year(day, "da")
