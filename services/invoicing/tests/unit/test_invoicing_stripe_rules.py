"""The Stripe sync's pure rules (issue 10): our VAT split over the lines to the øre, idempotency keys, the
call parameters (our number, no citizen names, øre), the totals check and the backoff."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
import stripe
from pydantic import SecretStr, ValidationError

from invoicing.config import InvoicingSettings
from invoicing.ledger.models import DocumentType, Invoice, InvoiceLine, InvoiceStatus, Issue, Party
from invoicing.money import vat_on
from invoicing.periods import BillingPeriod, Period
from invoicing.stripe_sync.client import is_transient
from invoicing.stripe_sync.models import (
    add_lines_params,
    allocate_vat,
    credit_note_key,
    credit_note_params,
    customer_key,
    customer_params,
    error_text,
    first_ours,
    invoice_key,
    invoice_params,
    invoice_tax_rate_id,
    line_description,
    retry_delay_seconds,
    search_query,
    totals_mismatch,
)
from vikar_shared.testing.identity import own_identity_keys

BUYER = Party(
    name="Bager Hansen ApS",
    street="Algade 1",
    postcode="9000",
    city="Aalborg",
    cvr="12345674",
    contact_name="Hanne",
    contact_email="bogholderi@bager.dk",
)
SELLER = Party(name="Fokus", street="Søndergade 1", postcode="9000", city="Aalborg", cvr="29403473")


def _line(
    position: int, amount: int, *, minutes: int = 90, rate: int = 17_999, name: str = "Borger Jensen"
) -> InvoiceLine:
    return InvoiceLine(
        position=position,
        citizen_id=uuid.uuid4(),
        citizen_name=name,
        rate_ore_per_hour=rate,
        minutes=minutes,
        amount_ore=amount,
        late=False,
        first_work_date=date(2026, 10, 5),
        last_work_date=date(2026, 10, 9),
    )


def _invoice(*amounts: int, credit_note: bool = False) -> Invoice:
    net = sum(amounts)
    vat = vat_on(net)
    return Invoice(
        invoice_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        status=InvoiceStatus.ISSUED,
        period=Period(date(2026, 10, 1), date(2026, 10, 31), BillingPeriod.MONTHLY),
        lines=tuple(_line(i + 1, a) for i, a in enumerate(amounts)),
        net_ore=net,
        vat_rate_percent=25,
        vat_ore=vat,
        total_ore=net + vat,
        issue=Issue(
            number="2026-000042",
            issue_date=date(2026, 11, 6),
            due_date=date(2026, 11, 14),
            payment_terms_days=8,
            issued_at=datetime(2026, 11, 6, 9, tzinfo=UTC),
            issued_by="finance",
            seller=SELLER,
            buyer=BUYER,
        ),
        document_type=DocumentType.CREDIT_NOTE if credit_note else DocumentType.INVOICE,
        credits_invoice_id=uuid.uuid4() if credit_note else None,
        credits_invoice_number="2026-000001" if credit_note else None,
    )


# --- allocate_vat: sums to our VAT exactly, largest remainder, negative lines, 1-øre cases. ---


def test_one_line_gets_the_whole_vat() -> None:
    # 26 999 * 25 % = 6 749.75 -> our VAT 6 750 (half up on the subtotal).
    assert allocate_vat([26_999], 6_750) == [6_750]


def test_the_missing_ore_go_to_the_largest_remainders() -> None:
    # 3 lines of 1 øre: 0.25 each, subtotal 3 -> 0.75 -> 1 øre of VAT; the first line (tie) gets it.
    assert allocate_vat([1, 1, 1], 1) == [1, 0, 0]
    # remainders 0.75 (3 øre) and 0.50 (2 øre): subtotal 5 -> 1.25 -> 1 øre; it goes to the 0.75 line.
    assert allocate_vat([2, 3], 1) == [0, 1]
    # 10 * 0.25 = 2.5, 6 * 0.25 = 1.5 -> floors 2 + 1, subtotal 16 -> 4: one øre to the first (tie 0.5 / 0.5).
    assert allocate_vat([10, 6], 4) == [3, 1]


def test_a_one_ore_invoice_has_no_vat_and_a_two_ore_invoice_one() -> None:
    assert allocate_vat([1], 0) == [0]  # 0.25 -> 0
    assert allocate_vat([2], 1) == [1]  # 0.5 -> 1 (half up)


def test_negative_lines_carry_negative_vat_and_the_sum_is_ours() -> None:
    amounts = [26_999, -4_501, 1_003]
    ours = vat_on(sum(amounts))  # 23 501 * 0.25 = 5 875.25 -> 5 875
    shares = allocate_vat(amounts, ours)
    assert sum(shares) == ours == 5_875
    assert shares[1] < 0
    for amount, share in zip(amounts, shares, strict=True):
        assert abs(share * 100 - amount * 25) < 100  # each within one øre of its own 25 %


def test_lines_netting_to_nothing_have_vat_netting_to_nothing() -> None:
    assert allocate_vat([100, -100], 0) == [25, -25]
    assert allocate_vat([], 0) == []


def test_a_negative_subtotal_rounds_away_from_zero_like_ours() -> None:
    amounts = [-2, -4]  # -6 * 0.25 = -1.5 -> -2 (away from zero, invoicing.money)
    assert sum(allocate_vat(amounts, vat_on(-6))) == -2


@pytest.mark.parametrize("amounts", [[17_999 * k % 9_973 - 2_000 for k in range(1, n)] for n in (2, 5, 17, 60)])
def test_any_lines_sum_to_the_subtotal_vat(amounts: list[int]) -> None:
    ours = vat_on(sum(amounts))
    shares = allocate_vat(amounts, ours)
    assert sum(shares) == ours
    assert all(abs(s * 100 - a * 25) < 100 for a, s in zip(amounts, shares, strict=True))


def test_a_vat_that_is_not_the_lines_vat_is_refused() -> None:
    with pytest.raises(ValueError, match="is not 25 % VAT"):
        allocate_vat([100], 26)
    with pytest.raises(ValueError, match="is not 25 % VAT"):
        allocate_vat([], 1)


# --- Keys, parameters, reading answers. ---


def test_idempotency_keys_are_derived_from_our_ids() -> None:
    some = uuid.UUID("00000000-0000-4000-8000-000000000001")
    assert customer_key(some) == f"vikar-customer-{some}"
    assert invoice_key(some, "create") == f"vikar-invoice-{some}-create"
    assert invoice_key(some, "lines") == f"vikar-invoice-{some}-lines"
    assert invoice_key(some, "finalize") == f"vikar-invoice-{some}-finalize"
    assert credit_note_key(some) == f"vikar-credit-note-{some}"
    with pytest.raises(ValueError, match="unknown invoice step 'send'"):
        invoice_key(some, "send")


def test_the_invoice_carries_our_number_terms_and_ids_and_never_advances_itself() -> None:
    invoice = _invoice(26_999)
    params = invoice_params(invoice, "cus_1")
    assert params["number"] == "2026-000042"
    assert (params["currency"], params["collection_method"], params["days_until_due"]) == ("dkk", "send_invoice", 8)
    assert params["auto_advance"] is False
    assert params["metadata"] == {
        "invoice_id": str(invoice.invoice_id),
        "company_id": str(invoice.company_id),
        "number": "2026-000042",
    }


def test_lines_carry_ore_and_our_vat_without_citizen_names() -> None:
    invoice = _invoice(26_999, -4_501)
    params = add_lines_params(invoice)
    assert [line["amount"] for line in params["lines"]] == [26_999, -4_501]
    taxes = [line["tax_amounts"][0]["amount"] for line in params["lines"]]
    assert sum(taxes) == invoice.vat_ore
    assert [line["tax_amounts"][0]["taxable_amount"] for line in params["lines"]] == [26_999, -4_501]
    rate = params["lines"][0]["tax_amounts"][0]["tax_rate_data"]
    assert (rate["percentage"], rate["inclusive"], rate["country"], rate["tax_type"]) == (25, False, "DK", "vat")
    assert all("Borger" not in line["description"] for line in params["lines"])
    assert params["lines"][0]["description"] == "Linje 1: 1 t 30 min à 179,99 kr/t, 2026-10-05–2026-10-09"


def test_an_adjustment_line_is_described_as_one() -> None:
    line = _line(3, 500, minutes=0)
    adjusted = replace(line, adjusts_entry_id=uuid.uuid4())
    assert line_description(adjusted) == "Linje 3: regulering til 179,99 kr/t, 2026-10-05–2026-10-09"


def test_the_customer_is_the_buyer_with_its_company_id() -> None:
    company_id = uuid.uuid4()
    params = customer_params(company_id, BUYER)
    assert params["email"] == "bogholderi@bager.dk"
    assert params["metadata"] == {"company_id": str(company_id), "cvr": "12345674"}
    assert params["address"] == {"line1": "Algade 1", "postal_code": "9000", "city": "Aalborg", "country": "DK"}


def test_the_credit_note_refers_to_the_tax_rate_and_names_our_documents() -> None:
    note = _invoice(10_000, 3, credit_note=True)
    params = credit_note_params(note, "in_1", "txr_1")
    assert params["invoice"] == "in_1"
    assert params["memo"] == "Kreditnota 2026-000042 til faktura 2026-000001"
    assert params["metadata"] == {
        "credit_note_id": str(note.invoice_id),
        "number": "2026-000042",
        "credited_invoice_id": str(note.credits_invoice_id),
    }
    lines = params["lines"]
    assert [(li["type"], li["unit_amount"], li["quantity"]) for li in lines] == [
        ("custom_line_item", 10_000, 1),
        ("custom_line_item", 3, 1),
    ]
    assert [li["tax_amounts"] for li in lines] == [
        [{"amount": 2_500, "taxable_amount": 10_000, "tax_rate": "txr_1"}],
        [{"amount": 1, "taxable_amount": 3, "tax_rate": "txr_1"}],  # 10 003 -> 2 500.75 -> 2 501
    ]
    with pytest.raises(ValueError, match="negative line"):
        credit_note_params(_invoice(100, -1, credit_note=True), "in_1", "txr_1")


def test_a_found_object_counts_only_when_its_metadata_names_our_id() -> None:
    ours = uuid.uuid4()
    assert search_query("invoice_id", ours) == f"metadata['invoice_id']:'{ours}'"
    fixture = {"id": "in_fixture", "metadata": {}}
    other = {"id": "in_other", "metadata": {"invoice_id": str(uuid.uuid4())}}
    mine = {"id": "in_mine", "metadata": {"invoice_id": str(ours)}}
    assert first_ours([fixture, other], "invoice_id", ours) is None
    assert first_ours([fixture, other, mine], "invoice_id", ours) == mine


def test_totals_must_match_to_the_ore() -> None:
    invoice = _invoice(26_999)  # total 33 749, VAT 6 750
    assert totals_mismatch({"total": 33_749, "total_taxes": [{"amount": 6_750}]}, invoice) is None
    off_by_one = totals_mismatch({"total": 33_749, "total_taxes": [{"amount": 6_749}]}, invoice)
    assert off_by_one is not None
    assert off_by_one.message == (
        "totals-differ: Stripe total 33749 øre, tax 6749 øre; ours total 33749 øre, VAT 6750 øre"
    )
    assert totals_mismatch({"total": 33_750, "total_taxes": [{"amount": 6_750}]}, invoice) is not None
    # stripe-mock's fixture: total 1000, no taxes.
    assert totals_mismatch({"total": 1000, "total_taxes": None}, invoice) is not None


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [retry_delay_seconds(n, base=30, cap=3600) for n in (1, 2, 3, 8, 100)] == [30, 60, 120, 3600, 3600]


def test_transient_errors_are_no_answer_429_and_5xx() -> None:
    assert is_transient(stripe.APIConnectionError("timed out"))
    assert is_transient(stripe.RateLimitError("slow down", http_status=429))
    assert is_transient(stripe.APIError("boom", http_status=503))
    assert is_transient(stripe.StripeError("in use", http_status=409, code="idempotency_key_in_use"))
    assert not is_transient(stripe.InvalidRequestError("bad", param="number", http_status=400))
    assert not is_transient(stripe.AuthenticationError("no key", http_status=401))
    assert not is_transient(ValueError("ours"))


def test_an_error_is_kept_as_class_and_message() -> None:
    assert error_text(stripe.APIConnectionError("timed out\nagain")) == "APIConnectionError: timed out again"
    assert len(error_text(RuntimeError("x" * 2000))) == 500


def test_production_refuses_the_development_stripe_key_and_never_shows_a_key() -> None:
    keys: dict[str, Any] = {"jwt_keys": {"k": "x" * 40}, "identity_verify_keys": own_identity_keys().verify_keys}
    with pytest.raises(ValidationError, match="stripe_secret_key is the development value"):
        InvoicingSettings(VIKAR_ENVIRONMENT="production", **keys)
    real = InvoicingSettings(
        VIKAR_ENVIRONMENT="production",
        stripe_secret_key=SecretStr("sk_live_secret"),
        stripe_webhook_secret=SecretStr("whsec_a-real-signing-secret"),
        **keys,
    )
    assert "sk_live_secret" not in repr(real)
    assert (
        InvoicingSettings(VIKAR_ENVIRONMENT="demo", **keys).stripe_secret_key.get_secret_value() == "sk_test_vikarmodel"
    )


def test_the_credit_note_uses_the_tax_rate_stripe_created_for_the_invoice_when_it_shows_one() -> None:
    created = {"taxes": [{"amount": 6_750, "tax_rate_details": {"tax_rate": "txr_auto"}, "type": "tax_rate_details"}]}
    assert invoice_tax_rate_id({"lines": {"data": [{"taxes": []}, created]}}) == "txr_auto"
    # The proxy echoes the tax_rate_data we sent (no id); stripe-mock's fixture has no lines' taxes.
    echoed = {"taxes": [{"amount": 1, "tax_rate_details": {"display_name": "Moms", "percentage": "25"}}]}
    assert invoice_tax_rate_id({"lines": {"data": [echoed]}}) is None
    assert invoice_tax_rate_id({"total": 1000}) is None
