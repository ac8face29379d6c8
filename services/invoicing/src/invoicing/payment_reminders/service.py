"""Payment reminders (*rykkere*, issue 14): the daily run that issues them and what finance (and a company's
approver, for its own invoices) reads of them. Services never commit: the caller's transaction (the schedule's
claiming transaction, or the request's) holds everything.

A run (:func:`issue_due`) locks every issued invoice still owed (unpaid or partially paid, not voided) whose due
date has passed, decides its next reminder by :func:`invoicing.payment_reminders.models.next_reminder`
(renteloven § 9 b), stores it and its fee in ``payment_reminders`` (the company's debt beside the invoice: the
invoice's total, account and ``invoicing.invoice_paid`` are unchanged), appends a ``reminder`` history step and
writes ``invoicing.payment_reminder_issued`` v1 (key company id) to the outbox. A paid, overpaid, fully credited or
voided invoice gets none. Problem codes of the reads: 403 ``forbidden`` (not finance, admin or the invoice's
company approver), 404 ``invoice-not-found``."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from invoicing.ledger import service as ledger
from invoicing.payment_reminders import repository
from invoicing.payment_reminders.models import Earlier, RemindedInvoice, ReminderPolicy, next_reminder
from invoicing.payments import service as payments
from invoicing.payments.models import ScheduledReminder
from vikar_shared.auth import Principal, Role
from vikar_shared.errors import forbidden, not_found
from vikar_shared.events.invoicing import PaymentReminderIssued
from vikar_shared.outbox import add_event

SOURCE = "invoicing"
# Who the schedule's reminders are recorded by (payment_reminders.recorded_by, the history step's actor).
ISSUER = "payment-reminders"
FINANCE_ROLES = frozenset({Role.FINANCE, Role.ADMIN})


async def issue_due(conn: asyncpg.Connection, policy: ReminderPolicy, today: date) -> dict[str, Any]:
    """Issues every reminder due on ``today`` (the agency's date of the schedule's slot); answers the counts
    ``{"considered": n, "issued": n, "final": n, "fees_ore": øre}``. At most one reminder per invoice per run, so
    a run that was missed for days catches up one reminder at a time (each later one ``days_apart`` after)."""
    owing = await repository.lock_owing_due_before(conn, today)
    issued = final = fees = 0
    for invoice in owing:
        earlier = [Earlier(r.number, r.sent_on, r.fee_ore) for r in invoice.reminders]
        decided = next_reminder(policy, due_date=invoice.due_date, earlier=earlier, today=today, owing=invoice.owing)
        if decided is None:
            continue
        reminder_id = uuid.uuid4()
        scheduled = ScheduledReminder(
            reminder_id=reminder_id,
            invoice_id=invoice.invoice_id,
            number=decided.number,
            sent_on=today,
            fee_ore=decided.fee_ore,
            recorded_by=ISSUER,
            pay_by=decided.pay_by,
            outstanding_ore=invoice.outstanding_ore,
            final=decided.final,
        )
        if not await payments.record_scheduled_reminder(conn, scheduled):
            continue
        await payments.add_history(
            conn,
            invoice.invoice_id,
            "reminder",
            actor=ISSUER,
            detail={
                "reminder_id": str(reminder_id),
                "reminder_number": decided.number,
                "sent_on": today.isoformat(),
                "fee_ore": decided.fee_ore,
                "pay_by": decided.pay_by.isoformat(),
                "final": decided.final,
            },
        )
        await add_event(
            conn,
            PaymentReminderIssued(
                reminder_id=reminder_id,
                invoice_id=invoice.invoice_id,
                company_id=invoice.company_id,
                invoice_number=invoice.number,
                reminder_number=decided.number,
                issued_on=today,
                due_date=invoice.due_date,
                pay_by=decided.pay_by,
                outstanding_ore=invoice.outstanding_ore,
                fee_ore=decided.fee_ore,
                fees_total_ore=decided.fees_total_ore,
                final=decided.final,
            ),
            source=SOURCE,
            subject=invoice.invoice_id,
            key=invoice.company_id,
        )
        issued += 1
        final += decided.final
        fees += decided.fee_ore
    return {"considered": len(owing), "issued": issued, "final": final, "fees_ore": fees}


async def of_invoice(conn: asyncpg.Connection, viewer: Principal, invoice_id: UUID) -> RemindedInvoice:
    """The issued invoice's account and reminders. Finance and admin see every invoice's; a company approver only
    its own company's issued invoices' (the ledger's rule: anything else 404); other roles 403 ``forbidden``.
    A draft, a credit note or an unknown id: 404 ``invoice-not-found``."""
    if viewer.role not in FINANCE_ROLES:
        if viewer.role is not Role.COMPANY_APPROVER:
            raise forbidden("Only finance, admin and the invoice's company see its payment reminders")
        await ledger.get_invoice(conn, viewer, invoice_id)
    found = await repository.invoices(conn, [invoice_id])
    if not found:
        raise not_found("invoice")
    return found[0]


async def of_invoices(conn: asyncpg.Connection, invoice_ids: list[UUID]) -> dict[UUID, RemindedInvoice]:
    """The reminders of invoices the caller was allowed to see (the portal's rows, finance's detail), by id."""
    return {f.invoice_id: f for f in await repository.invoices(conn, invoice_ids)}


async def listing(
    conn: asyncpg.Connection, actor: Principal, *, status: str, today: date, limit: int, offset: int
) -> list[RemindedInvoice]:
    """Finance's list (``status``: ``overdue``, ``reminded`` or ``final``; see the repository's ``listed``).
    403 ``forbidden`` for anyone but finance and admin."""
    if actor.role not in FINANCE_ROLES:
        raise forbidden("Only finance and admin list payment reminders")
    return await repository.listed(conn, status, today, limit=limit, offset=offset)
