"""Billing periods. A period is a calendar month, named ``YYYY-MM`` in URLs and documents."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from vikar_shared.errors import invalid

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next_first_day(self) -> date:
        return date(self.year + 1, 1, 1) if self.month == 12 else date(self.year, self.month + 1, 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_month(text: str, field: str = "month") -> Month:
    match = _MONTH.fullmatch(text)
    if match is None or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        raise invalid(field, "month-format", f"{field} must be a calendar month written YYYY-MM, e.g. 2026-11")
    return Month(int(match[1]), int(match[2]))
