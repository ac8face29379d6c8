"""Pure rules of credit notes, adjustments and reconciliation (issue 9), exact øre."""

from __future__ import annotations

import uuid
from datetime import date

from invoicing.adjustments.models import Charged, adjustment_ore
from invoicing.ledger.models import UnbilledEntry, group_credit_lines
from invoicing.reconciliation.models import DocumentCheck, EntryCharges, reconcile
from invoicing.reconciliation.schemas import ReconciliationOut

COMPANY = uuid.uuid4()


def _entry(**kw: int) -> EntryCharges:
    values = {
        "minutes": 90,
        "rate_ore_per_hour": 17_999,
        "invoiced_ore": 0,
        "credited_ore": 0,
        "not_yet_invoiced_ore": 0,
    }
    values.update(kw)
    return EntryCharges(entry_id=uuid.uuid4(), company_id=COMPANY, work_date=date(2026, 10, 5), **values)


def test_an_entry_on_one_issued_invoice_reconciles_and_an_unsettled_rate_change_does_not() -> None:
    assert _entry(invoiced_ore=26_999).difference_ore == 0  # 90 min at 17 999 = 26 998.5 -> 26 999
    # The rate in force went to 20 000 (30 000 øre) but only the line was charged: 3 001 missing.
    unsettled = _entry(rate_ore_per_hour=20_000, invoiced_ore=26_999)
    assert unsettled.difference_ore == 3_001
    assert _entry(rate_ore_per_hour=20_000, invoiced_ore=26_999, not_yet_invoiced_ore=3_001).difference_ore == 0
    # Lowered by a credit note: invoiced 26 999, credited 4 499, approved at 15 000 = 22 500.
    assert _entry(rate_ore_per_hour=15_000, invoiced_ore=26_999, credited_ore=4_499).difference_ore == 0
    # Counted twice is a difference too.
    assert _entry(invoiced_ore=26_999, not_yet_invoiced_ore=26_999).difference_ore == -26_999


def test_reconcile_lists_only_the_differences_per_company_and_documents_off_their_items() -> None:
    good, bad = _entry(invoiced_ore=26_999), _entry(rate_ore_per_hour=20_000, invoiced_ore=26_999)
    document = DocumentCheck(uuid.uuid4(), COMPANY, "credit_note", "2026-000002", net_ore=9_000, items_ore=-9_000)
    off = DocumentCheck(uuid.uuid4(), COMPANY, "invoice", "2026-000003", net_ore=9_001, items_ore=9_000)
    [company] = reconcile([good, bad], [document, off], {COMPANY: 1})
    assert (company.approved_ore, company.invoiced_ore, company.difference_ore) == (56_999, 53_998, 3_001)
    assert company.differences == (bad,)
    assert company.document_differences == (off,)
    assert company.pending_entries == 1


def test_an_adjustment_is_the_new_amount_minus_what_was_charged() -> None:
    charged = Charged(uuid.uuid4(), COMPANY, uuid.uuid4(), "A", date(2026, 10, 6), 60, 17_999, 17_999, 20_000)
    assert adjustment_ore(charged) == 2_001
    # Rounded once on the whole entry at the new rate: 45 min at 17 999 charged 13 499; at 12 345: 9 258.75 -> 9 259.
    lowered = Charged(uuid.uuid4(), COMPANY, uuid.uuid4(), "A", date(2026, 10, 6), 45, 17_999, 13_499, 12_345)
    assert adjustment_ore(lowered) == -4_240
    settled = Charged(uuid.uuid4(), COMPANY, uuid.uuid4(), "A", date(2026, 10, 6), 60, 20_000, 20_000, 20_000)
    assert adjustment_ore(settled) == 0


def test_a_credit_note_states_positive_lines() -> None:
    citizen = uuid.uuid4()
    items = [
        UnbilledEntry(uuid.uuid4(), citizen, "Anna", date(2026, 10, 5), -30, 17_999, -9_000),
        UnbilledEntry(uuid.uuid4(), citizen, "Anna", date(2026, 10, 5), -15, 17_999, -4_500),
    ]
    [line] = group_credit_lines(items)
    assert (line.minutes, line.amount_ore, line.late, line.first_work_date) == (45, 13_500, False, date(2026, 10, 5))


def test_the_http_shape_lists_each_difference_with_its_figures() -> None:
    entry = _entry(rate_ore_per_hour=20_000, invoiced_ore=26_999)
    document = DocumentCheck(uuid.uuid4(), COMPANY, "invoice", "2026-000001", net_ore=1, items_ore=0)
    out = ReconciliationOut.of(date(2026, 10, 31), reconcile([entry], [document], {}))
    assert out.difference_count == 2
    [company] = out.companies
    [difference] = company.differences
    assert (difference.entry_id, difference.approved_ore, difference.difference_ore) == (entry.entry_id, 30_000, 3_001)
    assert (company.document_differences[0].net_ore, company.document_differences[0].expected_net_ore) == (1, 0)
