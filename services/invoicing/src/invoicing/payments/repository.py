"""SQL of payments: the only writer of ``payments``, ``invoices_paid``, ``invoice_history`` and
``payment_reminders`` (migration ``20261202_10_payments_and_stripe.sql``) and owner of the view
``invoice_accounts`` (``20261202_40_payments_finance.sql``). Reads ``invoices`` (the ledger's) and
``stripe_syncs`` (the Stripe worker's) with selects only."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from invoicing.payments.models import (
    FinanceDetails,
    HistoryStep,
    OverdueInvoice,
    Payment,
    PaymentMethod,
    Reminder,
    ScheduledReminder,
    Settlement,
    StripeState,
)


async def lock_invoice(conn: asyncpg.Connection, invoice_id: UUID) -> asyncpg.Record | None:
    """The invoice's row (id, company, status, document type, number, total, issue and due date, buyer's
    name), locked for this transaction so payments of one invoice are recorded one at a time. ``for update``
    fires no update trigger: an issued invoice stays unchanged."""
    row: asyncpg.Record | None = await conn.fetchrow(
        """select invoice_id, company_id, status, document_type, number, total_ore, issue_date, due_date,
                  buyer ->> 'name' as buyer_name
           from invoices where invoice_id = $1 for update""",
        invoice_id,
    )
    return row


async def settlement(conn: asyncpg.Connection, invoice_id: UUID) -> Settlement | None:
    """The issued invoice's account (total, credited by issued credit notes, paid), or None for anything else."""
    return (await settlements(conn, [invoice_id])).get(invoice_id)


async def settlements(conn: asyncpg.Connection, invoice_ids: list[UUID]) -> dict[UUID, Settlement]:
    """The accounts of many issued invoices in one statement, from the view ``invoice_accounts`` (the one SQL
    statement of the account rule); ids of drafts, credit notes and unknown invoices are absent."""
    rows = await conn.fetch(
        """select invoice_id, total_ore, credited_ore, paid_ore from invoice_accounts
           where invoice_id = any($1::uuid[])""",
        invoice_ids,
    )
    return {
        r["invoice_id"]: Settlement(r["invoice_id"], r["total_ore"], r["credited_ore"], r["paid_ore"]) for r in rows
    }


async def insert_payment(conn: asyncpg.Connection, payment: Payment, *, stripe_event_id: str | None = None) -> bool:
    """Stores the payment; False (nothing stored) when it is a Stripe payment of a Stripe invoice already paid."""
    status = await conn.execute(
        """insert into payments (payment_id, invoice_id, method, amount_ore, paid_on, payer_reference,
                                 stripe_invoice_id, stripe_event_id, recorded_by, recorded_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           on conflict (stripe_invoice_id) where method = 'stripe' do nothing""",
        payment.payment_id,
        payment.invoice_id,
        payment.method.value,
        payment.amount_ore,
        payment.paid_on,
        payment.payer_reference,
        payment.stripe_invoice_id,
        stripe_event_id,
        payment.recorded_by,
        payment.recorded_at,
    )
    return bool(status == "INSERT 0 1")


async def payments_of(conn: asyncpg.Connection, invoice_id: UUID) -> list[Payment]:
    rows = await conn.fetch(
        """select payment_id, invoice_id, method, amount_ore, paid_on, payer_reference, recorded_by, recorded_at,
                  stripe_invoice_id
           from payments where invoice_id = $1 order by paid_on, recorded_at, payment_id""",
        invoice_id,
    )
    return [_payment(r) for r in rows]


def _payment(r: asyncpg.Record) -> Payment:
    return Payment(
        payment_id=r["payment_id"],
        invoice_id=r["invoice_id"],
        method=PaymentMethod(r["method"]),
        amount_ore=r["amount_ore"],
        paid_on=r["paid_on"],
        payer_reference=r["payer_reference"],
        recorded_by=r["recorded_by"],
        recorded_at=r["recorded_at"],
        stripe_invoice_id=r["stripe_invoice_id"],
    )


async def mark_paid(conn: asyncpg.Connection, invoice_id: UUID, paid_on: date) -> bool:
    """Records that the invoice is paid; False when it was recorded before (the event is written once)."""
    status = await conn.execute(
        "insert into invoices_paid (invoice_id, paid_on) values ($1, $2) on conflict (invoice_id) do nothing",
        invoice_id,
        paid_on,
    )
    return bool(status == "INSERT 0 1")


async def add_history(
    conn: asyncpg.Connection, invoice_id: UUID, kind: str, *, actor: str | None, detail: dict[str, Any]
) -> None:
    """Appends one step to the invoice's history. ``detail``: public facts only (JSON-serialisable)."""
    await conn.execute(
        "insert into invoice_history (invoice_id, kind, actor, detail) values ($1, $2, $3, $4::jsonb)",
        invoice_id,
        kind,
        actor,
        # The pool's jsonb codec encodes the value: hand it plain JSON values (ids and dates as text), not a
        # string, which it would store as one JSON string.
        json.loads(json.dumps(detail, default=str)),
    )


