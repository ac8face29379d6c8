"""Payment use cases: record a payment (bank transfer or Stripe) against an issued invoice.

Services never commit: the caller's transaction holds the payment, the history step and, when the payment
covers what is owed, ``invoicing.invoice_paid`` (outbox) together. Problem codes: 404 ``invoice-not-found``;
409 ``invoice-not-payable`` (a draft, or a credit note). Amounts are integer øre (> 0, checked by the
caller's schema). Source: ``shared/docs/domain.md`` (finance follows payment)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from invoicing.payments import repository
from invoicing.payments.models import Payment, PaymentMethod, Settlement
from vikar_shared.errors import conflict, not_found
from vikar_shared.events.invoicing import InvoicePaid
from vikar_shared.outbox import add_event

SOURCE = "invoicing"


async def settlements(conn: asyncpg.Connection, invoice_ids: list[UUID]) -> dict[UUID, Settlement]:
    """The accounts (øre: total, credited, paid, owed, outstanding, status) of the given invoices, by id; ids
    not found are absent. For credit notes the account is meaningless (nothing is owed on them)."""
    return await repository.settlements(conn, invoice_ids)


async def add_history(
    conn: asyncpg.Connection, invoice_id: UUID, kind: str, *, actor: str | None, detail: dict[str, Any]
) -> None:
    """Appends one step (``kind``, e.g. ``stripe_synced``, ``stripe_event``, ``reminder``) to the invoice's
    history, in the caller's transaction. ``detail``: public facts only (ids, amounts, states; JSON-able),
    never a credential, a CPR number or a citizen's name."""
    await repository.add_history(conn, invoice_id, kind, actor=actor, detail=detail)


async def record_payment(
    conn: asyncpg.Connection,
    *,
    invoice_id: UUID,
    amount_ore: int,
    paid_on: date,
    method: PaymentMethod,
    recorded_by: str,
    now: datetime,
    payer_reference: str | None = None,
    stripe_invoice_id: str | None = None,
    stripe_event_id: str | None = None,
) -> tuple[Payment | None, Settlement]:
    """Records one payment of ``amount_ore`` øre against the issued invoice ``invoice_id`` and answers it
    with the invoice's account after it. The invoice row is locked first, so concurrent payments of one
    invoice are counted one after the other.

    A Stripe payment (``stripe_invoice_id`` set) is recorded once per Stripe invoice: a second report of it
    (another event id, a retry) records nothing and answers ``(None, settlement)``. When the payments now
    cover what is owed for the first time, ``invoicing.invoice_paid`` v1 goes to the outbox (once per
    invoice: ``invoices_paid``).

    Errors: 404 ``invoice-not-found``; 409 ``invoice-not-payable`` (a draft has no number and is owed by
    nobody yet; a credit note is owed to the company, not by it)."""
    row = await repository.lock_invoice(conn, invoice_id)
    if row is None:
        raise not_found("invoice")
    if row["status"] != "issued" or row["document_type"] != "invoice":
        raise conflict(
            "invoice-not-payable",
            "Payments are recorded against issued invoices only: a draft is owed by nobody yet, and a credit note "
            "is owed to the company",
        )
    payment = Payment(
        payment_id=uuid.uuid4(),
        invoice_id=invoice_id,
        method=method,
        amount_ore=amount_ore,
        paid_on=paid_on,
        payer_reference=payer_reference,
        recorded_by=recorded_by,
        recorded_at=now,
        stripe_invoice_id=stripe_invoice_id,
    )
    stored = await repository.insert_payment(conn, payment, stripe_event_id=stripe_event_id)
    if stored:
        await repository.add_history(
            conn,
            invoice_id,
            "payment",
            actor=recorded_by,
            detail={
                "payment_id": str(payment.payment_id),
                "method": method.value,
                "amount_ore": amount_ore,
                "paid_on": paid_on.isoformat(),
                "payer_reference": payer_reference,
            },
        )
    account = await repository.settlement(conn, invoice_id)
    assert account is not None
    if stored and account.covered and await repository.mark_paid(conn, invoice_id, paid_on):
        await add_event(
            conn,
            InvoicePaid(
                invoice_id=invoice_id,
                company_id=row["company_id"],
                number=row["number"],
                owed_ore=account.owed_ore,
                paid_ore=account.paid_ore,
                paid_on=paid_on,
                method=method.value,
            ),
            source=SOURCE,
            subject=invoice_id,
            key=row["company_id"],
        )
    return (payment if stored else None), account
