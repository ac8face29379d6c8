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
    summary="Per company: approved = invoiced − credited + not yet invoiced, every difference by entry",
    description="Finance and admin. Entries with a work date on or before `through` (YYYY-MM-DD). An entry's "
    "approved amount is its minutes at the bill rate in force on its work date now; invoiced, credited (issued "
    "credit notes, positive) and not yet invoiced (pool and drafts) are its line and adjustments.",
)
async def get_reconciliation(
    actor: Finance,
    pool: DbPool,
    through: Annotated[Day, Query(description="Last work date included, YYYY-MM-DD", examples=["2026-11-30"])],
) -> ReconciliationOut:
    async with transaction(pool) as conn:
        return ReconciliationOut.of(through, await service.reconciliation(conn, actor, through))
