"""The rules of carrying issued invoices and credit notes to Stripe: states, idempotency keys, the VAT
allocation over the lines, the parameters of each Stripe call and the totals check.

Pure functions over domain values (no database, no network, no clock). Money is integer øre (Stripe's
"cents" for DKK); Stripe's own objects arrive as plain dicts (``StripeObject.to_dict()``).

Our invoice is the legal document (momsbekendtgørelsen § 58); Stripe carries it so the company can pay it.
Sources: issue 10 ("Stripe"); Stripe API reference 2026-10-28 (idempotent requests:
https://docs.stripe.com/api/idempotent_requests, invoices: https://docs.stripe.com/api/invoices,
``POST /v1/invoices/{id}/add_lines``, credit notes: https://docs.stripe.com/api/credit_notes, search query
language: https://docs.stripe.com/search#search-query-language)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from invoicing.ledger.models import Invoice, InvoiceLine, Party
from invoicing.money import VAT_RATE_PERCENT, vat_on

ACTOR = "stripe-sync"
STRIPE_CURRENCY = "dkk"
TAX_RATE_DISPLAY_NAME = "Moms"
#: The one DK VAT 25 % tax rate credit note lines refer to (created once, under this key).
TAX_RATE_KEY = "vikar-tax-rate-dk-vat-25"
# Stripe's limit on a metadata value and a search query value: our ids and numbers are far below it.
TOTALS_DIFFER = "totals-differ"
WAITING_FOR_INVOICE = "waiting-for-invoice"


class SyncState(StrEnum):
    """A document's way to Stripe (``stripe_syncs.state``): ``issued`` (queued by the issuing transaction) ->
    ``stripe_pending`` (a worker claimed it; a call may have reached Stripe, outcome unknown until the
    worker records it) -> ``stripe_synced`` (Stripe holds it, ids stored) or ``stripe_failed`` (``last_error``,
    tried again at ``due_at``)."""

    ISSUED = "issued"
    PENDING = "stripe_pending"
    SYNCED = "stripe_synced"
    FAILED = "stripe_failed"


# --- Idempotency keys: deterministic from our ids, so a retried or reconciled call is the same request. ---


def customer_key(company_id: UUID) -> str:
    """``vikar-customer-{company_id}``: the one Stripe customer of a company."""
    return f"vikar-customer-{company_id}"


def invoice_key(invoice_id: UUID, step: str) -> str:
    """``vikar-invoice-{invoice_id}-{step}``, step ``create`` | ``lines`` | ``finalize``."""
    if step not in ("create", "lines", "finalize"):
        raise ValueError(f"unknown invoice step {step!r}")
    return f"vikar-invoice-{invoice_id}-{step}"


def credit_note_key(credit_note_id: UUID) -> str:
    """``vikar-credit-note-{credit_note_id}``: the one Stripe credit note of our credit note."""
    return f"vikar-credit-note-{credit_note_id}"


# --- VAT on the lines: our VAT is computed once on the subtotal; Stripe gets it split over the lines. ---


def allocate_vat(amounts: Sequence[int], vat_ore: int, rate_percent: int = VAT_RATE_PERCENT) -> list[int]:
    """Our ``vat_ore`` (VAT computed once on the subtotal, ``invoicing.money.vat_on``) split over lines of
    ``amounts`` øre (negative allowed), so that the shares sum to ``vat_ore`` exactly.

    Rule (largest remainder): each line first gets ``rate_percent`` % of its amount rounded down
    (towards minus infinity); the øre still missing to make ``vat_ore`` go one each to the lines with the
    largest remainders of that division, the earlier line first on a tie. Since ``vat_ore`` is the
    subtotal's VAT rounded half up, at most one øre goes to each line, and a line's share is its own VAT
    give or take one øre.

    Raises ValueError when ``vat_ore`` is not ``vat_on`` of the amounts' sum."""
    exact = [amount * rate_percent for amount in amounts]
    shares = [value // 100 for value in exact]
    missing = vat_ore - sum(shares)
    if vat_ore != vat_on(sum(amounts), rate_percent) or not 0 <= missing <= len(shares):
        raise ValueError(f"{vat_ore} øre is not {rate_percent} % VAT of lines summing to {sum(amounts)} øre")
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(exact[i] % 100), i))
    for i in by_remainder[:missing]:
        shares[i] += 1
    return shares


