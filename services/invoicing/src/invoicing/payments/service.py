"""Payment use cases: record a payment (bank transfer or Stripe) against an issued invoice, the overdue
invoices, the payment reminders sent, and what finance sees of one invoice (payments, history, Stripe state).

Services never commit: the caller's transaction holds the payment, the history step and, when the payment
covers what is owed, ``invoicing.invoice_paid`` (outbox) together. Problem codes: 403 ``forbidden`` (finance and
admin only, where a function takes the actor); 404 ``invoice-not-found``; 409 ``invoice-not-payable`` (a draft,
or a credit note), ``invoice-settled``, ``reminder-before-due``, ``reminder-too-soon``, ``reminder-limit-reached``,
``reminder-fee-not-allowed``;
422 ``paid-on-before-issue``. Amounts are integer øre (> 0, checked by the caller's schema). Sources:
``shared/docs/domain.md`` (finance follows payment); renteloven § 9 b (reminders)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from invoicing.payment_reminders.models import ReminderPolicy
from invoicing.payments import repository
from invoicing.payments.models import (
    FinanceDetails,
    OverdueInvoice,
    Payment,
    PaymentMethod,
    Reminder,
    ScheduledReminder,
    Settlement,
    reminder_refusal,
)
from vikar_shared.auth import Principal, Role
from vikar_shared.errors import conflict, forbidden, invalid, not_found
from vikar_shared.events.invoicing import InvoicePaid
from vikar_shared.outbox import add_event

SOURCE = "invoicing"
FINANCE_ROLES = frozenset({Role.FINANCE, Role.ADMIN})
_REFUSALS = {
    "reminder-before-due": "A payment reminder may only be sent after the invoice's due date has passed "
    "(renteloven § 9 b)",
    "reminder-too-soon": "A payment reminder may only be sent on or after the invoice's next_reminder_on: at least "
    "10 days after the previous one (renteloven § 9 b) and as the reminder schedule's settings say",
    "reminder-limit-reached": "The payment reminders before collection were sent already (the reminder schedule's "
    "payment_reminders_before_collection): take the claim further",
    "reminder-fee-not-allowed": "Renteloven § 9 b allows a reminder fee on at most three reminders: send this one "
    "with fee_ore 0",
    "invoice-settled": "Nothing is owed on the invoice any more (paid, overpaid or credited): no reminder",
}


def _finance(actor: Principal) -> None:
    if actor.role not in FINANCE_ROLES:
        raise forbidden("Only finance and admin record payments and reminders")


async def settlements(conn: asyncpg.Connection, invoice_ids: list[UUID]) -> dict[UUID, Settlement]:
    """The accounts (øre: total, credited, paid, owed, outstanding, status) of the given issued invoices, by id;
    drafts, credit notes (nothing is owed on them) and unknown ids are absent."""
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
        await _published_paid(conn, row, account, paid_on, method)
    return (payment if stored else None), account


async def record_bank_transfer(
    conn: asyncpg.Connection,
    actor: Principal,
    *,
    invoice_id: UUID,
    amount_ore: int,
    paid_on: date,
    payer_reference: str,
    now: datetime,
) -> tuple[Payment, Settlement, date]:
    """Records a bank transfer finance saw on the account (:func:`record_payment`, method ``bank_transfer``);
    answers the payment, the invoice's account after it and the invoice's due date.

    Errors: 403 ``forbidden`` (not finance or admin); 404 ``invoice-not-found``; 409 ``invoice-not-payable``
    (a draft or a credit note); 422 ``paid-on-before-issue`` (field ``paid_on``: before the invoice's issue
    date). ``paid_on`` after today is the schema's 422 ``paid-on-future``."""
    _finance(actor)
    row = await repository.lock_invoice(conn, invoice_id)
    if row is None:
        raise not_found("invoice")
    if row["status"] == "issued" and row["document_type"] == "invoice" and paid_on < row["issue_date"]:
        raise invalid(
            "paid_on",
            "paid-on-before-issue",
            f"paid_on ({paid_on.isoformat()}) is before the invoice's issue date ({row['issue_date'].isoformat()})",
        )
    payment, account = await record_payment(
        conn,
        invoice_id=invoice_id,
        amount_ore=amount_ore,
        paid_on=paid_on,
        method=PaymentMethod.BANK_TRANSFER,
        recorded_by=actor.subject,
        now=now,
        payer_reference=payer_reference,
    )
    assert payment is not None, "a bank transfer is always stored"
    due_date: date = row["due_date"]
    return payment, account, due_date


