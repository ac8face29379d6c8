from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request

from placement.citizens import service
from placement.citizens.schemas import ReferralCreate, ReferralOut
from placement.citizens.vault import CprVault
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool

router = APIRouter(tags=["referrals"])
Consultant = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.ADMIN))]
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def _vault(request: Request) -> CprVault:
    vault: CprVault = request.app.state.cpr_vault
    return vault


@router.post("/referrals", status_code=201, response_model=ReferralOut)
async def refer_citizen(
    body: ReferralCreate, actor: Consultant, pool: DbPool, vault: Annotated[CprVault, Depends(_vault)]
) -> ReferralOut:
    async with transaction(pool) as conn:
        return await service.refer_citizen(conn, actor, vault, body, datetime.now(COPENHAGEN).date())


@router.get("/referrals/{referral_id}", response_model=ReferralOut)
async def get_referral(referral_id: UUID, viewer: CurrentPrincipal, pool: DbPool) -> ReferralOut:
    async with transaction(pool) as conn:
        return await service.get_referral(conn, viewer, referral_id)
