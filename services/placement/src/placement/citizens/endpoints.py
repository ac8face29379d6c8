from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Request, Response

from placement.citizens import service
from placement.citizens.schemas import CitizenFound, CitizenOut, CitizenSearch, ReferralCreate, ReferralOut
from placement.citizens.vault import CprVault
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.db import transaction
from vikar_shared.errors import not_found
from vikar_shared.http.deps import DbPool, Today
from vikar_shared.http.idempotency import Idempotency, answer_once
from vikar_shared.http.openapi import problem_responses

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
