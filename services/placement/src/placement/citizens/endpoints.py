from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Path, Query, Request, Response

from placement.citizens import cpr_export, service
from placement.citizens.schemas import (
    CitizenFound,
    CitizenOut,
    CitizenSearch,
    EmployeeOut,
    ReferralCreate,
    ReferralOut,
)
from placement.citizens.vault import CprVault
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.db import transaction
from vikar_shared.errors import not_found
from vikar_shared.http.deps import DbPool, Today
from vikar_shared.http.idempotency import Idempotency, answer_once
from vikar_shared.http.openapi import problem_responses
from vikar_shared.types.identifiers import EmployeeNumber
from vikar_shared.types.periods import Day

router = APIRouter(tags=["citizens and referrals"])
Consultant = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.ADMIN))]
AgencyStaff = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.FINANCE, Role.ADMIN))]
CitizenViewer = Annotated[
    Principal, Depends(require_roles(Role.CONSULTANT, Role.FINANCE, Role.ADMIN, Role.MUNICIPALITY))
]


def _vault(request: Request) -> CprVault:
    vault: CprVault = request.app.state.cpr_vault
    return vault


Vault = Annotated[CprVault, Depends(_vault)]


async def _refer(
    conn: asyncpg.Connection, actor: Principal, vault: CprVault, body: ReferralCreate, today: date
) -> ReferralOut:
    return ReferralOut.of(await service.refer_citizen(conn, actor, vault, body.domain(), today))


@router.post("/referrals", status_code=201, response_model=ReferralOut)
async def refer_citizen(
    body: ReferralCreate, actor: Consultant, pool: DbPool, vault: Vault, today: Today, idem: Idempotency
) -> ReferralOut | Response:
    return await answer_once(pool, idem, 201, lambda conn: _refer(conn, actor, vault, body, today))


@router.get("/referrals/{referral_id}", response_model=ReferralOut)
async def get_referral(referral_id: UUID, viewer: CurrentPrincipal, pool: DbPool) -> ReferralOut:
    async with transaction(pool) as conn:
        return ReferralOut.of(await service.get_referral(conn, viewer, referral_id))


@router.post("/citizens/search", response_model=CitizenFound, responses=problem_responses(404))
async def search_citizen(body: CitizenSearch, actor: AgencyStaff, pool: DbPool, vault: Vault) -> CitizenFound:
    """Finds the citizen with this CPR number (in the body, never the URL). 404 when there is none."""
    async with transaction(pool) as conn:
        citizen_id = await service.search_citizen(conn, actor, vault, body.cpr)
    # Raised after the commit, so the audit row of a miss is kept.
    if citizen_id is None:
        raise not_found("citizen")
    return CitizenFound(citizen_id=citizen_id)


@router.get("/citizens/{citizen_id}", response_model=CitizenOut)
async def get_citizen(citizen_id: UUID, viewer: CitizenViewer, pool: DbPool) -> CitizenOut:
    async with transaction(pool) as conn:
        return CitizenOut.of(await service.get_citizen(conn, viewer, citizen_id))


@router.get("/citizens/{citizen_id}/referrals", response_model=list[ReferralOut])
async def citizen_referrals(citizen_id: UUID, viewer: CitizenViewer, pool: DbPool) -> list[ReferralOut]:
    async with transaction(pool) as conn:
        return [ReferralOut.of(r) for r in await service.visible_referrals(conn, viewer, citizen_id)]


# --- Issue 13 (part A): employees and the CPR export ---------------------------------------------------------------
# Finance alone: the CPR export is the one door a CPR number leaves placement by (not admin, not consultants).
FinanceOnly = Annotated[Principal, Depends(require_roles(Role.FINANCE))]


# Declared before /employees/{employee_number}, so the path is never read as an employee number.
@router.get(
    "/employees/cpr-export.csv",
    response_class=Response,
    responses={
        200: {
            "description": "One row per employee by employee number: UTF-8 with BOM, `;`-separated, CRLF; "
            "Medarbejdernummer; Navn; CPR-nummer (DDMMYY-SSSS); Ansat fra (dd-mm-yyyy) "
            "(placement.citizens.cpr_export)",
            "content": {cpr_export.CSV_MEDIA_TYPE: {}},
        },
        **problem_responses(422, codes={422: ["range-reversed", "range-too-long"]}),
    },
    summary="The newly employed citizens with their CPR numbers, for payroll (finance only, audited)",
    description="Finance only (every other role, admin too: 403). Every citizen employed (first placement's start "
    "date) from `employed_from` to `employed_to` (YYYY-MM-DD, both included, at most 366 days), by employee "
    "number. The only way a CPR number leaves placement: every download is audited (`employees.cpr_exported`: "
    "the range, the employee numbers, the row count; never a CPR number) before the file is built. "
    "`employed_to` before `employed_from` is 422 `range-reversed`; more than 366 days 422 `range-too-long`.",
)
async def cpr_export_csv(
    actor: FinanceOnly,
    pool: DbPool,
    vault: Vault,
    first: Annotated[Day, Query(alias="employed_from", description="First employment date included, YYYY-MM-DD")],
    last: Annotated[Day, Query(alias="employed_to", description="Last employment date included, YYYY-MM-DD")],
) -> Response:
    async with transaction(pool) as conn:
        content = await service.cpr_export(conn, actor, vault, first, last)
    return Response(
        content,
        media_type=cpr_export.CSV_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{cpr_export.filename(first, last)}"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/employees/{employee_number}",
    response_model=EmployeeOut,
    responses=problem_responses(404, codes={404: ["employee-not-found"]}),
    summary="An employee by employee number (agency staff)",
)
async def get_employee(
    employee_number: Annotated[EmployeeNumber, Path(description="The employee number, 1..99 999 999")],
    viewer: AgencyStaff,
    pool: DbPool,
) -> EmployeeOut:
    async with transaction(pool) as conn:
        return EmployeeOut.of(await service.employee(conn, viewer, employee_number))
