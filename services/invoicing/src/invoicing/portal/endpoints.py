"""The portal's invoices pages (served by invoicing under the one origin's ``/portal/invoices``; the rest of
``/portal/`` is timesheet's). Read-only: no form, so no CSRF check (the navigation's logout button posts the
session's CSRF value to the identity owner). Each request reads in one transaction; every failure ends on a
page in the visitor's language.

| method and path | what |
|---|---|
| ``GET /portal/invoices?page=N`` | the company's issued invoices and credit notes, 50 a page |
| ``GET /portal/invoices/{invoice_id}`` | one issued document: its lines (hours *godkendt ved fristudløb* marked), its
  payment and its payment reminders (rykkere) with their fees (issue 14) |
| ``GET /portal/invoices/{invoice_id}/pdf`` | the PDF (attachment); not rendered yet: a 404 page saying so |
| ``GET /portal/invoices/static/vikar.css`` | the shared stylesheet |
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from invoicing.documents.attachment import filename
from invoicing.portal import service
from invoicing.portal.models import PAGE_SIZE, page_number
from invoicing.portal.pages import PREFIX, SITE
from invoicing.portal.web import ends_on_a_page, open_visit, session_page
from vikar_shared.clock import agency_date
from vikar_shared.db import transaction
from vikar_shared.errors import not_found
from vikar_shared.http.deps import DbPool, Now
from vikar_shared.web.pages import SECURITY_HEADERS
from vikar_shared.web.static import stylesheet_response

router = APIRouter(prefix=PREFIX, include_in_schema=False)
# Seconds the "PDF not ready" page asks a browser to wait (the documents API's Retry-After).
DOCUMENT_RETRY_AFTER_SECONDS = 5


def _invoice_id(raw: str) -> UUID:
    """The path's invoice id; a malformed one is the same 404 page as another company's invoice."""
    try:
        return UUID(raw)
    except ValueError:
        raise not_found("invoice") from None


@router.get("/static/vikar.css")
async def stylesheet() -> Response:
    """The shared stylesheet under the pages' prefix (``/portal/invoices/static/vikar.css``)."""
    return stylesheet_response()


@router.get("")
@router.get("/")
@ends_on_a_page
async def invoices(request: Request, pool: DbPool, now: Now) -> Response:
    async with transaction(pool) as conn:
        visit = await open_visit(conn, request, now)
        page = page_number(request.query_params.get("page"))
        rows, more = await service.invoices_page(conn, visit.session, page, today=agency_date(now))
    return session_page(
        request, visit, "portal/invoices.html", rows=rows, page=page, previous=page > 1, more=more, page_size=PAGE_SIZE
    )


@router.get("/{invoice_id}")
@ends_on_a_page
async def invoice_detail(invoice_id: str, request: Request, pool: DbPool, now: Now) -> Response:
    """Issue 14 (part E): one issued invoice or credit note of the approver's company (else the 404 page)."""
    async with transaction(pool) as conn:
        visit = await open_visit(conn, request, now)
        shown = await service.invoice_page(conn, visit.session, _invoice_id(invoice_id), today=agency_date(now))
    return session_page(request, visit, "portal/invoice.html", invoice=shown)


@router.get("/{invoice_id}/pdf")
@ends_on_a_page
async def invoice_pdf(invoice_id: str, request: Request, pool: DbPool, now: Now) -> Response:
    async with transaction(pool) as conn:
        visit = await open_visit(conn, request, now)
        invoice, document = await service.document_of(conn, visit.session, _invoice_id(invoice_id))
    if document is None:
        # Issued, but the worker has not rendered its PDF yet: say so (the documents API's 404 and Retry-After).
        context = {"title": "document_not_ready_title", "text": "document_not_ready_text", "link": SITE.home}
        waiting = session_page(request, visit, SITE.message_template, status=404, **context)
        waiting.headers["Retry-After"] = str(DOCUMENT_RETRY_AFTER_SECONDS)
        return waiting
    number = invoice.issue.number if invoice.issue else None
    name = filename(number, invoice.invoice_id, ".pdf", credit_note=invoice.is_credit_note)
    disposition = f'attachment; filename="{name}"'
    headers = {**SECURITY_HEADERS, "Content-Disposition": disposition, "ETag": f'"{document.sha256_hex}"'}
    return Response(document.content, media_type=document.media_type, headers=headers)
