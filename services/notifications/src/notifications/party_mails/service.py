"""Use cases of the parties' mails (issue 14, part B): invoicing's events mailed to the company's billing contact,
the agency's finance staff and the municipality's statement contacts.

- ``InvoiceIssued`` / ``CreditNoteIssued`` → the billing contact, with the PDF attached (fetched when sent);
- ``InvoicePaymentFailed`` → the billing contact and every active finance staff member;
- ``PaymentReminderIssued`` → the billing contact (none once the invoice is paid);
- ``StatementIssued`` / ``CorrectionStatementIssued`` → the municipality's statement contacts, PDF and CSV attached;
- ``InvoicePaid`` / ``InvoiceVoided`` → the invoice's payment reminders not sent yet are cancelled (and waiting
  ones dropped).

The triggering event's id is the idempotency key: one mail per (event, recipient), whatever is replayed. A party
whose recipients are not known yet (its placement event has not arrived) keeps the event waiting; the event that
names them (``CompanyRegistered``/``CompanyUpdated`` with a billing contact, ``MunicipalityTermsSet`` with
statement contacts) mails it (:func:`mail_waiting_for_company`, :func:`mail_waiting_for_municipality`). Each runs
in the consumer's inbox transaction, under the party's lock."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from pydantic import BaseModel

from notifications.companies import reads as companies
from notifications.directory import reads as directory
from notifications.directory.models import Recipient
from notifications.emails import service as outbox
from notifications.emails.models import MailContext, PlannedEmail
from notifications.party_mails import mails, repository
from notifications.party_mails.models import COMPANY, MUNICIPALITY, Waiting
from vikar_shared.events.invoicing import (
    CorrectionStatementIssued,
    CreditNoteIssued,
    InvoiceIssued,
    InvoicePaid,
    InvoicePaymentFailed,
    InvoiceVoided,
    PaymentReminderIssued,
    StatementIssued,
)

CompanyEvent = InvoiceIssued | CreditNoteIssued | InvoicePaymentFailed | PaymentReminderIssued
MunicipalityEvent = StatementIssued | CorrectionStatementIssued
_EVENTS: dict[str, type[BaseModel]] = {
    cls.event_type: cls
    for cls in (
        InvoiceIssued,
        CreditNoteIssued,
        InvoicePaymentFailed,
        PaymentReminderIssued,
        StatementIssued,
        CorrectionStatementIssued,
    )
}


def _company_mail(
    event_id: uuid.UUID, data: CompanyEvent, recipient: Recipient, company: str | None, context: MailContext
) -> PlannedEmail:
    if isinstance(data, InvoiceIssued):
        return mails.invoice_issued(event_id, data, recipient, company, context)
    if isinstance(data, CreditNoteIssued):
        return mails.credit_note_issued(event_id, data, recipient, company, context)
    if isinstance(data, InvoicePaymentFailed):
        return mails.payment_failed(event_id, data, recipient, company, context, audience="billing")
    return mails.payment_reminder(event_id, data, recipient, company, context)


async def on_company_event(
    conn: asyncpg.Connection, event_id: uuid.UUID, data: CompanyEvent, context: MailContext
) -> int:
    """Plans the event's mails (see the module docstring); returns how many were new. A payment reminder of a paid
    invoice is not mailed."""
    created = 0
    if isinstance(data, InvoicePaymentFailed):
        company = await companies.company_name(conn, data.company_id)
        finance = [
            mails.payment_failed(event_id, data, s.recipient(), company, context, audience="finance")
            for s in await directory.active_staff(conn, "finance")
        ]
        created += await outbox.enqueue(conn, finance)
    if isinstance(data, PaymentReminderIssued):
        if await repository.is_settled(conn, data.invoice_id):
            return created
        await repository.record_reminder(conn, event_id, data.invoice_id)
    await companies.lock_company(conn, data.company_id)
    contact = await companies.billing_contact(conn, data.company_id)
    if contact is None:
        await repository.insert_waiting(
            conn,
            Waiting(
                event_id=event_id,
                event_type=data.event_type,
                party=COMPANY,
                party_id=data.company_id,
                invoice_id=data.invoice_id if isinstance(data, PaymentReminderIssued) else None,
                data=data.model_dump(mode="json"),
            ),
        )
        return created
    company = await companies.company_name(conn, data.company_id)
    return created + await outbox.enqueue(conn, [_company_mail(event_id, data, contact, company, context)])


async def on_municipality_event(
    conn: asyncpg.Connection, event_id: uuid.UUID, data: MunicipalityEvent, context: MailContext
) -> int:
    """One mail per statement contact of the municipality's latest agreement (waiting while none is known)."""
    await repository.lock_municipality(conn, data.municipality_id)
    contacts = await directory.statement_contacts(conn, data.municipality_id)
    if not contacts:
        await repository.insert_waiting(
            conn,
            Waiting(
                event_id=event_id,
                event_type=data.event_type,
                party=MUNICIPALITY,
                party_id=data.municipality_id,
                invoice_id=None,
                data=data.model_dump(mode="json"),
            ),
        )
        return 0
    name = await directory.municipality_name(conn, data.municipality_id)
    return await outbox.enqueue(
        conn, [mails.statement_issued(event_id, data, contact, name, context) for contact in contacts]
    )