# --- The parameters of each call (Stripe's form fields as nested dicts, amounts in øre). ---


def _kroner(ore: int) -> str:
    """``17999`` -> ``179,99`` (Danish decimal comma)."""
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100},{abs(ore) % 100:02d}"


def _duration(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours} t {rest:02d} min"


def line_description(line: InvoiceLine) -> str:
    """What Stripe shows for one of our lines, WITHOUT the citizen's name (data minimisation: our PDF, the
    legal document, names the citizen; Stripe only needs to carry the amount, and a name there would be
    personal data at a processor that has no use for it). Shape:
    ``Linje 1: 1 t 30 min à 179,99 kr/t, 2026-10-05–2026-10-05``; an adjustment line (no minutes, a price
    settled) ``Linje 2: regulering til 179,99 kr/t, …``; a late line ends ``(efterregistreret)``."""
    period = f"{line.first_work_date.isoformat()}–{line.last_work_date.isoformat()}"
    if line.adjusts_entry_id is not None:
        what = f"regulering til {_kroner(line.rate_ore_per_hour)} kr/t"
    else:
        what = f"{_duration(line.minutes)} à {_kroner(line.rate_ore_per_hour)} kr/t"
    late = " (efterregistreret)" if line.late else ""
    return f"Linje {line.position}: {what}, {period}{late}"


def _address(party: Party) -> dict[str, str]:
    return {"line1": party.street, "postal_code": party.postcode, "city": party.city, "country": "DK"}


def customer_params(company_id: UUID, buyer: Party) -> dict[str, Any]:
    """``POST /v1/customers``: the company as the invoice states it (name, address, CVR), its billing
    contact's e-mail, metadata ``company_id`` (what reconciliation searches by) and ``cvr``."""
    params: dict[str, Any] = {
        "name": buyer.name,
        "address": _address(buyer),
        "metadata": {"company_id": str(company_id), "cvr": buyer.cvr},
    }
    if buyer.contact_email:
        params["email"] = buyer.contact_email
    return params


def invoice_params(invoice: Invoice, customer_id: str) -> dict[str, Any]:
    """``POST /v1/invoices``: a draft with OUR number (``number``, set on the draft), currency dkk,
    ``collection_method=send_invoice`` with ``days_until_due`` = the invoice's payment terms, and
    ``auto_advance=false``: Stripe never finalizes, e-mails or charges on its own (we send our own PDF;
    this service never calls ``send``). ``pending_invoice_items_behavior=exclude``: only our lines.
    Metadata ``invoice_id`` (what reconciliation searches by), ``company_id``, ``number``."""
    issue = _issued(invoice)
    return {
        "customer": customer_id,
        "currency": STRIPE_CURRENCY,
        "number": issue.number,
        "collection_method": "send_invoice",
        "days_until_due": issue.payment_terms_days,
        "auto_advance": False,
        "pending_invoice_items_behavior": "exclude",
        "description": f"Faktura {issue.number}, periode {invoice.period.start}–{invoice.period.end}",
        "metadata": {
            "invoice_id": str(invoice.invoice_id),
            "company_id": str(invoice.company_id),
            "number": issue.number,
        },
    }


def _tax_rate_data(rate_percent: int) -> dict[str, Any]:
    return {
        "display_name": TAX_RATE_DISPLAY_NAME,
        "inclusive": False,
        "percentage": rate_percent,
        "country": "DK",
        "tax_type": "vat",
    }


