"""The progress figures' HTTP surface: ``GET /municipalities/{municipality_id}/kpis``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from invoicing.municipality_kpis import service
from invoicing.municipality_kpis.schemas import MunicipalityKpisOut
from vikar_shared.auth.dependencies import CurrentPrincipal
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool, Today
from vikar_shared.http.openapi import problem_responses
from vikar_shared.types.periods import Day

router = APIRouter(tags=["municipality-kpis"])


@router.get(
    "/municipalities/{municipality_id}/kpis",
    response_model=MunicipalityKpisOut,
    responses=problem_responses(
        404,
        422,
        codes={404: ["municipality-not-found"], 422: ["as-of-future", "date-format", "date-out-of-range"]},
    ),
    summary="A municipality's progress against its agreement as of a date",
    description="Agency staff, or a user of that municipality; anyone else (other municipalities, company "
    "approvers), or a municipality invoicing does not know, gets 404 `municipality-not-found`. Valid time: the "
    "figures count the facts dated on or before `as_of` (work dates, start and end dates, first days) as recorded "
    "now. `as_of` defaults to today (Europe/Copenhagen); after today is 422 `as-of-future`. Minutes are integer.",
)
async def municipality_kpis(
    municipality_id: UUID,
    viewer: CurrentPrincipal,
    pool: DbPool,
    today: Today,
    as_of: Annotated[Day | None, Query(description="YYYY-MM-DD; default today")] = None,
) -> MunicipalityKpisOut:
    async with transaction(pool) as conn:
        kpis = await service.kpis_as_of(conn, viewer, municipality_id, as_of or today, today=today)
    return MunicipalityKpisOut.of(kpis)
