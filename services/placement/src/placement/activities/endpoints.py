from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query, Response

from placement.activities import service
from placement.activities.schemas import ActivityCreate, ActivityOut, FollowUpsOut, TimelineOut
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool, Today
from vikar_shared.http.idempotency import Idempotency, answer_once
from vikar_shared.types.periods import IsoWeekText

router = APIRouter(tags=["activities"])
Consultant = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.ADMIN))]
CaseReader = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.ADMIN, Role.FINANCE, Role.MUNICIPALITY))]


@router.post("/citizens/{citizen_id}/activities", status_code=201, response_model=ActivityOut)
async def log_activity(
    citizen_id: UUID, body: ActivityCreate, actor: Consultant, pool: DbPool, today: Today, idem: Idempotency
) -> ActivityOut | Response:
    async def effect(conn: asyncpg.Connection) -> ActivityOut:
        return ActivityOut.of(await service.log_activity(conn, actor, citizen_id, body.domain(), today))

    return await answer_once(pool, idem, 201, effect)


@router.get("/citizens/{citizen_id}/timeline", response_model=TimelineOut)
async def timeline(citizen_id: UUID, viewer: CaseReader, pool: DbPool) -> TimelineOut:
    async with transaction(pool) as conn:
        return TimelineOut.of(await service.timeline(conn, viewer, citizen_id), viewer)


@router.get("/consultants/me/follow-ups", response_model=FollowUpsOut)
async def follow_ups(
    consultant: Consultant,
    pool: DbPool,
    today: Today,
    week: Annotated[
        IsoWeekText | None, Query(description="ISO week of 2000..2100, e.g. 2026-W48; defaults to this week")
    ] = None,
) -> FollowUpsOut:
    async with transaction(pool) as conn:
        return FollowUpsOut.of(await service.follow_ups_owed(conn, consultant, week, today))
