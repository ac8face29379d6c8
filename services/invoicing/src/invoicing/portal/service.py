"""Use cases of the portal's invoices pages. Each takes the caller's connection and never commits.

An entry point with no table of its own: who is logged in comes from the page session
(``vikar_shared.identity.pages``), whether that person is an approver of its company from invoicing's companies
read model; the invoices come from the ledger's service (``list_invoices`` / ``get_invoice`` as the approver's
Principal: its own company's issued documents only, anything else 404 ``invoice-not-found``), their payment
status from the payments service (one statement per page) and the PDF from the documents service."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from invoicing.accruals import service as accruals
from invoicing.companies import service as companies
from invoicing.documents import service as documents
from invoicing.documents.models import InvoiceDocument
from invoicing.ledger import service as ledger
from invoicing.ledger.models import Invoice
from invoicing.payment_reminders import service as payment_reminders
from invoicing.payments import service as payments
from invoicing.portal.models import PAGE_SIZE, InvoiceRow, InvoiceShown, NoAccessError, invoice_shown, row_of
from vikar_shared.auth.principal import Role
from vikar_shared.errors import not_found
from vikar_shared.identity.approvers import ApproverSession, approver_session, claimed_approver_session
from vikar_shared.identity.tokens import PageSession


async def approver_of(conn: asyncpg.Connection, page: PageSession, locale: str) -> ApproverSession:
    """The approver of a verified (signed, unexpired, not ended) page session: a ``company_approver``'s whose
    address is (still) listed for the session's company in invoicing's companies read model. Anything else is
    NoAccessError, at once.

    While invoicing has never received the company's approver list (``companies.approvers_known`` false: a
    company announced before migration ``20261202_50_company_approvers.sql`` and unchanged since, whose earlier
    events cannot be replayed into this table), the session's ``company_approver`` claim for its company is
    accepted as it is (:func:`vikar_shared.identity.approvers.claimed_approver_session`): the token is
    Ed25519-signed by the identity owner (placement), which mints such sessions only for the company's listed
    approvers, at login and at every refresh (five minutes); a removal ends the session by
    ``placement.page_session_ended``, refused before this by ``authenticate``. The company's next
    ``company_registered`` / ``company_updated`` makes the list known, and from then on it is enforced at once
    (an address not listed: NoAccessError), as timesheet's portal does."""
    if page.role is not Role.COMPANY_APPROVER or page.company_id is None:
        raise NoAccessError()
    company = await companies.get_company(conn, page.company_id)
    company_name = None if company is None else company.name
    listed = await companies.known_approvers(conn, page.company_id)
    if listed is None:
        session = claimed_approver_session(page, company_name, locale)
    else:
        session = approver_session(page, listed, company_name, locale)
    if session is None:
        raise NoAccessError()
    return session


async def invoices_page(
    conn: asyncpg.Connection, session: ApproverSession, page: int, *, today: date
) -> tuple[list[InvoiceRow], bool]:
    """Page ``page`` (1-based, :data:`PAGE_SIZE` a page) of the company's issued invoices and credit notes, in
    the ledger's order (by period), each with its payment status on ``today`` (the agency's date); and whether
    a next page exists. Drafts and other companies' documents are never among them (the ledger's rule)."""
    found = await ledger.list_invoices(
        conn,
        session.principal,
        status=None,
        company_id=None,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    shown = [i for i in found[:PAGE_SIZE] if i.is_issued and i.company_id == session.company_id]
    accounts = await payments.settlements(conn, [i.invoice_id for i in shown if not i.is_credit_note])
    rows = [row_of(i, accounts.get(i.invoice_id), today) for i in shown]
    return rows, len(found) > PAGE_SIZE


async def document_of(
    conn: asyncpg.Connection, session: ApproverSession, invoice_id: UUID
) -> tuple[Invoice, InvoiceDocument | None]:
    """The issued invoice (or credit note) of the approver's company and its PDF, None while the worker has
    not rendered it. 404 ``invoice-not-found`` for another company's, a draft or an unknown id."""
    return await documents.document(conn, session.principal, invoice_id)


async def invoice_page(
    conn: asyncpg.Connection, session: ApproverSession, invoice_id: UUID, *, today: date
) -> InvoiceShown:
    """Issue 14 (part E): one issued invoice (or credit note) of the approver's company with its lines (which
    hours were deemed approved), its account on ``today`` and its payment reminders. 404 ``invoice-not-found``
    for another company's, a draft or an unknown id (the ledger's rule)."""
    invoice = await ledger.get_invoice(conn, session.principal, invoice_id)
    if not invoice.is_issued or invoice.company_id != session.company_id:
        raise not_found("invoice")
    accounts = {} if invoice.is_credit_note else await payments.settlements(conn, [invoice_id])
    reasons = await accruals.status_reasons(conn, [e for line in invoice.lines for e in line.entry_ids])
    reminded = {} if invoice.is_credit_note else await payment_reminders.of_invoices(conn, [invoice_id])
    found = reminded.get(invoice_id)
    return invoice_shown(invoice, accounts.get(invoice_id), today, reasons, () if found is None else found.reminders)
