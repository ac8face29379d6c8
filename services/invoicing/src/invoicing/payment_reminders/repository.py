"""SQL reads of the scheduled payment reminders: ``payment_reminders`` (migrations
``20261202_10_payments_and_stripe.sql`` and ``20261216_10_payment_reminders.sql``; written only by the payments
repository, the table's one owner: ``invoicing.payments.service.record_scheduled_reminder``). Reads ``invoices``
(the ledger's), the view ``invoice_accounts`` (payments') and ``stripe_voided_invoices`` (the Stripe webhooks')
with selects only; locks the invoice rows it reminds of (``for update``, as payments do), so a payment, a credit
note and a reminder of one invoice are decided one after the other."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from invoicing.payment_reminders.models import IssuedReminder, RemindedInvoice

_INVOICE_COLUMNS = """i.invoice_id, i.company_id, i.number, i.buyer ->> 'name' as buyer_name, i.due_date,
       a.total_ore, a.credited_ore, a.paid_ore, a.outstanding_ore, a.payment_status,
       exists (select from stripe_voided_invoices v where v.invoice_id = i.invoice_id) as voided"""

_OWING = "a.payment_status in ('unpaid', 'partially_paid') and not exists " + (
    "(select from stripe_voided_invoices v where v.invoice_id = i.invoice_id)"
)


async def lock_owing_due_before(conn: asyncpg.Connection, day: date) -> list[RemindedInvoice]:
    """Issued invoices still owed (unpaid or partially paid, not voided) due before ``day``, locked for this
    transaction, by due date and number, with their reminders.

    Two statements: the first locks the candidates' invoice rows (``for update``, waiting for a payment or credit
    note holding one); the second, after the locks, reads their accounts afresh. One statement would wait for the
    lock and then answer its own snapshot from before the wait: a payment committed meanwhile would be unseen, and
    a paid invoice reminded (with a fee) or a stale outstanding amount stated."""
    candidates = await conn.fetch(
        f"""select i.invoice_id
            from invoices i join invoice_accounts a on a.invoice_id = i.invoice_id
            where {_OWING} and a.due_date < $1
            order by a.due_date, i.number
            for update of i""",
        day,
    )
    if not candidates:
        return []
    rows = await conn.fetch(
        f"""select {_INVOICE_COLUMNS}
            from invoices i join invoice_accounts a on a.invoice_id = i.invoice_id
            where i.invoice_id = any($1::uuid[]) and {_OWING} and a.due_date < $2
            order by a.due_date, i.number""",
        [r["invoice_id"] for r in candidates],
        day,
    )
    return await _with_reminders(conn, rows)


async def invoices(conn: asyncpg.Connection, invoice_ids: list[UUID]) -> list[RemindedInvoice]:
    """The issued invoices with their accounts and reminders; drafts, credit notes and unknown ids are absent."""
    rows = await conn.fetch(
        f"""select {_INVOICE_COLUMNS}
            from invoices i join invoice_accounts a on a.invoice_id = i.invoice_id
            where i.invoice_id = any($1::uuid[])""",
        invoice_ids,
    )
    return await _with_reminders(conn, rows)


async def listed(
    conn: asyncpg.Connection, status: str, today: date, *, limit: int, offset: int
) -> list[RemindedInvoice]:
    """Finance's list, by due date and number: ``overdue`` issued invoices still owed past their due date (with
    or without reminders); ``reminded`` invoices with at least one reminder (settled since or not); ``final``
    invoices still owed whose final reminder was issued (next: collection)."""
    where = {
        "overdue": f"{_OWING} and a.due_date < $1",
        "reminded": "$1::date is not null and exists (select from payment_reminders r "
        "where r.invoice_id = i.invoice_id)",
        "final": f"{_OWING} and $1::date is not null and exists (select from payment_reminders r "
        "where r.invoice_id = i.invoice_id and r.final)",
    }[status]
    rows = await conn.fetch(
        f"""select {_INVOICE_COLUMNS}
            from invoices i join invoice_accounts a on a.invoice_id = i.invoice_id
            where {where}
            order by a.due_date, i.number limit $2 offset $3""",
        today,
        limit,
        offset,
    )
    return await _with_reminders(conn, rows)


async def _with_reminders(conn: asyncpg.Connection, rows: list[asyncpg.Record]) -> list[RemindedInvoice]:
    ids = [r["invoice_id"] for r in rows]
    reminders = await conn.fetch(
        """select reminder_id, invoice_id, reminder_number, sent_on, fee_ore, source, pay_by, outstanding_ore, final,
                  recorded_by
           from payment_reminders where invoice_id = any($1::uuid[]) order by invoice_id, reminder_number""",
        ids,
    )
    by_invoice: dict[UUID, list[IssuedReminder]] = {i: [] for i in ids}
    for r in reminders:
        by_invoice[r["invoice_id"]].append(
            IssuedReminder(
                reminder_id=r["reminder_id"],
                invoice_id=r["invoice_id"],
                number=r["reminder_number"],
                sent_on=r["sent_on"],
                fee_ore=r["fee_ore"],
                source=r["source"],
                pay_by=r["pay_by"],
                outstanding_ore=r["outstanding_ore"],
                final=r["final"],
                recorded_by=r["recorded_by"],
            )
        )
    return [
        RemindedInvoice(
            invoice_id=r["invoice_id"],
            company_id=r["company_id"],
            number=r["number"],
            buyer_name=r["buyer_name"],
            due_date=r["due_date"],
            total_ore=r["total_ore"],
            credited_ore=r["credited_ore"],
            paid_ore=r["paid_ore"],
            outstanding_ore=r["outstanding_ore"],
            payment_status=r["payment_status"],
            voided=r["voided"],
            reminders=tuple(by_invoice[r["invoice_id"]]),
        )
        for r in rows
    ]
