from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Response

from placement.placements import service
from placement.placements.schemas import PlacementCreate, PlacementEnd, PlacementOut, RatesSet
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool, Today
from vikar_shared.http.idempotency import Idempotency, answer_once
from vikar_shared.http.openapi import problem_responses

router = APIRouter(tags=["placements"])
Consultant = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.ADMIN))]


@router.post("/placements", status_code=201, response_model=PlacementOut, responses=problem_responses(409))
async def create_placement(
    body: PlacementCreate, actor: Consultant, pool: DbPool, today: Today, idem: Idempotency
) -> PlacementOut | Response:
    async def effect(conn: asyncpg.Connection) -> PlacementOut:
        return PlacementOut.of(await service.create_placement(conn, actor, body.domain(), today), actor)

    return await answer_once(pool, idem, 201, effect)


@router.get("/placements/{placement_id}", response_model=PlacementOut)
async def get_placement(placement_id: UUID, viewer: CurrentPrincipal, pool: DbPool) -> PlacementOut:
    async with transaction(pool) as conn:
        return PlacementOut.of(await service.get_placement(conn, viewer, placement_id), viewer)


@router.post("/placements/{placement_id}/activate", response_model=PlacementOut, responses=problem_responses(409))
async def activate(
    placement_id: UUID, actor: Consultant, pool: DbPool, today: Today, idem: Idempotency
) -> PlacementOut | Response:
    async def effect(conn: asyncpg.Connection) -> PlacementOut:
        return PlacementOut.of(await service.activate(conn, actor, placement_id, today), actor)

    return await answer_once(pool, idem, 200, effect)


@router.post("/placements/{placement_id}/end", response_model=PlacementOut)
async def end(
    placement_id: UUID, body: PlacementEnd, actor: Consultant, pool: DbPool, idem: Idempotency
) -> PlacementOut | Response:
    async def effect(conn: asyncpg.Connection) -> PlacementOut:
        ended = await service.end(conn, actor, placement_id, end_date=body.end_date, reason=body.reason)
        return PlacementOut.of(ended, actor)

    return await answer_once(pool, idem, 200, effect)


@router.post("/placements/{placement_id}/rates", response_model=PlacementOut)
async def set_rates(
    placement_id: UUID, body: RatesSet, actor: Consultant, pool: DbPool, idem: Idempotency
) -> PlacementOut | Response:
    async def effect(conn: asyncpg.Connection) -> PlacementOut:
        return PlacementOut.of(await service.set_rates(conn, actor, placement_id, body.domain()), actor)

    return await answer_once(pool, idem, 200, effect)
