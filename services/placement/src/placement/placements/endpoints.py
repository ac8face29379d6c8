from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from placement.placements import service
from placement.placements.schemas import PlacementCreate, PlacementOut
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool

router = APIRouter(tags=["placements"])
Consultant = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.ADMIN))]


@router.post("/placements", status_code=201, response_model=PlacementOut)
async def create_placement(body: PlacementCreate, actor: Consultant, pool: DbPool) -> PlacementOut:
    async with transaction(pool) as conn:
        return await service.create_placement(conn, actor, body)


@router.get("/placements/{placement_id}", response_model=PlacementOut)
async def get_placement(placement_id: UUID, viewer: CurrentPrincipal, pool: DbPool) -> PlacementOut:
    async with transaction(pool) as conn:
        return await service.get_placement(conn, viewer, placement_id)
