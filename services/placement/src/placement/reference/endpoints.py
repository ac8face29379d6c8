from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter

from placement.reference import service
from placement.reference.schemas import TargetGroupOut
from vikar_shared.auth.dependencies import CurrentPrincipal
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool
from vikar_shared.types.periods import Day

router = APIRouter(tags=["reference"])
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


@router.get("/target-groups", response_model=list[TargetGroupOut])
async def list_target_groups(viewer: CurrentPrincipal, pool: DbPool, on: Day | None = None) -> list[TargetGroupOut]:
    """The target groups a referral dated ``on`` (default: today in Copenhagen) may use."""
    async with transaction(pool) as conn:
        return await service.target_groups_on(conn, on or datetime.now(COPENHAGEN).date())
