"""Payment reminders over HTTP: one invoice's reminders (finance, admin; a company approver its own company's
issued invoices) and finance's list. Problem codes: 403 ``forbidden``; 404 ``invoice-not-found``; 422 the query's
rules."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from invoicing.payment_reminders import service
from invoicing.payment_reminders.schemas import RemindedInvoiceListOut, RemindedInvoiceOut
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool, Today
from vikar_shared.http.openapi import problem_responses

router = APIRouter(tags=["payment reminders"])
Finance = Annotated[Principal, Depends(require_roles(Role.FINANCE, Role.ADMIN))]


@router.get(
    "/invoices/{invoice_id}/payment-reminders",
    response_model=RemindedInvoiceOut,
    summary="An issued invoice's payment reminders (rykkere), their fees and what is owed",
    description="Finance and admin; a company approver for its own company's issued invoices (else 404). The "
    "fees are owed by the company beside the invoice (`reminder_fees_ore`); the invoice's own total and account "
    "never change. A draft or a credit note is 404 `invoice-not-found`.",
    responses=problem_responses(403, 404, codes={403: ["forbidden"], 404: ["invoice-not-found"]}),
)
async def invoice_reminders(invoice_id: UUID, viewer: CurrentPrincipal, pool: DbPool) -> RemindedInvoiceOut:
    async with transaction(pool) as conn:
        return RemindedInvoiceOut.of(await service.of_invoice(conn, viewer, invoice_id))


@router.get(
    "/payment-reminders",
    response_model=RemindedInvoiceListOut,
    summary="Invoices with payment reminders: overdue, reminded or at their final reminder",
    description="Finance and admin. `status=overdue` (default): issued invoices still owed past their due date, "
    "with the reminders issued so far; `reminded`: every invoice with a reminder (settled since or not); `final`: "
    "still owed after the final reminder (next: collection). By due date, then number.",
)
async def list_reminders(
    actor: Finance,
    pool: DbPool,
    today: Today,
    status: Annotated[Literal["overdue", "reminded", "final"], Query()] = "overdue",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> RemindedInvoiceListOut:
    async with transaction(pool) as conn:
        found = await service.listing(conn, actor, status=status, today=today, limit=limit, offset=offset)
    return RemindedInvoiceListOut(items=[RemindedInvoiceOut.of(i) for i in found])
