"""The ledger's pure rules: which entries go on which draft, grouping into lines, numbers, due dates."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from invoicing.ledger.models import UnbilledEntry, draft, due_date, group_lines, invoice_number, plan_drafts
from invoicing.periods import BillingPeriod, Period

ANCHOR = date(2024, 1, 1)
ANNA, BO = uuid.uuid4(), uuid.uuid4()


def _entry(citizen: uuid.UUID, day: date, minutes: int, rate: int, amount: int) -> UnbilledEntry:
    name = "Anna" if citizen == ANNA else "Bo"
    return UnbilledEntry(uuid.uuid4(), citizen, name, day, minutes, rate, amount)


def test_first_close_drafts_each_ended_period_with_lines_and_skips_empty_ones() -> None:
    sep, nov, dec = (
        _entry(ANNA, date(2026, 9, 3), 60, 100, 100),
        _entry(ANNA, date(2026, 11, 3), 60, 100, 100),
        _entry(ANNA, date(2026, 12, 1), 60, 100, 100),
    )
    planned = plan_drafts(
        [sep, nov, dec], BillingPeriod.MONTHLY, through=date(2026, 11, 30), closed_through=None, anchor=ANCHOR
    )
    assert [(p.period.label, [e.entry_id for e in p.entries]) for p in planned] == [
        ("2026-09", [sep.entry_id]),
        ("2026-11", [nov.entry_id]),
    ]
    assert all(not p.late for p in planned)


def test_late_entries_ride_on_the_first_new_period_even_when_it_has_no_hours_of_its_own() -> None:
    late = _entry(ANNA, date(2026, 10, 28), 30, 100, 50)
    planned = plan_drafts(
        [late], BillingPeriod.WEEKLY, through=date(2026, 11, 8), closed_through=date(2026, 11, 1), anchor=ANCHOR
    )
    assert [(p.period.start, p.period.end) for p in planned] == [(date(2026, 11, 2), date(2026, 11, 8))]
    assert planned[0].late == frozenset({late.entry_id})
    # Nothing ended after the closed day yet: the late entry waits for the next close.
    assert (
        plan_drafts(
            [late], BillingPeriod.WEEKLY, through=date(2026, 11, 7), closed_through=date(2026, 11, 1), anchor=ANCHOR
        )
        == []
    )


def test_lines_are_per_citizen_and_rate_with_plain_sums_and_late_lines_per_day_last() -> None:
    entries = [
        _entry(BO, date(2026, 11, 2), 7, 12_345, 1_440),
        _entry(ANNA, date(2026, 11, 3), 45, 17_999, 13_499),
        _entry(ANNA, date(2026, 11, 4), 45, 17_999, 13_499),
        _entry(ANNA, date(2026, 11, 20), 30, 20_000, 10_000),
    ]
    late = _entry(ANNA, date(2026, 10, 30), 15, 17_999, 4_500)
    lines = group_lines([*entries, late], frozenset({late.entry_id}))
    assert [
        (ln.position, ln.citizen_name, ln.rate_ore_per_hour, ln.minutes, ln.amount_ore, ln.late) for ln in lines
    ] == [
        (1, "Anna", 17_999, 90, 26_998, False),  # 13 499 + 13 499, not 90 min re-rounded (26 999)
        (2, "Anna", 20_000, 30, 10_000, False),
        (3, "Bo", 12_345, 7, 1_440, False),
        (4, "Anna", 17_999, 15, 4_500, True),
    ]
    assert (lines[0].first_work_date, lines[0].last_work_date) == (date(2026, 11, 3), date(2026, 11, 4))
    assert len(lines[0].entry_ids) == 2
    invoice = draft(
        uuid.uuid4(), uuid.uuid4(), Period(date(2026, 11, 1), date(2026, 11, 30), BillingPeriod.MONTHLY), lines, None
    )
    # 42 938 * 25 % = 10 734.5 -> 10 735, once on the subtotal.
    assert (invoice.net_ore, invoice.vat_ore, invoice.total_ore) == (42_938, 10_735, 53_673)


def test_numbers_and_due_dates() -> None:
    assert invoice_number(2026, 123) == "2026-000123"
    assert invoice_number(2027, 1) == "2027-000001"
    with pytest.raises(ValueError, match="6 digits"):
        invoice_number(2026, 1_000_000)
    assert due_date(date(2026, 12, 20), 14) == date(2027, 1, 3)
    assert due_date(date(2028, 2, 20), 9) == date(2028, 2, 29)
