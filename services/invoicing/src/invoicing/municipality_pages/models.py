"""The municipality pages' rules free of I/O: which date the progress page shows, which page of the statements
list, and one statement as a row of that list.

Amounts stay integer øre and hours integer minutes here; the templates write them the page language's way
(``t.kroner``, ``t.hours``). The page number rule is the portal's (:func:`invoicing.portal.models.page_number`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from invoicing.municipality_kpis.models import END_REASONS, KpiMonth
from invoicing.portal.models import MAX_PAGE, PAGE_SIZE, PageNumberError, page_number
from invoicing.statements.models import Statement, StatementPeriod, StatementPeriodKind
from vikar_shared.types.periods import FIRST_DAY, LAST_DAY, PeriodError, day_of

__all__ = [
    "AS_OF_RANGE",
    "MAX_PAGE",
    "PAGE_SIZE",
    "AsOfInvalidError",
    "EndReasonMonth",
    "MunicipalityPageError",
    "NoAccessError",
    "PageNumberError",
    "StatementRow",
    "as_of_date",
    "end_reason_rows",
    "end_reasons_by_month",
    "page_number",
    "row_of",
]


class MunicipalityPageError(Exception):
    """A request that ends on an explanatory page instead of the page asked for."""


class NoAccessError(MunicipalityPageError):
    """A valid page session that does not open the municipality pages: not a ``municipality`` user's, or one
    without a municipality (a 403 page)."""


class AsOfInvalidError(MunicipalityPageError):
    """``?as_of=`` is not a date the KPI API accepts (a 422 page naming ``rule``, never another date's figures):
    ``date-format`` (not a real date written ``YYYY-MM-DD``) or ``date-out-of-range`` (outside
    :data:`~vikar_shared.types.periods.FIRST_DAY` .. :data:`~vikar_shared.types.periods.LAST_DAY`)."""

    def __init__(self, raw: str, rule: str) -> None:
        super().__init__(raw, rule)
        self.raw = raw
        self.rule = rule


def as_of_date(raw: str | None, today: date) -> date:
    """``?as_of=`` → the date. Absent or empty (a cleared form field): ``today``, the agency's date (the API treats
    an absent ``as_of`` so too). Anything else is parsed by the API's own parser,
    :func:`vikar_shared.types.periods.day_of` (behind the ``Day`` query type of ``GET /municipalities/{id}/kpis``),
    so the page and the API accept and refuse the same values for the same reasons: digits are NFKC-normalised
    (full-width ``２０２６-11-01`` is 2026-11-01), a real date written ``YYYY-MM-DD`` from FIRST_DAY to LAST_DAY
    (2000-01-01 .. 2100-12-31). Raises AsOfInvalidError with the rule (``date-format``, ``date-out-of-range``).
    A future date is the KPI service's to refuse (422 ``as-of-future``)."""
    if raw is None or raw == "":
        return today
    try:
        return day_of(raw)
    except PeriodError as error:
        raise AsOfInvalidError(raw, error.rule) from None


# The supported range of ``as_of`` (the "invalid date" page names it).
AS_OF_RANGE = (FIRST_DAY, LAST_DAY)


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


@dataclass(frozen=True)
class EndReasonMonth:
    """One month with ended placements: ``month`` ``YYYY-MM``, ``ended`` in all, and ``counts`` in the order of
    the table's reason columns."""

    month: str
    ended: int
    counts: tuple[int, ...]


def end_reasons_by_month(months: list[KpiMonth]) -> tuple[list[str], list[EndReasonMonth]]:
    """The per-month end reasons table: its reason columns (every reason some listed month ended a placement for,
    in :func:`end_reason_rows` order) and its rows (the listed months with at least one ended placement, oldest
    first). Both empty when no listed month ended one."""
    totals: dict[str, int] = {}
    for month in months:
        for reason, count in month.end_reasons.items():
            totals[reason] = totals.get(reason, 0) + count
    columns = [reason for reason, count in end_reason_rows(totals) if count]
    rows = [
        EndReasonMonth(m.month, m.placements_ended, tuple(m.end_reasons.get(r, 0) for r in columns))
        for m in months
        if m.placements_ended
    ]
    return columns, rows