# --- reminders, overdue invoices, what finance sees of one invoice ---------------------------------------------


async def reminders_of(conn: asyncpg.Connection, invoice_id: UUID) -> list[Reminder]:
    rows = await conn.fetch(
        """select invoice_id, reminder_number, sent_on, fee_ore, recorded_by, recorded_at
           from payment_reminders where invoice_id = $1 order by reminder_number""",
        invoice_id,
    )
    return [
        Reminder(r["invoice_id"], r["reminder_number"], r["sent_on"], r["fee_ore"], r["recorded_by"], r["recorded_at"])
        for r in rows
    ]


async def insert_reminder(conn: asyncpg.Connection, reminder: Reminder) -> None:
    await conn.execute(
        """insert into payment_reminders (invoice_id, reminder_number, sent_on, fee_ore, recorded_by, recorded_at)
           values ($1, $2, $3, $4, $5, $6)""",
        reminder.invoice_id,
        reminder.number,
        reminder.sent_on,
        reminder.fee_ore,
        reminder.recorded_by,
        reminder.recorded_at,
    )


async def overdue(conn: asyncpg.Connection, today: date, *, limit: int, offset: int) -> list[OverdueInvoice]:
    """Issued invoices still owed (unpaid or partially paid) whose due date is before ``today``, oldest due date
    first (then number), with the dates of the reminders sent. One statement."""
    rows = await conn.fetch(
        """select a.invoice_id, a.company_id, i.number, i.buyer ->> 'name' as buyer_name, i.issue_date, a.due_date,
                  a.total_ore, a.credited_ore, a.paid_ore,
                  coalesce((select array_agg(r.sent_on order by r.reminder_number) from payment_reminders r
                            where r.invoice_id = a.invoice_id), '{}') as reminders_sent,
                  coalesce((select sum(r.fee_ore) from payment_reminders r
                            where r.invoice_id = a.invoice_id), 0)::bigint as reminder_fees_ore
           from invoice_accounts a join invoices i on i.invoice_id = a.invoice_id
           where a.payment_status in ('unpaid', 'partially_paid') and a.due_date < $1
           order by a.due_date, i.number limit $2 offset $3""",
        today,
        limit,
        offset,
    )
    return [
        OverdueInvoice(
            invoice_id=r["invoice_id"],
            company_id=r["company_id"],
            number=r["number"],
            buyer_name=r["buyer_name"],
            issue_date=r["issue_date"],
            due_date=r["due_date"],
            settlement=Settlement(r["invoice_id"], r["total_ore"], r["credited_ore"], r["paid_ore"]),
            reminders_sent=tuple(r["reminders_sent"]),
            reminder_fees_ore=r["reminder_fees_ore"],
        )
        for r in rows
    ]


async def finance_details(conn: asyncpg.Connection, invoice_id: UUID) -> FinanceDetails:
    """The invoice's payments (by date paid), history (in order) and Stripe state (None before it is queued)."""
    history = await conn.fetch(
        """select history_id, at, kind, actor, detail from invoice_history where invoice_id = $1
           order by history_id""",
        invoice_id,
    )
    stripe = await conn.fetchrow(
        """select state, stripe_invoice_id, stripe_credit_note_id, attempts, last_error, synced_at
           from stripe_syncs where invoice_id = $1""",
        invoice_id,
    )
    return FinanceDetails(
        payments=tuple(await payments_of(conn, invoice_id)),
        history=tuple(
            HistoryStep(r["history_id"], r["at"], r["kind"], r["actor"], _json(r["detail"])) for r in history
        ),
        stripe=None if stripe is None else StripeState(**dict(stripe)),
    )


def _json(value: Any) -> dict[str, Any]:
    loaded = json.loads(value) if isinstance(value, str) else value
    return dict(loaded or {})


async def insert_scheduled_reminder(conn: asyncpg.Connection, reminder: ScheduledReminder) -> bool:
    """Issue 14 (part E): stores a reminder of the daily schedule (source ``scheduled``, migration
    ``20261216_10_payment_reminders.sql``); False when that number of the invoice exists already."""
    status = await conn.execute(
        """insert into payment_reminders (reminder_id, invoice_id, reminder_number, sent_on, fee_ore, recorded_by,
                                          source, pay_by, outstanding_ore, final)
           values ($1, $2, $3, $4, $5, $6, 'scheduled', $7, $8, $9)
           on conflict (invoice_id, reminder_number) do nothing""",
        reminder.reminder_id,
        reminder.invoice_id,
        reminder.number,
        reminder.sent_on,
        reminder.fee_ore,
        reminder.recorded_by,
        reminder.pay_by,
        reminder.outstanding_ore,
        reminder.final,
    )
    return bool(status == "INSERT 0 1")