def tax_rate_params(rate_percent: int = VAT_RATE_PERCENT) -> dict[str, Any]:
    """``POST /v1/tax_rates``: DK VAT (moms) 25 %, exclusive (our amounts are before VAT)."""
    return {**_tax_rate_data(rate_percent), "description": "Dansk moms (DK VAT)"}


def add_lines_params(invoice: Invoice) -> dict[str, Any]:
    """``POST /v1/invoices/{id}/add_lines``: one Stripe line per our line (amount in øre, negative allowed,
    :func:`line_description`), each with ``tax_amounts`` carrying its share of our VAT
    (:func:`allocate_vat`), so Stripe does not compute VAT itself (it would round per line and could differ
    from ours by øre)."""
    taxes = allocate_vat([line.amount_ore for line in invoice.lines], invoice.vat_ore, invoice.vat_rate_percent)
    return {
        "lines": [
            {
                "amount": line.amount_ore,
                "description": line_description(line),
                "tax_amounts": [
                    {
                        "amount": tax,
                        "taxable_amount": line.amount_ore,
                        "tax_rate_data": _tax_rate_data(invoice.vat_rate_percent),
                    }
                ],
            }
            for line, tax in zip(invoice.lines, taxes, strict=True)
        ]
    }


def credit_note_params(credit_note: Invoice, stripe_invoice_id: str, tax_rate_id: str) -> dict[str, Any]:
    """``POST /v1/credit_notes`` against the credited invoice's Stripe invoice: one ``custom_line_item`` per
    our line (``unit_amount`` = its amount in øre, quantity 1, :func:`line_description`), ``tax_amounts``
    with its share of our VAT (:func:`allocate_vat`) referring to the DK VAT tax rate ``tax_rate_id``,
    metadata ``credit_note_id``, ``number``, ``credited_invoice_id`` and a memo with our number.

    Raises ValueError for a line of a negative amount (a Stripe credit note line cannot be negative)."""
    issue = _issued(credit_note)
    if credit_note.credits_invoice_id is None:
        raise ValueError(f"credit note {credit_note.invoice_id} credits no invoice")
    if any(line.amount_ore < 0 for line in credit_note.lines):
        raise ValueError(f"credit note {issue.number} has a negative line; Stripe credit note lines cannot be")
    taxes = allocate_vat(
        [line.amount_ore for line in credit_note.lines], credit_note.vat_ore, credit_note.vat_rate_percent
    )
    return {
        "invoice": stripe_invoice_id,
        "memo": f"Kreditnota {issue.number}"
        + (f" til faktura {credit_note.credits_invoice_number}" if credit_note.credits_invoice_number else ""),
        "metadata": {
            "credit_note_id": str(credit_note.invoice_id),
            "number": issue.number,
            "credited_invoice_id": str(credit_note.credits_invoice_id),
        },
        "lines": [
            {
                "type": "custom_line_item",
                "unit_amount": line.amount_ore,
                "quantity": 1,
                "description": line_description(line),
                "tax_amounts": [{"amount": tax, "taxable_amount": line.amount_ore, "tax_rate": tax_rate_id}],
            }
            for line, tax in zip(credit_note.lines, taxes, strict=True)
        ],
    }


def _issued(invoice: Invoice) -> Any:
    if invoice.issue is None:
        raise ValueError(f"invoice {invoice.invoice_id} is not issued")
    return invoice.issue


# --- Reading Stripe's answers. ---


def search_query(key: str, value: UUID) -> str:
    """Stripe search query language: ``metadata['invoice_id']:'…'`` (our ids are UUIDs: no quote to escape)."""
    return f"metadata['{key}']:'{value}'"


def names_ours(found: Mapping[str, Any], key: str, value: UUID) -> bool:
    """True when a Stripe object found by search or list really carries our id in its metadata (a search
    can answer other objects; only this proves it is the one we created)."""
    metadata = found.get("metadata") or {}
    return isinstance(metadata, Mapping) and metadata.get(key) == str(value)


