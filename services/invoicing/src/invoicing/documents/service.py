"""Invoice documents: render an issued invoice's PDF (the worker's job, after the issuing transaction),
serve it, and the CSV of the entries behind its lines.

Access is the ledger's rule for ``GET /invoices/{id}`` (:func:`invoicing.ledger.service.get_invoice`):
agency staff see every invoice, a company approver the issued invoices of its own company; anyone else
gets 404 ``invoice-not-found``. Sources: momsbekendtgørelsen § 58 (the PDF's fields);
``shared/docs/domain.md`` rules 4 (issued invoices are facts: so is their document) and 7 (names, never
a CPR)."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import date, datetime
from uuid import UUID

import asyncpg

from invoicing.documents import attachment, bookkeeping, rendering, repository
from invoicing.documents.models import PDF_MEDIA_TYPE, InvoiceDocument
from invoicing.ledger import service as ledger_service
from invoicing.ledger.models import Invoice
from vikar_shared.auth import Principal, Role
from vikar_shared.errors import DomainError, forbidden, invalid

# Who the document job reads an invoice as: finance, which sees every invoice (it only reads).
DOCUMENT_JOB = Principal(subject="invoicing-document-job", role=Role.FINANCE)


async def render_invoice(conn: asyncpg.Connection, invoice_id: UUID, *, now: datetime) -> bool:
    """Renders and stores the PDF of an issued invoice unless it has one; True when stored now, False when
    it had one (rendering twice stores one document) or is not issued. Runs the renderer in a thread (it
    blocks for tens to hundreds of milliseconds)."""
    if await repository.has_document(conn, invoice_id):
        return False
    try:
        invoice = await ledger_service.get_invoice(conn, DOCUMENT_JOB, invoice_id)
    except DomainError:  # invoice-not-found: nothing to render
        return False
    if not invoice.is_issued:
        return False
    pdf = await asyncio.to_thread(rendering.render_pdf, invoice)
    document = InvoiceDocument(
        invoice_id=invoice_id,
        media_type=PDF_MEDIA_TYPE,
        content=pdf,
        sha256=hashlib.sha256(pdf).digest(),
        renderer=rendering.renderer_name(),
        rendered_at=now,
    )
    return await repository.store(conn, document)


async def render_due(conn: asyncpg.Connection, invoice_id: UUID, *, now: datetime) -> None:
    """Renders and stores the PDF of a claimed due invoice (:func:`invoicing.documents.repository.claim_due`)
    and takes it off the queue, in the caller's transaction."""
    await render_invoice(conn, invoice_id, now=now)
    await repository.done(conn, invoice_id)


async def render_next(conn: asyncpg.Connection, *, now: datetime) -> UUID | None:
    """Takes the invoice whose document is due longest (skipping those another worker holds) and renders it
    (:func:`render_due`). None when nothing is due."""
    invoice_id = await repository.claim_due(conn)
    if invoice_id is not None:
        await render_due(conn, invoice_id, now=now)
    return invoice_id


async def document(
    conn: asyncpg.Connection, viewer: Principal, invoice_id: UUID
) -> tuple[Invoice, InvoiceDocument | None]:
    """The invoice and its PDF, or None while the PDF is not rendered yet (a draft never has one).
    404 ``invoice-not-found`` when the viewer may not see the invoice (a ``service`` principal sees the issued
    ones: :func:`invoicing.ledger.service.get_issued_invoice_document`)."""
    invoice = await ledger_service.get_issued_invoice_document(conn, viewer, invoice_id)
    found = await repository.get_document(conn, invoice_id) if invoice.is_issued else None
    return invoice, found


async def lines_csv(conn: asyncpg.Connection, viewer: Principal, invoice_id: UUID) -> tuple[Invoice, bytes]:
    """The invoice (or credit note) and the CSV of every entry and adjustment behind its lines
    (:mod:`invoicing.documents.attachment`), with minutes and amounts as the document states them (positive on a
    credit note); its ``Beløb (øre)`` column sums to the document's ``net_ore``. 404 ``invoice-not-found`` as
    above."""
    invoice = await ledger_service.get_invoice(conn, viewer, invoice_id)
    sign = -1 if invoice.is_credit_note else 1
    return invoice, attachment.lines_csv(await repository.entry_details(conn, invoice_id, sign=sign))


async def bookkeeping_csv(conn: asyncpg.Connection, actor: Principal, first: date, last: date) -> bytes:
    """The bookkeeping CSV (:mod:`invoicing.documents.bookkeeping`) of every invoice and credit note issued from
    ``first`` to ``last`` inclusive. Errors: 403 ``forbidden`` (not finance or admin); 422 ``range-reversed``
    (``last`` before ``first``), ``range-too-long`` (more than one year), both naming the field ``to``."""
    if actor.role not in (Role.FINANCE, Role.ADMIN):
        raise forbidden("Only finance and admin export the books")
    if last < first:
        raise invalid("to", "range-reversed", "to is before from")
    if last >= bookkeeping.one_year_after(first):
        raise invalid("to", "range-too-long", "The export covers at most one year: to must be before from + 1 year")
    return bookkeeping.bookkeeping_csv(await repository.bookkeeping_documents(conn, first, last))
