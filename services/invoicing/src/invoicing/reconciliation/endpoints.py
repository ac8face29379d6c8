"""``GET /reconciliation`` (finance, admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from invoicing.reconciliation import service
from invoicing.reconciliation.schemas import ReconciliationOut
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool
from vikar_shared.types.periods import Day

router = APIRouter(tags=["ledger"])
Finance = Annotated[Principal, Depends(require_roles(Role.FINANCE, Role.ADMIN))]


@router.get(
    "/reconciliation",
    response_model=ReconciliationOut,
    summary="Per company: approved = invoiced − credited + not yet invoiced, every difference by entry; per "
    "municipality: co-financed = stated − corrected + not yet stated",
    description="Finance and admin. Entries with a work date on or before `through` (YYYY-MM-DD). An entry's "
    "approved amount is its minutes at the bill rate in force on its work date now; invoiced, credited (issued "
    "credit notes, positive) and not yet invoiced (pool and drafts) are its line and adjustments. `municipalities` "
    "(issue 11): the co-financing lines and adjustments worked through the date against the lines of issued "
    "statements (stated), of issued correction statements (corrected, positive) and those on no issued statement "
    "(not yet stated: pool and drafts), in øre and minutes, with every statement line and statement that is not "
    "the sum of the co-financing lines and adjustments on it.",
)
async def get_reconciliation(
    actor: Finance,
    pool: DbPool,
    through: Annotated[Day, Query(description="Last work date included, YYYY-MM-DD", examples=["2026-11-30"])],
) -> ReconciliationOut:
    async with transaction(pool) as conn:
        # One snapshot for every select: an invoice or statement issued meanwhile is seen by all of them or none.
        await conn.execute("set transaction isolation level repeatable read, read only")
        companies = await service.reconciliation(conn, actor, through)
        municipalities = await service.municipality_reconciliation(conn, actor, through)
        return ReconciliationOut.of(through, companies, municipalities)
