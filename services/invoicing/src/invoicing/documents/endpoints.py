"""Invoice documents over HTTP: the PDF of an issued invoice and the CSV of the entries behind its lines.

Who may fetch them is the rule of ``GET /invoices/{id}``: agency staff; a company approver for its own
company's issued invoices; else 404 ``invoice-not-found``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from invoicing.documents import attachment, service
from invoicing.documents.attachment import CSV_MEDIA_TYPE
from invoicing.documents.models import PDF_MEDIA_TYPE
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool
from vikar_shared.http.openapi import problem_responses
from vikar_shared.http.problems import problem
from vikar_shared.types.periods import Day

router = APIRouter(tags=["ledger"])
# Seconds a client waits before asking again for a PDF the worker has not rendered yet.
DOCUMENT_RETRY_AFTER_SECONDS = 5


@router.get(
    "/invoices/{invoice_id}/pdf",
    response_class=Response,
    responses={
        200: {
            "description": "The invoice or credit note PDF (Danish, every momsbekendtgørelsen § 58 field)",
            "content": {PDF_MEDIA_TYPE: {}},
        },
        **problem_responses(404, codes={404: ["invoice-not-found", "document-not-ready"]}),
    },
    summary="The PDF of an issued invoice",
    description="Agency staff; a company approver only its own company's issued invoices; the `service` role "
    "(notifications, attaching it to the billing contact's mail) issued invoices and credit notes (else 404 "
    "`invoice-not-found`). The worker renders it after issuing: until then (and for a draft, which has no "
    "document) 404 `document-not-ready` with `Retry-After`. `ETag` is the PDF's SHA-256.",
)
async def invoice_pdf(invoice_id: UUID, viewer: CurrentPrincipal, pool: DbPool) -> Response:
    async with transaction(pool) as conn:
        invoice, document = await service.document(conn, viewer, invoice_id)
    if document is None:
        detail = (
            "The invoice is a draft: its PDF is rendered once it is issued"
            if not invoice.is_issued
            else "The invoice's PDF is being rendered; ask again shortly"
        )
        headers = {"Retry-After": str(DOCUMENT_RETRY_AFTER_SECONDS)} if invoice.is_issued else None
        return problem(404, "document-not-ready", "not-found", detail, headers=headers)
    number = invoice.issue.number if invoice.issue else None
    name = attachment.filename(number, invoice_id, ".pdf", credit_note=invoice.is_credit_note)
    return Response(
        document.content,
        media_type=document.media_type,
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "ETag": f'"{document.sha256_hex}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/invoices/{invoice_id}/lines.csv",
    response_class=Response,
    responses={
        200: {
            "description": "Every entry and adjustment behind the invoice's (or credit note's) lines: UTF-8 with "
            "BOM, `;`-separated, integer øre and minutes as the document states them (invoicing.documents.attachment)",
            "content": {CSV_MEDIA_TYPE: {}},
        },
        **problem_responses(404, codes={404: ["invoice-not-found"]}),
    },
    summary="The entries behind an invoice's lines, as CSV",
    description="Agency staff (drafts too); a company approver only its own company's issued invoices (else 404 "
    "`invoice-not-found`). Columns: Linje; Registrering (entry id); Arbejdsdato; Medarbejder-id; Medarbejder; "
    "Minutter; Sats (øre/time); Beløb (øre). The amounts sum to the document's `net_ore` (a credit note's are "
    "positive, as it states them).",
)
async def invoice_lines_csv(invoice_id: UUID, viewer: CurrentPrincipal, pool: DbPool) -> Response:
    async with transaction(pool) as conn:
        invoice, content = await service.lines_csv(conn, viewer, invoice_id)
    number = invoice.issue.number if invoice.issue else None
    name = attachment.filename(number, invoice_id, "-linjer.csv", credit_note=invoice.is_credit_note)
    return Response(
        content,
        media_type=CSV_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


# --- Issue 10: the bookkeeping export (helper "payments") -------------------------------------------------------
Finance = Annotated[Principal, Depends(require_roles(Role.FINANCE, Role.ADMIN))]


@router.get(
    "/exports/bookkeeping.csv",
    response_class=Response,
    responses={
        200: {
            "description": "One row per issued invoice or credit note and VAT rate, by number: UTF-8 with BOM, "
            "`;`-separated, kroner with a decimal comma and no thousands separator, dates dd-mm-yyyy; credit "
            "notes negative (invoicing.documents.bookkeeping)",
            "content": {CSV_MEDIA_TYPE: {}},
        },
        **problem_responses(422, codes={422: ["range-reversed", "range-too-long"]}),
    },
    summary="A period's invoices and credit notes for bookkeeping (e-conomic, Dinero, Billy)",
    description="Finance and admin. Every document issued from `from` to `to` (YYYY-MM-DD, both included, at "
    "most one year). Columns: Bilagsnummer; Dato; Type (Faktura/Kreditnota); Kunde; CVR; Netto; Momssats; Moms; "
    "Total; Forfaldsdato; Valuta; Krediterer. `to` before `from` is 422 `range-reversed`; more than a year 422 "
    "`range-too-long`.",
)
async def bookkeeping_export(
    actor: Finance,
    pool: DbPool,
    first: Annotated[Day, Query(alias="from", description="First issue date included, YYYY-MM-DD")],
    last: Annotated[Day, Query(alias="to", description="Last issue date included, YYYY-MM-DD")],
) -> Response:
    async with transaction(pool) as conn:
        content = await service.bookkeeping_csv(conn, actor, first, last)
    return Response(
        content,
        media_type=CSV_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="bogfoering-{first.isoformat()}-{last.isoformat()}.csv"',
            "Cache-Control": "private, no-store",
        },
    )