def _event(waiting: Waiting) -> Any:
    return _EVENTS[waiting.event_type].model_validate(waiting.data)


async def mail_waiting_for_company(conn: asyncpg.Connection, company_id: uuid.UUID, context: MailContext) -> int:
    """Mails the company's waiting events to its billing contact, once one is known (the caller's transaction has
    just stored the company); returns how many mails were planned."""
    await companies.lock_company(conn, company_id)
    contact = await companies.billing_contact(conn, company_id)
    if contact is None:
        return 0
    waiting = await repository.waiting_for(conn, COMPANY, company_id)
    if not waiting:
        return 0
    company = await companies.company_name(conn, company_id)
    planned = [_company_mail(w.event_id, _event(w), contact, company, context) for w in waiting]
    created = await outbox.enqueue(conn, planned)
    await repository.delete_waiting(conn, [w.event_id for w in waiting])
    return created


async def mail_waiting_for_municipality(
    conn: asyncpg.Connection, municipality_id: uuid.UUID, context: MailContext
) -> int:
    """Mails the municipality's waiting statements to its statement contacts, once any are known."""
    await repository.lock_municipality(conn, municipality_id)
    contacts = await directory.statement_contacts(conn, municipality_id)
    if not contacts:
        return 0
    waiting = await repository.waiting_for(conn, MUNICIPALITY, municipality_id)
    if not waiting:
        return 0
    name = await directory.municipality_name(conn, municipality_id)
    planned = [mails.statement_issued(w.event_id, _event(w), c, name, context) for w in waiting for c in contacts]
    created = await outbox.enqueue(conn, planned)
    await repository.delete_waiting(conn, [w.event_id for w in waiting])
    return created


async def on_invoice_settled(conn: asyncpg.Connection, data: InvoicePaid | InvoiceVoided) -> int:
    """Payment reminders stop the moment a payment arrives (or the invoice is voided): the invoice's reminder mails
    not sent yet are cancelled, waiting ones dropped, later ones not mailed. Returns how many mails were cancelled."""
    if isinstance(data, InvoicePaid):
        how, reason = "paid", f"cancelled: invoice {data.number} was paid on {data.paid_on.isoformat()}"
    else:
        how, reason = "voided", f"cancelled: invoice {data.number} was voided ({data.reason})"
    await repository.record_settled(conn, data.invoice_id, how)
    await repository.drop_waiting_reminders(conn, data.invoice_id)
    return await outbox.cancel_pending(conn, await repository.reminder_events(conn, data.invoice_id), reason)
