"""HTTP endpoints of the approval queue; each owns its transaction and delegates to the service."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query, Response

from timesheet.approvals import service
from timesheet.approvals.models import seen_versions, selector_of
from timesheet.approvals.schemas import (
    BulkApprovalOut,
    BulkApprovalRequest,
    OverdueEntriesOut,
    PendingQueueOut,
    PendingWeekOut,
)
from timesheet.entries.schemas import EntryOut
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.auth.principal import Principal, Role
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool
from vikar_shared.http.idempotency import Idempotency, answer_once
from vikar_shared.http.openapi import problem_responses

router = APIRouter(tags=["approvals"])

Approver = Annotated[Principal, Depends(require_roles(Role.COMPANY_APPROVER))]
Staff = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.FINANCE, Role.ADMIN))]
# Ten years: enough for any reminder, and far from overflowing an interval.
MAX_DAYS = 3650
BULK_CONFLICT = (
    "`entries-changed`: an entry changed or arrived after the list was read; nothing was approved and "
    "the problem's `entries` lists each as it is now. Or `idempotency-key-in-flight`"
)


@router.post(
    "/companies/{company_id}/approvals",
    response_model=BulkApprovalOut,
    summary="Approve a company's pending entries in bulk: by ids, ISO week, citizen or all (company approver)",
    responses=problem_responses(401, 403, 404, 409, 422, descriptions={409: BULK_CONFLICT}),
)
async def approve_in_bulk(
    company_id: UUID, body: BulkApprovalRequest, principal: Approver, pool: DbPool, idem: Idempotency
) -> BulkApprovalOut | Response:
    selector = selector_of(
        entry_ids=body.entry_ids, week=body.week, citizen_id=body.citizen_id, all_pending=body.all_pending
    )
    seen = seen_versions([(s.entry_id, s.version) for s in body.seen])

    async def effect(conn: asyncpg.Connection) -> BulkApprovalOut:
        return BulkApprovalOut.of(await service.approve_in_bulk(conn, principal, company_id, selector, seen))

    return await answer_once(pool, idem, 200, effect)


@router.get(
    "/companies/{company_id}/pending",
    response_model=PendingQueueOut,
    summary="A company's entries waiting for approval, by ISO week and citizen, with minute totals",
    responses=problem_responses(401, 404),
)
async def pending_queue(company_id: UUID, principal: CurrentPrincipal, pool: DbPool) -> PendingQueueOut:
    async with transaction(pool) as conn:
        name, weeks = await service.pending_for_company(conn, principal, company_id)
    return PendingQueueOut(
        company_id=company_id,
        company_name=name,
        total_minutes=sum(w.total_minutes for w in weeks),
        weeks=[PendingWeekOut.of(w) for w in weeks],
    )


@router.get(
    "/pending-entries",
    response_model=OverdueEntriesOut,
    summary="Entries of every company still pending more than N days after submission (agency staff)",
    responses=problem_responses(401, 403, 422),
)
async def pending_entries(
    principal: Staff, pool: DbPool, older_than_days: Annotated[int, Query(ge=0, le=MAX_DAYS)]
) -> OverdueEntriesOut:
    async with transaction(pool) as conn:
        found = await service.pending_longer_than(conn, older_than_days)
    return OverdueEntriesOut(older_than_days=older_than_days, entries=[EntryOut.of(e) for e in found])
