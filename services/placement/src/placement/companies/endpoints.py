from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from placement.companies import service
from placement.companies.schemas import CompanyCreate, CompanyOut
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool

router = APIRouter(tags=["companies"])
Registrar = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.ADMIN))]


@router.post("/companies", status_code=201, response_model=CompanyOut)
async def register_company(body: CompanyCreate, actor: Registrar, pool: DbPool) -> CompanyOut:
    async with transaction(pool) as conn:
        return await service.register_company(conn, actor, body)


@router.get("/companies/{company_id}", response_model=CompanyOut)
async def get_company(company_id: UUID, viewer: CurrentPrincipal, pool: DbPool) -> CompanyOut:
    async with transaction(pool) as conn:
        return await service.get_company(conn, viewer, company_id)
