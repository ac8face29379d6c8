from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query, Request, Response

from placement.config import PlacementSettings
from placement.openings import service
from placement.openings.models import FollowUpRule, OpeningStatus
from placement.openings.schemas import FollowUpCreate, FollowUpOut, HandOver, OpeningCreate, OpeningOut
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool, Today
from vikar_shared.http.idempotency import Idempotency, answer_once
from vikar_shared.http.openapi import problem_responses

router = APIRouter(tags=["openings"])
Staff = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.ADMIN))]
Reporter = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.ADMIN, Role.COMPANY_APPROVER))]


def _working_days(request: Request) -> FollowUpRule:
    settings: PlacementSettings = request.app.state.settings
    return FollowUpRule(settings.opening_follow_up_working_days, settings.working_days())


WorkingDays = Annotated[FollowUpRule, Depends(_working_days)]


@router.post("/openings", status_code=201, response_model=OpeningOut)
async def report_opening(
    body: OpeningCreate, actor: Reporter, pool: DbPool, today: Today, working_days: WorkingDays, idem: Idempotency
) -> OpeningOut | Response:
    async def effect(conn: asyncpg.Connection) -> OpeningOut:
        return OpeningOut.of(await service.report_opening(conn, actor, body.domain(), today), today, working_days)

    return await answer_once(pool, idem, 201, effect)


@router.get("/openings", response_model=list[OpeningOut])
async def list_openings(
    viewer: CurrentPrincipal,
    pool: DbPool,
    today: Today,
    working_days: WorkingDays,
    overdue: Annotated[bool | None, Query(description="true: open openings past their follow-up day")] = None,
    status: OpeningStatus | None = None,
    company_id: UUID | None = None,
) -> list[OpeningOut]:
    async with transaction(pool) as conn:
        found = await service.list_openings(
            conn, viewer, today, working_days, overdue=overdue, status=status, company_id=company_id
        )
    return [OpeningOut.of(o, today, working_days) for o in found]


@router.get("/openings/{opening_id}", response_model=OpeningOut)
async def get_opening(
    opening_id: UUID, viewer: CurrentPrincipal, pool: DbPool, today: Today, working_days: WorkingDays
) -> OpeningOut:
    async with transaction(pool) as conn:
        opening = await service.get_opening(conn, viewer, opening_id)
    return OpeningOut.of(opening, today, working_days)


@router.post("/openings/{opening_id}/follow-ups", status_code=201, response_model=OpeningOut)
async def record_follow_up(
    opening_id: UUID,
    body: FollowUpCreate,
    actor: Staff,
    pool: DbPool,
    today: Today,
    working_days: WorkingDays,
    idem: Idempotency,
) -> OpeningOut | Response:
    async def effect(conn: asyncpg.Connection) -> OpeningOut:
        opening = await service.record_follow_up(conn, actor, opening_id, body.note, today)
        return OpeningOut.of(opening, today, working_days)

    return await answer_once(pool, idem, 201, effect)


@router.get("/openings/{opening_id}/follow-ups", response_model=list[FollowUpOut])
async def list_follow_ups(opening_id: UUID, viewer: Staff, pool: DbPool) -> list[FollowUpOut]:
    async with transaction(pool) as conn:
        return [FollowUpOut.of(f) for f in await service.list_follow_ups(conn, viewer, opening_id)]


@router.post("/openings/{opening_id}/hand-over", response_model=OpeningOut, responses=problem_responses(409))
async def hand_over(
    opening_id: UUID,
    body: HandOver,
    actor: Staff,
    pool: DbPool,
    today: Today,
    working_days: WorkingDays,
    idem: Idempotency,
) -> OpeningOut | Response:
    async def effect(conn: asyncpg.Connection) -> OpeningOut:
        opening = await service.hand_over(
            conn, actor, opening_id, reason=body.reason, municipality_id=body.municipality_id, today=today
        )
        return OpeningOut.of(opening, today, working_days)

    return await answer_once(pool, idem, 200, effect)


@router.post("/openings/{opening_id}/fill", response_model=OpeningOut, responses=problem_responses(409))
async def fill(
    opening_id: UUID, actor: Staff, pool: DbPool, today: Today, working_days: WorkingDays, idem: Idempotency
) -> OpeningOut | Response:
    async def effect(conn: asyncpg.Connection) -> OpeningOut:
        return OpeningOut.of(await service.close(conn, actor, opening_id, "filled", today), today, working_days)

    return await answer_once(pool, idem, 200, effect)


@router.post("/openings/{opening_id}/withdraw", response_model=OpeningOut, responses=problem_responses(409))
async def withdraw(
    opening_id: UUID, actor: Reporter, pool: DbPool, today: Today, working_days: WorkingDays, idem: Idempotency
) -> OpeningOut | Response:
    async def effect(conn: asyncpg.Connection) -> OpeningOut:
        return OpeningOut.of(await service.close(conn, actor, opening_id, "withdrawn", today), today, working_days)

    return await answer_once(pool, idem, 200, effect)
