from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from invoicing.co_financing import service
from invoicing.co_financing.schemas import CoFinancingPreviewOut
from invoicing.http_params import MonthQuery
from vikar_shared.auth.dependencies import CurrentPrincipal
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool

router = APIRouter(tags=["co-financing"])


@router.get(
    "/municipalities/{municipality_id}/co-financing-preview",
    response_model=CoFinancingPreviewOut,
    summary="Draft co-financing statement of a municipality for one month",
    description="Agency staff, or a user of that municipality; anyone else gets 404.",
)
async def co_financing_preview(
    municipality_id: UUID, month: MonthQuery, viewer: CurrentPrincipal, pool: DbPool
) -> CoFinancingPreviewOut:
    async with transaction(pool) as conn:
        draft = await service.preview_statement(conn, viewer, municipality_id, month)
    return CoFinancingPreviewOut.of(draft)