async def record_reminder(
    conn: asyncpg.Connection,
    actor: Principal,
    *,
    invoice_id: UUID,
    sent_on: date,
    fee_ore: int,
    now: datetime,
    policy: ReminderPolicy,
) -> tuple[Reminder, OverdueInvoice]:
    """Records that the next payment reminder (number 1.. ``policy.before_collection``) of the issued invoice was
    sent on ``sent_on`` with a fee of ``fee_ore`` øre (0..10 000, the schema's), and a ``reminder`` history step;
    answers the reminder and the invoice's overdue state after it. The invoice row is locked, so two reminders of one
    invoice are numbered one after the other.

    Errors: 403 ``forbidden``; 404 ``invoice-not-found``; 409 ``invoice-not-payable`` (a draft or credit note),
    ``invoice-settled``, ``reminder-limit-reached``, ``reminder-before-due``, ``reminder-too-soon``,
    ``reminder-fee-not-allowed`` (renteloven § 9 b, by the same ``policy`` the schedule follows:
    :func:`invoicing.payments.models.reminder_refusal`)."""
    _finance(actor)
    row = await repository.lock_invoice(conn, invoice_id)
    if row is None:
        raise not_found("invoice")
    if row["status"] != "issued" or row["document_type"] != "invoice":
        raise conflict("invoice-not-payable", "Reminders are sent for issued invoices only, not drafts or credit notes")
    account = await repository.settlement(conn, invoice_id)
    assert account is not None
    earlier = await repository.reminders_of(conn, invoice_id)
    sent = [r.sent_on for r in earlier]
    refusal = reminder_refusal(policy, row["due_date"], sent, sent_on, account.status, fee_ore)
    if refusal is not None:
        raise conflict(refusal.value, _REFUSALS[refusal.value])
    reminder = Reminder(invoice_id, len(earlier) + 1, sent_on, fee_ore, actor.subject, now)
    await repository.insert_reminder(conn, reminder)
    await repository.add_history(
        conn,
        invoice_id,
        "reminder",
        actor=actor.subject,
        detail={"reminder_number": reminder.number, "sent_on": sent_on.isoformat(), "fee_ore": fee_ore},
    )
    state = OverdueInvoice(
        invoice_id=invoice_id,
        company_id=row["company_id"],
        number=row["number"],
        buyer_name=row["buyer_name"],
        issue_date=row["issue_date"],
        due_date=row["due_date"],
        settlement=account,
        reminders_sent=(*sent, sent_on),
        reminder_fees_ore=sum(r.fee_ore for r in earlier) + fee_ore,
    )
    return reminder, state


async def overdue(
    conn: asyncpg.Connection, actor: Principal, *, today: date, limit: int, offset: int
) -> list[OverdueInvoice]:
    """Issued invoices still owed past their due date, oldest due date first, with their accounts and the
    reminders sent. 403 ``forbidden`` for anyone but finance and admin."""
    _finance(actor)
    return await repository.overdue(conn, today, limit=limit, offset=offset)


async def finance_details(conn: asyncpg.Connection, invoice_id: UUID) -> FinanceDetails:
    """Payments, history and Stripe state of a document the caller was allowed to see (the caller checks:
    this is agency staff's view, never a company approver's)."""
    return await repository.finance_details(conn, invoice_id)


async def settle_after_credit(conn: asyncpg.Connection, invoice_id: UUID, *, credited_on: date) -> Settlement | None:
    """After a credit note against the issued invoice ``invoice_id`` was issued (in the caller's transaction):
    when the payments recorded before now cover what is still owed (the credit note lowered it to what was
    paid, or below), the invoice is paid, and ``invoicing.invoice_paid`` v1 goes to the outbox (once per
    invoice, as :func:`record_payment` writes it), ``paid_on`` the credit note's issue date ``credited_on``
    and ``method`` the method of the latest payment. Nothing paid yet: nothing happens (the invoice is
    ``credited`` or still owed). Answers the account, or None for an unknown invoice. Locks the invoice row
    like :func:`record_payment`, so a payment and a credit note of one invoice are counted one after the
    other."""
    row = await repository.lock_invoice(conn, invoice_id)
    if row is None:
        return None
    account = await repository.settlement(conn, invoice_id)
    assert account is not None
    if account.covered and await repository.mark_paid(conn, invoice_id, credited_on):
        latest = (await repository.payments_of(conn, invoice_id))[-1]
        await _published_paid(conn, row, account, credited_on, latest.method)
    return account


async def _published_paid(
    conn: asyncpg.Connection, row: asyncpg.Record, account: Settlement, paid_on: date, method: PaymentMethod
) -> None:
    """``invoicing.invoice_paid`` v1 of the locked invoice ``row`` to the outbox, keyed by its company."""
    await add_event(
        conn,
        InvoicePaid(
            invoice_id=row["invoice_id"],
            company_id=row["company_id"],
            number=row["number"],
            owed_ore=account.owed_ore,
            paid_ore=account.paid_ore,
            paid_on=paid_on,
            method=method.value,
        ),
        source=SOURCE,
        subject=row["invoice_id"],
        key=row["company_id"],
    )


async def record_scheduled_reminder(conn: asyncpg.Connection, reminder: ScheduledReminder) -> bool:
    """Issue 14 (part E): records a reminder decided by the daily schedule (``invoicing.payment_reminders``, which
    locked the invoice and checked renteloven § 9 b; the table refuses a fee after the third). False (nothing
    written) when that number of the invoice exists already."""
    return await repository.insert_scheduled_reminder(conn, reminder)
