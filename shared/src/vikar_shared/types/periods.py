"""Months (``YYYY-MM``), ISO weeks (``YYYY-Www``) and dates (``YYYY-MM-DD``): one parser for every service.

Supported range: the years ``FIRST_YEAR`` (2000) to ``LAST_YEAR`` (2100) inclusive, for months, ISO
week-years and dates alike; outside it the answer is a 422, never an overflow. Digits are normalised
as ``vikar_shared.types.digits`` decides (NFKC, then ASCII only).

Two faces of each parser:

- plain functions (``parse_month``, ``parse_iso_week``, ``parse_day``) for code that holds a string;
  they raise ``DomainError`` (category validation) naming ``field`` and the rule;
- pydantic types for schemas and query parameters (``MonthText``, ``IsoWeekText``, ``Day``); their
  errors become a 422 problem whose ``errors[].rule`` is the rule code.

Rule codes: ``month-format``, ``month-out-of-range``, ``iso-week-invalid`` (not ``YYYY-Www`` or no such
week in that year), ``iso-week-out-of-range``, ``date-format``, ``date-out-of-range``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from vikar_shared.errors import DomainError, invalid
from vikar_shared.types.digits import normalise

FIRST_YEAR = 2000
LAST_YEAR = 2100
FIRST_DAY = date(FIRST_YEAR, 1, 1)
LAST_DAY = date(LAST_YEAR, 12, 31)

# For the OpenAPI documents (clients and fuzzers generate from them): the supported years only.
_YEAR_PATTERN = "(20[0-9]{2}|2100)"
MONTH_PATTERN = rf"^{_YEAR_PATTERN}-(0[1-9]|1[0-2])$"
ISO_WEEK_PATTERN = rf"^{_YEAR_PATTERN}-W(0[1-9]|[1-4][0-9]|5[0-3])$"

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})", re.ASCII)
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
_MAX_INPUT = 40  # longer input is not any of these shapes; refused before any work


class PeriodError(ValueError):
    """A period that breaks ``rule``; ``message`` says what is expected, phrased to follow a field name
    ("must be ...")."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


@dataclass(frozen=True, slots=True, order=True)
class Month:
    """A calendar month within the supported range."""

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


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    """An ISO 8601 week (Monday to Sunday) of an ISO week-year."""

    year: int
    week: int

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @classmethod
    def parse(cls, text: str, field: str = "week") -> IsoWeek:
        """Same as ``parse_iso_week``."""
        return parse_iso_week(text, field)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"


def _range_text() -> str:
    return f"{FIRST_YEAR} to {LAST_YEAR}"


def month_of(text: str) -> Month:
    """``"2026-11"`` → ``Month(2026, 11)``; raises ``PeriodError``."""
    match = _MONTH.fullmatch(normalise(text)) if len(text) <= _MAX_INPUT else None
    if match is None or not 1 <= int(match[2]) <= 12:
        raise PeriodError("month-format", "must be a calendar month written YYYY-MM, e.g. 2026-11")
    year = int(match[1])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError("month-out-of-range", f"must be a month of the years {_range_text()}")
    return Month(year, int(match[2]))


def iso_week_of(text: str) -> IsoWeek:
    """``"2026-W47"`` → ``IsoWeek(2026, 47)``; raises ``PeriodError``."""
    match = _WEEK.fullmatch(normalise(text)) if len(text) <= _MAX_INPUT else None
    if match is None:
        raise PeriodError("iso-week-invalid", "must be an ISO week written YYYY-Www, e.g. 2026-W47")
    year, week = int(match[1]), int(match[2])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError("iso-week-out-of-range", f"must be an ISO week of the years {_range_text()}")
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise PeriodError("iso-week-invalid", f"must be an ISO week that exists: {year} has no week {week}") from None
    return IsoWeek(year, week)


def day_of(value: str | date) -> date:
    """``"2026-11-05"`` (or a ``date``) → the date; raises ``PeriodError``. A ``datetime`` is refused."""
    if isinstance(value, datetime) or not isinstance(value, str | date):
        raise PeriodError("date-format", "must be a date written YYYY-MM-DD, e.g. 2026-11-05")
    if isinstance(value, str):
        match = _DAY.fullmatch(normalise(value)) if len(value) <= _MAX_INPUT else None
        if match is None:
            raise PeriodError("date-format", "must be a date written YYYY-MM-DD, e.g. 2026-11-05")
        if not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
            raise PeriodError("date-out-of-range", f"must be a date from {FIRST_DAY} to {LAST_DAY}")
        try:
            value = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise PeriodError("date-format", "must be a day that exists in the calendar") from None
    if not FIRST_DAY <= value <= LAST_DAY:
        raise PeriodError("date-out-of-range", f"must be a date from {FIRST_DAY} to {LAST_DAY}")
    return value


def _domain(field: str, error: PeriodError) -> DomainError:
    return invalid(field, error.rule, f"{field} {error.message}")


def parse_month(text: str, field: str = "month") -> Month:
    """A month written ``YYYY-MM``. Raises ``DomainError`` (``month-format``, ``month-out-of-range``)."""
    try:
        return month_of(text)
    except PeriodError as error:
        raise _domain(field, error) from None


def parse_iso_week(text: str, field: str = "week") -> IsoWeek:
    """An ISO week written ``YYYY-Www``. Raises ``DomainError`` (``iso-week-invalid``, ``iso-week-out-of-range``)."""
    try:
        return iso_week_of(text)
    except PeriodError as error:
        raise _domain(field, error) from None


def parse_day(text: str, field: str = "date") -> date:
    """A date written ``YYYY-MM-DD``. Raises ``DomainError`` (``date-format``, ``date-out-of-range``)."""
    try:
        return day_of(text)
    except PeriodError as error:
        raise _domain(field, error) from None


def _pydantic(error: PeriodError) -> PydanticCustomError:
    return PydanticCustomError(error.rule, f"The value {error.message}")


@dataclass(frozen=True, slots=True)
class _PeriodText:
    """A string that must be a month or an ISO week; validates to its canonical ASCII spelling."""

    kind: str

    def _validate(self, value: str) -> str:
        try:
            return str(month_of(value) if self.kind == "month" else iso_week_of(value))
        except PeriodError as error:
            raise _pydantic(error) from None

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._validate, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        if self.kind == "month":
            json_schema.update(pattern=MONTH_PATTERN, examples=["2026-11"], maxLength=7)
        else:
            json_schema.update(pattern=ISO_WEEK_PATTERN, examples=["2026-W47"], maxLength=8)
        return json_schema


class _DayRange:
    """A date within the supported range, written ``YYYY-MM-DD`` (no timestamps, no times)."""

    @staticmethod
    def _validate(value: Any) -> date:
        try:
            return day_of(value)
        except PeriodError as error:
            raise _pydantic(error) from None

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self._validate, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.setdefault("examples", ["2026-11-05"])
        json_schema.update(formatMinimum=FIRST_DAY.isoformat(), formatMaximum=LAST_DAY.isoformat())
        return json_schema


MonthText = Annotated[str, _PeriodText("month")]
"""A month ``YYYY-MM`` of 2000..2100, validated to its canonical ASCII spelling (parse it with ``parse_month``)."""
IsoWeekText = Annotated[str, _PeriodText("week")]
"""An ISO week ``YYYY-Www`` of 2000..2100, validated to its canonical ASCII spelling."""
Day = Annotated[date, _DayRange()]
"""A date from 2000-01-01 to 2100-12-31 written ``YYYY-MM-DD``."""
