"""The portal Invoices page's pure rules (invoicing.portal.models): the page number, one row as the company sees
it (type, period, dates, total in øre, payment status, overdue days), and the catalogue in both languages."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime

import pytest

from invoicing.ledger.models import DocumentType, Invoice, InvoiceStatus, Issue, Party, draft
from invoicing.payments.models import PaymentStatus, Settlement
from invoicing.periods import BillingPeriod, Period
from invoicing.portal.i18n import CATALOGUE, Translator
from invoicing.portal.models import MAX_PAGE, PageNumberError, page_number, period_shown, row_of
from vikar_shared.web.i18n import catalogue_problems

PARTY = Party(name="Bager Hansen ApS", street="Algade 1", postcode="9000", city="Aalborg", cvr="12345674")
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31), BillingPeriod.MONTHLY)


def _issued(period: Period = OCTOBER, *, credit: bool = False) -> Invoice:
    base = draft(uuid.uuid4(), uuid.uuid4(), period, (), None)
    issue = Issue(
        number="2026-000007",
        issue_date=date(2026, 11, 6),
        due_date=date(2026, 11, 20),
        payment_terms_days=14,
        issued_at=datetime(2026, 11, 6, 9, tzinfo=UTC),
        issued_by="finance@fokus.dk",
        seller=PARTY,
        buyer=PARTY,
    )
    return dataclasses.replace(
        base,
        status=InvoiceStatus.ISSUED,
        issue=issue,
        net_ore=44_998,
        vat_ore=11_250,
        total_ore=56_248,
        document_type=DocumentType.CREDIT_NOTE if credit else DocumentType.INVOICE,
        credits_invoice_number="2026-000001" if credit else None,
    )


@pytest.mark.parametrize(("raw", "page"), [(None, 1), ("1", 1), ("2", 2), ("007", 7), (str(MAX_PAGE), MAX_PAGE)])
def test_page_numbers(raw: str | None, page: int) -> None:
    assert page_number(raw) == page


@pytest.mark.parametrize("raw", ["", "0", "-1", "+1", "1.5", "x", "１", " 1", str(MAX_PAGE + 1), "9" * 40])
def test_anything_else_is_not_a_page_number(raw: str) -> None:
    with pytest.raises(PageNumberError):
        page_number(raw)


def test_an_invoice_row_partly_paid_and_overdue() -> None:
    invoice = _issued()
    account = Settlement(invoice.invoice_id, total_ore=56_248, credited_ore=11_250, paid_ore=20_000)
    row = row_of(invoice, account, date(2026, 12, 10))
    assert (row.number, row.credit_note, row.total_ore, row.status, row.days_overdue) == (
        "2026-000007",
        False,
        56_248,
        PaymentStatus.PARTIALLY_PAID,
        20,
    )
    assert (row.issue_date, row.due_date) == (date(2026, 11, 6), date(2026, 11, 20))
    # On its due date it is not overdue yet; from the day after, one day.
    assert row_of(invoice, account, date(2026, 11, 20)).days_overdue == 0
    assert row_of(invoice, account, date(2026, 11, 21)).days_overdue == 1
    # Paid, overpaid or credited: never overdue.
    for paid, status in ((44_998, PaymentStatus.PAID), (45_000, PaymentStatus.OVERPAID)):
        settled = row_of(invoice, dataclasses.replace(account, paid_ore=paid), date(2027, 3, 1))
        assert (settled.status, settled.days_overdue) == (status, 0)
    credited = Settlement(invoice.invoice_id, total_ore=56_248, credited_ore=56_248, paid_ore=0)
    nothing_owed = row_of(invoice, credited, date(2027, 3, 1))
    assert (nothing_owed.status, nothing_owed.days_overdue) == (PaymentStatus.CREDITED, 0)


def test_a_credit_note_row_has_no_payment_status_and_names_the_invoice_it_credits() -> None:
    row = row_of(_issued(credit=True), None, date(2026, 12, 10))
    assert (row.credit_note, row.status, row.days_overdue, row.credits_number) == (True, None, 0, "2026-000001")


def test_a_draft_is_never_a_row() -> None:
    with pytest.raises(ValueError, match="draft"):
        row_of(draft(uuid.uuid4(), uuid.uuid4(), OCTOBER, (), None), None, date(2026, 12, 10))


def test_periods_a_month_by_name_else_first_and_last_day() -> None:
    assert period_shown(OCTOBER).month == date(2026, 10, 1)
    weeks = Period(date(2026, 11, 16), date(2026, 11, 29), BillingPeriod.FORTNIGHTLY)
    shown = period_shown(weeks)
    assert (shown.month, shown.start, shown.end) == (None, date(2026, 11, 16), date(2026, 11, 29))
    da, en = Translator("da"), Translator("en")
    assert da("period_days", start=da.full_date(shown.start), end=da.full_date(shown.end)) == (
        "16. november 2026 – 29. november 2026"
    )
    assert en.month(OCTOBER.start) == "October 2026"


def test_totals_in_kroner_exact_from_ore_and_overdue_days_agree_in_number() -> None:
    da, en = Translator("da"), Translator("en")
    assert da.kroner(56_248) == "562,48\xa0kr."
    assert da.kroner(123_456_789) == "1.234.567,89\xa0kr."
    assert da.kroner(1) == "0,01\xa0kr."
    # English pages write the same kroner the English way (issue 10, F10b).
    assert en.kroner(56_248) == "DKK\xa0562.48"
    assert en.kroner(123_456_789) == "DKK\xa01,234,567.89"
    assert en.kroner(-1) == "-DKK\xa00.01"
    assert (da.plural("overdue_days", 1), da.plural("overdue_days", 20)) == ("forfalden, 1 dag", "forfalden, 20 dage")
    assert (en.plural("overdue_days", 1), en.plural("overdue_days", 2)) == ("overdue, 1 day", "overdue, 2 days")
    for status in PaymentStatus:
        assert da(f"payment_{status}") and en(f"payment_{status}")
    assert [da(f"payment_{s}") for s in PaymentStatus] == [
        "Ubetalt",
        "Delvist betalt",
        "Betalt",
        "Overbetalt",
        "Krediteret",
    ]


def test_the_catalogue_has_every_text_in_both_languages() -> None:
    assert catalogue_problems(CATALOGUE) == []
