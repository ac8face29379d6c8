"""The ledger's HTTP surface: closes (finance, admin), invoice review, regenerate, delete, issue."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query, Request, Response

from invoicing.accruals import service as accruals
from invoicing.config import InvoicingSettings
from invoicing.http_params import Settings
from invoicing.ledger import service
from invoicing.ledger.models import DocumentType, Invoice, InvoiceStatus, Party
from invoicing.ledger.schemas import CloseIn, CloseOut, InvoiceDetailOut, InvoiceListOut, InvoiceOut
from invoicing.payment_reminders import service as payment_reminders
from invoicing.payments import service as payments
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool, Now, Today
from vikar_shared.http.openapi import problem_responses
from vikar_shared.types.periods import Day

router = APIRouter(tags=["ledger"])
Finance = Annotated[Principal, Depends(require_roles(Role.FINANCE, Role.ADMIN))]
Reader = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.FINANCE, Role.ADMIN, Role.COMPANY_APPROVER))]


# Who sees an issued invoice's internal records (payments, history, Stripe state) on GET /invoices/{id}.
FINANCE_VIEW = frozenset({Role.FINANCE, Role.ADMIN})
# Issue 14 (part E): who sees an issued invoice's payment reminders on GET /invoices/{id} (an approver: its own).
REMINDERS_VIEW = frozenset({Role.FINANCE, Role.ADMIN, Role.COMPANY_APPROVER})


async def _answers(conn: asyncpg.Connection, invoices: list[Invoice], today: date) -> list[InvoiceOut]:
    """The invoices as answered, each issued invoice with its account: one statement for the page."""
    owing = [i.invoice_id for i in invoices if i.is_issued and not i.is_credit_note]
    accounts = await payments.settlements(conn, owing)
    return [InvoiceOut.of(i, accounts.get(i.invoice_id), today=today) for i in invoices]


def seller_of(settings: InvoicingSettings) -> Party:
    return Party(
        name=settings.seller_name,
        street=settings.seller_street,
        postcode=settings.seller_postcode,
        city=settings.seller_city,
        cvr=settings.seller_cvr,
    )


@router.post(
    "/closes",
    status_code=201,
    response_model=CloseOut,
    summary="Close billing periods: draft an invoice per company and ended period",
    description="Finance and admin. Drafts every company's billing periods that ended on or before `through` "
    "and are not closed yet (nothing for an empty period); late hours go on the first new draft. Idempotent: "
    "a second close drafts nothing twice. `through` after today is 422 `close-through-future`.",
)
async def create_close(body: CloseIn, actor: Finance, pool: DbPool, today: Today, settings: Settings) -> CloseOut:
    closed = await service.close(pool, actor, body.through, today=today, anchor=settings.fortnight_anchor)
    return CloseOut.of(closed)


@router.get("/closes/{close_id}", response_model=CloseOut, summary="A close: progress, drafts and pending entries")
async def get_close(close_id: UUID, actor: Finance, pool: DbPool) -> CloseOut:
    async with transaction(pool) as conn:
        return CloseOut.of(await service.get_close(conn, actor, close_id))


@router.get(
    "/invoices",
    response_model=InvoiceListOut,
    summary="Invoices and credit notes: by status, company, period, payment status, overdue",
    description="Agency staff see all; a company approver only its own company's issued invoices and credit "
    "notes. `document_type` filters invoices or credit notes. A `company_id` the caller may not see, or that "
    "invoicing does not know, is 404 `company-not-found`. `period_from`/`period_to` (YYYY-MM-DD) keep the "
    "billing periods overlapping them (`period_to` before `period_from`: 422 `range-reversed`); "
    "`payment_status` and `overdue=true` keep issued invoices with that account / still owed past their due "
    "date. Filters apply before paging. Each issued invoice carries its `payment` account.",
    responses=problem_responses(404, 422, codes={404: ["company-not-found"], 422: ["range-reversed"]}),
)
async def list_invoices(
    viewer: Reader,
    pool: DbPool,
    today: Today,
    status: Annotated[Literal["draft", "issued"] | None, Query()] = None,
    document_type: Annotated[Literal["invoice", "credit_note"] | None, Query()] = None,
    company_id: Annotated[UUID | None, Query()] = None,
    period_from: Annotated[Day | None, Query(description="Billing periods ending on or after this day")] = None,
    period_to: Annotated[Day | None, Query(description="Billing periods starting on or before this day")] = None,
    payment_status: Annotated[
        Literal["unpaid", "partially_paid", "paid", "overpaid", "credited"] | None,
        Query(description="Issued invoices whose account has this status"),
    ] = None,
    overdue: Annotated[
        bool | None, Query(description="true: issued invoices still owed past their due date (false: no filter)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> InvoiceListOut:
    async with transaction(pool) as conn:
        found = await service.list_invoices(
            conn,
            viewer,
            status=None if status is None else InvoiceStatus(status),
            company_id=company_id,
            limit=limit,
            offset=offset,
            document_type=None if document_type is None else DocumentType(document_type),
            period_from=period_from,
            period_to=period_to,
            payment_status=payment_status,
            overdue_on=today if overdue else None,
        )
        return InvoiceListOut(items=await _answers(conn, found, today))


@router.get(
    "/invoices/{invoice_id}",
    response_model=InvoiceDetailOut,
    summary="One invoice with its lines, account, payments, history, Stripe state and PDF",
    description="Agency staff; a company approver only its own company's issued invoices (else 404). Finance "
    "and admin also get `payments`, `history` and `stripe` (the state and last error); others get them null.",
)
async def get_invoice(
    invoice_id: UUID, viewer: CurrentPrincipal, pool: DbPool, today: Today, request: Request
) -> InvoiceDetailOut:
    async with transaction(pool) as conn:
        invoice = await service.get_invoice(conn, viewer, invoice_id)
        owing = invoice.is_issued and not invoice.is_credit_note
        accounts = await payments.settlements(conn, [invoice_id]) if owing else {}
        details = await payments.finance_details(conn, invoice_id) if viewer.role in FINANCE_VIEW else None
        # Issue 14 (part E): deemed approval per line; the payment reminders for finance and the company.
        reasons = await accruals.status_reasons(conn, [e for line in invoice.lines for e in line.entry_ids])
        reminded = owing and viewer.role in REMINDERS_VIEW
        reminders = (await payment_reminders.of_invoices(conn, [invoice_id])).get(invoice_id) if reminded else None
    return InvoiceDetailOut.detail(
        invoice,
        accounts.get(invoice_id),
        today=today,
        details=details,
        pdf_path=request.url_for("invoice_pdf", invoice_id=str(invoice_id)).path,
        reasons=reasons,
        reminders=reminders,
    )


@router.post(
    "/invoices/{invoice_id}/regenerate",
    response_model=InvoiceOut,
    responses=problem_responses(409, codes={409: ["invoice-issued"]}),
    summary="Redraft a draft from the lines as they are now",
)
async def regenerate_invoice(invoice_id: UUID, actor: Finance, pool: DbPool) -> InvoiceOut:
    async with transaction(pool) as conn:
        return InvoiceOut.of(await service.regenerate(conn, actor, invoice_id))


@router.delete(
    "/invoices/{invoice_id}",
    status_code=204,
    responses=problem_responses(409, codes={409: ["invoice-issued"]}),
    summary="Delete a draft; its hours return to the pool (an issued invoice is never deleted: 409)",
)
async def delete_invoice(invoice_id: UUID, actor: Finance, pool: DbPool) -> Response:
    async with transaction(pool) as conn:
        await service.delete_draft(conn, actor, invoice_id)
    return Response(status_code=204)


@router.post(
    "/invoices/{invoice_id}/issue",
    response_model=InvoiceOut,
    responses=problem_responses(
        409,
        codes={
            409: [
                "invoice-issued",
                "invoice-empty",
                "invoice-negative-total",
                "buyer-incomplete",
                "credit-exceeds-invoice",
            ]
        },
    ),
    summary="Issue a draft invoice or credit note: next number of the gap-free sequence, frozen, event on Kafka",
    description="Finance and admin. A credit note is issued the same way (`invoicing.credit_note_issued`). "
    "Every field momsbekendtgørelsen § 58 requires is on the answer: number, "
    "issue date, seller and buyer (name, address, CVR), lines (hours per citizen and rate), period of supply, "
    "net, VAT rate and amount (on the subtotal, half up), total, payment terms and due date.",
)
async def issue_invoice(
    invoice_id: UUID, actor: Finance, pool: DbPool, today: Today, now: Now, settings: Settings
) -> InvoiceOut:
    async with transaction(pool) as conn:
        issued = await service.issue(conn, actor, invoice_id, today=today, now=now, seller=seller_of(settings))
        [answer] = await _answers(conn, [issued], today)
    return answer
