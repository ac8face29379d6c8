from __future__ import annotations

from fastapi import APIRouter

from placement.reference import service
from placement.reference.schemas import TargetGroupOut
from vikar_shared.auth.dependencies import CurrentPrincipal
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool, Today
from vikar_shared.types.periods import Day

router = APIRouter(tags=["reference"])


@router.get("/target-groups", response_model=list[TargetGroupOut])
async def list_target_groups(
    viewer: CurrentPrincipal, pool: DbPool, today: Today, on: Day | None = None
) -> list[TargetGroupOut]:
    """The target groups a referral dated ``on`` (default: the agency's today, from the app's clock) may use."""
    async with transaction(pool) as conn:
        return [TargetGroupOut.of(g) for g in await service.target_groups_on(conn, on or today)]
