"""The economics' HTTP surface (finance and admins): ``GET /economics`` and ``GET /economics.csv``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from invoicing.documents.attachment import CSV_MEDIA_TYPE
from invoicing.economics import export, service
from invoicing.economics.schemas import EconomicsOut
from invoicing.http_params import MonthQuery, Settings
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool

router = APIRouter(tags=["economics"])
Finance = Annotated[Principal, Depends(require_roles(Role.FINANCE, Role.ADMIN))]

_DESCRIPTION = (
    "Finance and admin (anyone else 403). Per placement, with its company, municipality and employee number: "
    "the revenue from the company (billable lines + bill adjustments) and from the municipality (co-financing "
    "lines + adjustments), the gross wage (approved minutes at the wage in force on each work date, half up per "
    "entry), holiday allowance and employer on-cost (percentages in force on the month's last day), wage cost, "
    "margin in øre and in basis points of revenue; subtotals per company and municipality, the agency's totals. "
    "Valid time: facts with work dates in the month, as recorded now; a future month answers what is recorded "
    "(usually nothing). A bad or missing `month` is 422 (`month-format`, `month-out-of-range`)."
)


@router.get(
    "/economics",
    response_model=EconomicsOut,
    summary="What each placement earns the agency in a month (JSON)",
    description=_DESCRIPTION,
)
async def get_economics(month: MonthQuery, actor: Finance, pool: DbPool, settings: Settings) -> EconomicsOut:
    async with transaction(pool) as conn:
        return EconomicsOut.of(await service.economics(conn, actor, month, settings=settings))


@router.get(
    "/economics.csv",
    summary="What each placement earns the agency in a month (CSV for Danish spreadsheets)",
    description=_DESCRIPTION + " Columns: see `invoicing.economics.export`; a totals row last.",
    response_class=Response,
    responses={200: {"content": {CSV_MEDIA_TYPE: {}}}},
)
async def get_economics_csv(month: MonthQuery, actor: Finance, pool: DbPool, settings: Settings) -> Response:
    async with transaction(pool) as conn:
        found = await service.economics(conn, actor, month, settings=settings)
    return Response(
        export.economics_csv(found),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{export.filename(found)}"'},
    )
