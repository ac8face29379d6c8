"""Billing periods. A month is named ``YYYY-MM`` in URLs (the preview's parameter); a company is billed
per calendar month (the default), per ISO week, or per fortnight.

The month parser is the shared one (``vikar_shared.types.periods``): years 2000..2100, digits normalised
(NFKC) then ASCII only; ``parse_month`` raises ``DomainError`` ``month-format`` or ``month-out-of-range``
naming the field.

Weeks are ISO 8601 weeks (Monday..Sunday; ``date.isocalendar``), so a week can span New Year (2026-W53 is
2026-12-28..2027-01-03). Fortnights are counted from one fixed **anchor Monday** (the setting
``INVOICING_FORTNIGHT_ANCHOR``), never from pairs of ISO week numbers: a year with a week 53 would
otherwise put two fortnights on top of each other or leave a week out. Every day belongs to exactly one
period of each kind; periods are closed intervals ``[start, end]`` of whole days.

All functions here are pure (no clock, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from vikar_shared.types.periods import Month, parse_month

__all__ = [
    "BillingPeriod",
    "Month",
    "Period",
    "is_monday",
    "parse_month",
    "period_containing",
    "periods_to_close",
]

_WEEK = timedelta(days=7)
_FORTNIGHT = timedelta(days=14)


class BillingPeriod(StrEnum):
    """A company's billing rhythm, as placement's company events name it (``billing_period``)."""

    MONTHLY = "monthly"
    FORTNIGHTLY = "fortnightly"
    WEEKLY = "weekly"

    @classmethod
    def of(cls, text: str | None) -> BillingPeriod:
        """The rhythm named ``text``; None (an event from before the field) is monthly. An unknown name
        raises ValueError."""
        return cls.MONTHLY if text is None else cls(text)


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """The days ``start..end`` (both included) of one billing period of ``kind``."""

    start: date
    end: date
    kind: BillingPeriod

    @property
    def label(self) -> str:
        """``2026-11`` (month), ``2026-W53`` (ISO week), ``2026-W47/2026-W48`` (fortnight: its two ISO weeks)."""
        if self.kind is BillingPeriod.MONTHLY:
            return f"{self.start:%Y-%m}"
        first = _iso_week_label(self.start)
        if self.kind is BillingPeriod.WEEKLY:
            return first
        return f"{first}/{_iso_week_label(self.end)}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _iso_week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def is_monday(day: date) -> bool:
    return day.isoweekday() == 1


def period_containing(kind: BillingPeriod, day: date, *, anchor: date) -> Period:
    """The period of ``kind`` that ``day`` lies in. ``anchor``: the Monday fortnights count from (days
    before it belong to earlier fortnights, counted backwards). Raises ValueError when ``anchor`` is not a
    Monday."""
    if not is_monday(anchor):
        raise ValueError(f"the fortnight anchor must be a Monday, not {anchor:%A} {anchor}")
    if kind is BillingPeriod.MONTHLY:
        month = Month(day.year, day.month)
        return Period(month.first_day, month.next_first_day - timedelta(days=1), kind)
    if kind is BillingPeriod.WEEKLY:
        monday = day - timedelta(days=day.isoweekday() - 1)
        return Period(monday, monday + _WEEK - timedelta(days=1), kind)
    start = anchor + _FORTNIGHT * ((day - anchor).days // 14)  # floor division: before the anchor too
    return Period(start, start + _FORTNIGHT - timedelta(days=1), kind)


def periods_to_close(
    kind: BillingPeriod, *, first_day: date, through: date, closed_through: date | None, anchor: date
) -> list[Period]:
    """The periods of ``kind`` that have ended on or before ``through`` and are not closed yet, oldest first.

    ``first_day``: the earliest day that needs a period (the first work date not invoiced yet);
    ``closed_through``: the last day of the company's last closed period (None before its first close).
    The first period is cut to start the day after ``closed_through`` (a company that changed its rhythm,
    e.g. monthly to weekly, never gets a day twice). Empty when nothing has ended yet."""
    start = period_containing(kind, first_day, anchor=anchor).start
    if closed_through is not None and start <= closed_through:
        start = closed_through + timedelta(days=1)
    found: list[Period] = []
    while True:
        period = period_containing(kind, start, anchor=anchor)
        if period.end > through:
            return found
        found.append(Period(start, period.end, kind))
        start = period.end + timedelta(days=1)
