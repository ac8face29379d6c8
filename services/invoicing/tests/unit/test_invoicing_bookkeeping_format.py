"""The bookkeeping export's formats (invoicing.documents.bookkeeping): kroner from integer øre, dates, a year."""

from __future__ import annotations

from datetime import date

import pytest

from invoicing.documents.bookkeeping import kroner, one_year_after
from vikar_shared.spreadsheet import danish_date


@pytest.mark.parametrize(
    ("ore", "text"),
    [
        (0, "0,00"),
        (1, "0,01"),
        (-1, "-0,01"),
        (99, "0,99"),
        (100, "1,00"),
        (-9_000, "-90,00"),
        (123_456, "1234,56"),
        (-123_456, "-1234,56"),
        (100_000_000_005, "1000000000,05"),
        (10**20 + 7, "1000000000000000000,07"),  # no float anywhere: exact at any size
    ],
)
def test_kroner_with_decimal_comma_and_no_thousands_separator(ore: int, text: str) -> None:
    assert kroner(ore) == text


def test_dates_are_day_month_year() -> None:
    assert danish_date(date(2026, 1, 5)) == "05-01-2026"


def test_one_year_after_a_leap_day_is_the_first_of_march() -> None:
    assert one_year_after(date(2026, 11, 1)) == date(2027, 11, 1)
    assert one_year_after(date(2024, 2, 29)) == date(2025, 3, 1)