def first_ours(candidates: Sequence[Mapping[str, Any]], key: str, value: UUID) -> Mapping[str, Any] | None:
    """The first of ``candidates`` whose metadata names our id (:func:`names_ours`), else None."""
    return next((c for c in candidates if names_ours(c, key, value)), None)


def stripe_tax(stripe_invoice: Mapping[str, Any]) -> int:
    """Stripe's total tax of an invoice in øre: the sum of ``total_taxes[].amount`` (API 2026-10-28;
    absent or null counts 0)."""
    taxes = stripe_invoice.get("total_taxes") or []
    return sum(int(tax.get("amount") or 0) for tax in taxes)


@dataclass(frozen=True, slots=True)
class TotalsMismatch:
    """Stripe's total and tax of a draft next to ours (øre); finalizing it is refused."""

    stripe_total_ore: int
    stripe_tax_ore: int
    total_ore: int
    vat_ore: int

    @property
    def message(self) -> str:
        return (
            f"{TOTALS_DIFFER}: Stripe total {self.stripe_total_ore} øre, tax {self.stripe_tax_ore} øre; "
            f"ours total {self.total_ore} øre, VAT {self.vat_ore} øre"
        )


def totals_mismatch(stripe_invoice: Mapping[str, Any], invoice: Invoice) -> TotalsMismatch | None:
    """None when Stripe's ``total`` and tax (:func:`stripe_tax`) equal our ``total_ore`` and ``vat_ore`` to
    the øre; else the mismatch (then the invoice is not finalized)."""
    found = TotalsMismatch(
        stripe_total_ore=int(stripe_invoice.get("total") or 0),
        stripe_tax_ore=stripe_tax(stripe_invoice),
        total_ore=invoice.total_ore,
        vat_ore=invoice.vat_ore,
    )
    if (found.stripe_total_ore, found.stripe_tax_ore) == (invoice.total_ore, invoice.vat_ore):
        return None
    return found


def invoice_tax_rate_id(stripe_invoice: Mapping[str, Any]) -> str | None:
    """The tax rate Stripe created for the VAT we passed on the invoice's lines (``tax_rate_data``): the first
    ``lines.data[].taxes[].tax_rate_details.tax_rate`` that is a tax rate id (``txr_…``), else None. Stripe
    accepts on a credit note line's ``tax_amounts`` only a tax rate it created itself this way."""
    for line in (stripe_invoice.get("lines") or {}).get("data") or []:
        for tax in line.get("taxes") or []:
            found = (tax.get("tax_rate_details") or {}).get("tax_rate")
            if isinstance(found, str) and found.startswith("txr_"):
                return found
    return None


def has_lines(stripe_invoice: Mapping[str, Any]) -> bool:
    """True when a Stripe draft already has lines (a previous attempt added ours): adding them again would
    charge twice once the idempotency key has expired."""
    lines = stripe_invoice.get("lines") or {}
    return bool(lines.get("data")) or int(lines.get("total_count") or 0) > 0


def is_draft(stripe_invoice: Mapping[str, Any]) -> bool:
    return stripe_invoice.get("status") in (None, "draft")


# --- Backoff between attempts. ---


def retry_delay_seconds(attempts: int, *, base: float, cap: float) -> float:
    """Seconds until the next attempt after ``attempts`` failed ones: ``base * 2^(attempts-1)``, at most
    ``cap`` (exponential backoff; attempt 1 failed -> ``base``)."""
    if attempts < 1:
        return base
    return float(min(cap, base * 2 ** min(attempts - 1, 40)))


def error_text(error: BaseException) -> str:
    """What is kept of an error (``last_error``, history, log): its class and message, at most 500
    characters. Stripe's messages name the request, never the secret key (it is sent in a header only)."""
    message = str(error).strip().replace("\n", " ")
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return text[:500]
