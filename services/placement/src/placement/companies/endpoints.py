from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query, Response

from placement.companies import service
from placement.companies.schemas import ApproverIn, CompanyCreate, CompanyOut, CompanyPatch
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool, Now
from vikar_shared.http.idempotency import Idempotency, answer_once, idempotent
from vikar_shared.http.openapi import problem_responses
from vikar_shared.types.numbers import MAX_LIMIT, MAX_OFFSET, Limit, Offset
from vikar_shared.types.text import EMAIL_MAX, SingleLine

router = APIRouter(tags=["companies"])
Registrar = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.ADMIN))]
CompanyViewer = Annotated[
    Principal, Depends(require_roles(Role.CONSULTANT, Role.FINANCE, Role.ADMIN, Role.COMPANY_APPROVER))
]


async def _register(conn: asyncpg.Connection, actor: Principal, body: CompanyCreate) -> CompanyOut:
    return CompanyOut.of(await service.register_company(conn, actor, body.domain()))


@router.post("/companies", status_code=201, response_model=CompanyOut, responses=problem_responses(409))
async def register_company(
    body: CompanyCreate, actor: Registrar, pool: DbPool, idem: Idempotency
) -> CompanyOut | Response:
    return await answer_once(pool, idem, 201, lambda conn: _register(conn, actor, body))


@router.get("/companies", response_model=list[CompanyOut])
async def list_companies(
    viewer: CompanyViewer,
    pool: DbPool,
    limit: Annotated[Limit, Query(description=f"Rows per page, 1..{MAX_LIMIT}")] = 100,
    offset: Annotated[Offset, Query(description=f"Rows to skip, 0..{MAX_OFFSET}")] = 0,
) -> list[CompanyOut]:
    async with transaction(pool) as conn:
        return [CompanyOut.of(c) for c in await service.list_companies(conn, viewer, limit, offset)]


@router.get("/companies/{company_id}", response_model=CompanyOut)
async def get_company(company_id: UUID, viewer: CurrentPrincipal, pool: DbPool) -> CompanyOut:
    async with transaction(pool) as conn:
        return CompanyOut.of(await service.get_company(conn, viewer, company_id))


@router.patch("/companies/{company_id}", response_model=CompanyOut)
async def update_company(company_id: UUID, body: CompanyPatch, actor: Registrar, pool: DbPool) -> CompanyOut:
    """Changes name, address, billing contact, billing period, payment terms or EAN; emits CompanyUpdated."""
    async with transaction(pool) as conn:
        return CompanyOut.of(await service.update_company(conn, actor, company_id, body.changes()))


@router.post(
    "/companies/{company_id}/approvers",
    status_code=201,
    response_model=CompanyOut,
    responses={**problem_responses(409), 200: {"description": "Already an approver (renamed if the name differs)"}},
)
async def add_approver(
    company_id: UUID, body: ApproverIn, actor: Registrar, pool: DbPool, response: Response, idem: Idempotency
) -> CompanyOut | Response:
    async with idempotent(pool, idem) as run:
        if run.replay is not None:
            return run.replay
        added, is_new = await service.add_approver(run.conn, actor, company_id, body.domain())
        company = CompanyOut.of(added)
        response.status_code = 201 if is_new else 200
        await run.complete(response.status_code, company)
    return company


@router.delete("/companies/{company_id}/approvers/{email}", response_model=CompanyOut, responses=problem_responses(409))
async def remove_approver(
    company_id: UUID, email: Annotated[str, SingleLine(EMAIL_MAX)], actor: Registrar, pool: DbPool, now: Now
) -> CompanyOut:
    async with transaction(pool) as conn:
        return CompanyOut.of(await service.remove_approver(conn, actor, company_id, email, now=now))
