from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from invoicing.http_params import MonthQuery
from invoicing.invoices import service
from invoicing.invoices.schemas import InvoicePreviewOut
from vikar_shared.auth.dependencies import CurrentPrincipal
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool

router = APIRouter(tags=["invoices"])


@router.get(
    "/companies/{company_id}/invoice-preview",
    response_model=InvoicePreviewOut,
    summary="Draft invoice of a company's approved hours worked in one month",
    description="Agency staff, or the company's own approver; anyone else gets 404.",
)
async def invoice_preview(
    company_id: UUID, month: MonthQuery, viewer: CurrentPrincipal, pool: DbPool
) -> InvoicePreviewOut:
    async with transaction(pool) as conn:
        draft = await service.preview_invoice(conn, viewer, company_id, month)
    return InvoicePreviewOut.of(draft)
