"""Draft invoice and draft co-financing statement arithmetic, and month parsing."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from invoicing.co_financing.models import CoFinancedHours, draft_statement
from invoicing.invoices.models import InvoiceLine, draft_invoice
from invoicing.periods import Month, parse_month
from vikar_shared.errors import Category, DomainError

NOVEMBER = Month(2026, 11)


def test_invoice_draft_sums_lines_and_charges_vat_once_on_the_odd_subtotal() -> None:
    lines = [
        InvoiceLine(uuid.uuid4(), date(2026, 11, 15), "Anna", 90, 17_999, 26_999),
        InvoiceLine(uuid.uuid4(), date(2026, 11, 3), "Bo", 7, 12_345, 1_440),
        InvoiceLine(uuid.uuid4(), date(2026, 11, 14), "Bo", 16, 12_345, 3_292),
        InvoiceLine(uuid.uuid4(), date(2026, 11, 14), "Anna", 45, 17_999, 13_499),
        InvoiceLine(uuid.uuid4(), date(2026, 11, 20), "Carl", 30, 20_000, 10_000),
    ]
    draft = draft_invoice(uuid.uuid4(), NOVEMBER, lines, pending_entries=0)
    assert draft.subtotal_ore == 55_230
    assert draft.vat_rate_percent == 25
    assert draft.vat_ore == 13_808  # 13807.5 rounds up
    assert draft.total_ore == 69_038
    assert [(line.work_date.day, line.citizen_name) for line in draft.lines] == [
        (3, "Bo"),
        (14, "Anna"),
        (14, "Bo"),
        (15, "Anna"),
        (20, "Carl"),
    ]


def test_vat_on_the_subtotal_differs_from_the_sum_of_per_line_vat() -> None:
    # Per line, 0.25 øre each would round to 0; on the subtotal of 6 øre it is 1.5 → 2.
    lines = [InvoiceLine(uuid.uuid4(), date(2026, 11, d), "A", 1, 60, 1) for d in range(1, 7)]
    draft = draft_invoice(uuid.uuid4(), NOVEMBER, lines, pending_entries=0)
    assert (draft.subtotal_ore, draft.vat_ore, draft.total_ore) == (6, 2, 8)


def test_empty_invoice_draft_is_all_zero() -> None:
    draft = draft_invoice(uuid.uuid4(), NOVEMBER, [], pending_entries=2)
    assert (draft.subtotal_ore, draft.vat_ore, draft.total_ore, draft.pending_entries) == (0, 0, 0, 2)


def test_statement_groups_by_citizen_with_distinct_rates_and_unique_count() -> None:
    anna, bo = uuid.uuid4(), uuid.uuid4()
    lines = [
        CoFinancedHours(bo, "Bo", 7, 10_000, 1_167),
        CoFinancedHours(anna, "Anna", 45, 10_000, 7_500),
        CoFinancedHours(anna, "Anna", 90, 12_500, 18_750),
        CoFinancedHours(bo, "Bo", 16, 10_000, 2_667),
    ]
    draft = draft_statement(uuid.uuid4(), "Aalborg", NOVEMBER, lines)
    assert [(c.citizen_name, c.minutes, c.amount_ore, c.rates_ore_per_hour) for c in draft.citizens] == [
        ("Anna", 135, 26_250, (10_000, 12_500)),
        ("Bo", 23, 3_834, (10_000,)),
    ]
    assert (draft.total_minutes, draft.total_ore, draft.unique_citizens) == (158, 30_084, 2)


def test_statement_amount_is_the_sum_of_rounded_lines_not_a_rerounded_total() -> None:
    citizen = uuid.uuid4()
    # 7 minutes at 10_000 is 1166.67 → 1_167 per line; 21 minutes in one go would be exactly 3_500.
    lines = [CoFinancedHours(citizen, "Anna", 7, 10_000, 1_167) for _ in range(3)]
    draft = draft_statement(uuid.uuid4(), "Aalborg", NOVEMBER, lines)
    assert (draft.total_minutes, draft.total_ore) == (21, 3_501)


@pytest.mark.parametrize(("text", "expected"), [("2026-11", Month(2026, 11)), ("2026-01", Month(2026, 1))])
def test_month_parses_year_and_month(text: str, expected: Month) -> None:
    assert parse_month(text) == expected


def test_month_bounds_run_from_its_first_day_to_the_first_day_of_the_next() -> None:
    assert (NOVEMBER.first_day, NOVEMBER.next_first_day) == (date(2026, 11, 1), date(2026, 12, 1))
    assert Month(2026, 12).next_first_day == date(2027, 1, 1)
    assert str(Month(2026, 2)) == "2026-02"


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "abc", "2026-1", "2026-11-01", "", "٢٠٢٦-11", "2026-1１1"])
def test_a_bad_month_is_a_validation_error_naming_month(text: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_month(text)
    assert caught.value.category is Category.VALIDATION
    assert [(v.field, v.rule) for v in caught.value.violations] == [("month", "month-format")]


@pytest.mark.parametrize("text", ["0000-05", "1999-12", "2101-01", "9999-12"])
def test_a_month_outside_2000_to_2100_is_out_of_range(text: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_month(text)
    assert [(v.field, v.rule) for v in caught.value.violations] == [("month", "month-out-of-range")]


def test_full_width_digits_are_the_same_month() -> None:
    # The shared rule (vikar_shared.types.digits): NFKC first, then ASCII digits only.
    assert parse_month("２０２６-１１") == parse_month("2026-11") == Month(2026, 11)
    assert parse_month("2000-01") == Month(2000, 1) and parse_month("2100-12") == Month(2100, 12)
