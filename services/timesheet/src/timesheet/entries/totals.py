"""Minutes of one company per month of work date and status (the portal's history page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class MonthTotals:
    """Signed minutes (corrections count with their sign) worked in ``month`` (its first day), by status."""

    month: date
    approved_minutes: int
    rejected_minutes: int
    submitted_minutes: int
