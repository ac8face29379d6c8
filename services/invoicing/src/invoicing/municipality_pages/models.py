"""The municipality pages' rules free of I/O: which date the progress page shows, which page of the statements
list, and one statement as a row of that list.

Amounts stay integer øre and hours integer minutes here; the templates write them the page language's way
(``t.kroner``, ``t.hours``). The page number rule is the portal's (:func:`invoicing.portal.models.page_number`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from invoicing.municipality_kpis.models import END_REASONS
from invoicing.portal.models import MAX_PAGE, PAGE_SIZE, PageNumberError, page_number
from invoicing.statements.models import Statement, StatementPeriod, StatementPeriodKind

__all__ = [
    "MAX_PAGE",
    "PAGE_SIZE",
    "AsOfInvalidError",
    "MunicipalityPageError",
    "NoAccessError",
    "PageNumberError",
    "StatementRow",
    "as_of_date",
    "end_reason_rows",
    "page_number",
    "row_of",
]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class MunicipalityPageError(Exception):
    """A request that ends on an explanatory page instead of the page asked for."""


class NoAccessError(MunicipalityPageError):
    """A valid page session that does not open the municipality pages: not a ``municipality`` user's, or one
    without a municipality (a 403 page)."""


class AsOfInvalidError(MunicipalityPageError):
    """``?as_of=`` is not a date written ``YYYY-MM-DD`` (a 422 page saying so, never another date's figures)."""


def as_of_date(raw: str | None, today: date) -> date:
    """``?as_of=`` → the date (absent or empty: ``today``, the agency's date). Anything but a real calendar date
    written ``YYYY-MM-DD`` in ASCII digits raises AsOfInvalidError. A future date is the KPI service's to refuse
    (422 ``as-of-future``)."""
    if raw is None or raw == "":
        return today
    if not _ISO_DATE.fullmatch(raw):
        raise AsOfInvalidError(raw)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise AsOfInvalidError(raw) from None


@dataclass(frozen=True)
class StatementRow:
    """One issued statement (or correction statement) of the list: its number, kind, period (``month``: the
    first day of a calendar month's period, else None and ``start``/``end``), issue date, minutes, total in øre
    (VAT included, as issued) and the unique citizens of its period."""

    statement_id: UUID
    number: str
    correction: bool
    month: date | None
    start: date
    end: date
    issue_date: date
    minutes: int
    total_ore: int
    unique_citizens: int


def period_month(period: StatementPeriod) -> date | None:
    """The first day of a monthly period (written as its month), None for a quarter (written start – end)."""
    return period.start if period.kind is StatementPeriodKind.MONTHLY else None


def row_of(statement: Statement) -> StatementRow:
    """The row of an issued statement. Raises ValueError for a draft (never shown to a municipality)."""
    issue = statement.issue
    if issue is None:
        raise ValueError(f"statement {statement.statement_id} is a draft")
    return StatementRow(
        statement_id=statement.statement_id,
        number=issue.number,
        correction=statement.is_correction,
        month=period_month(statement.period),
        start=statement.period.start,
        end=statement.period.end,
        issue_date=issue.issue_date,
        minutes=statement.total_minutes,
        total_ore=issue.total_ore,
        unique_citizens=statement.unique_citizens,
    )


def end_reason_rows(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Every end reason with its count, in :data:`~invoicing.municipality_kpis.models.END_REASONS` order (0 where
    none ended so), then any reason placement sent that is not listed there (by name)."""
    known = [(reason, counts.get(reason, 0)) for reason in END_REASONS]
    return known + sorted((reason, count) for reason, count in counts.items() if reason not in END_REASONS)
