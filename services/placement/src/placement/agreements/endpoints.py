from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from placement.agreements import service
from placement.agreements.models import STATEMENT_FIELDS
from placement.agreements.schemas import (
    MunicipalityCreate,
    MunicipalityOut,
    MunicipalityUserIn,
    TermsCreate,
    TermsOut,
)
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool, Now, Today
from vikar_shared.http.idempotency import Idempotency, idempotent
from vikar_shared.http.openapi import problem_responses
from vikar_shared.types.periods import Day
from vikar_shared.types.text import EMAIL_MAX, SingleLine

router = APIRouter(tags=["municipalities"])
AgreementManager = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.FINANCE))]
# Who may change a municipality's users: the roles that change a company's approvers (companies.endpoints).
UserManager = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.ADMIN))]
MunicipalityViewer = Annotated[
    Principal, Depends(require_roles(Role.CONSULTANT, Role.FINANCE, Role.ADMIN, Role.MUNICIPALITY))
]


@router.post("/municipalities", status_code=201, response_model=MunicipalityOut, responses=problem_responses(409))
async def register_municipality(
    body: MunicipalityCreate, actor: AgreementManager, pool: DbPool, idem: Idempotency
) -> MunicipalityOut | Response:
    async with idempotent(pool, idem) as run:
        if run.replay is not None:
            return run.replay
        municipality_id = await service.register_municipality(run.conn, actor, body.name, body.domain_users())
        out = MunicipalityOut.of(await service.get_municipality(run.conn, actor, municipality_id))
        await run.complete(201, out)
    return out


@router.get("/municipalities", response_model=list[MunicipalityOut])
async def list_municipalities(viewer: MunicipalityViewer, pool: DbPool) -> list[MunicipalityOut]:
    async with transaction(pool) as conn:
        return [MunicipalityOut.of(m) for m in await service.list_municipalities(conn, viewer)]


@router.post(
    "/municipalities/{municipality_id}/terms",
    status_code=201,
    response_model=TermsOut,
    responses=problem_responses(409),
)
async def set_terms(
    municipality_id: UUID, body: TermsCreate, actor: AgreementManager, pool: DbPool, idem: Idempotency
) -> TermsOut | Response:
    async with idempotent(pool, idem) as run:
        if run.replay is not None:
            return run.replay
        terms = await service.set_terms(
            run.conn,
            actor,
            municipality_id,
            **body.model_dump(exclude={*STATEMENT_FIELDS, "statement_contacts"}),
            statement=body.statement(),
            statement_contacts=body.contacts(),
        )
        out = TermsOut.of(terms)
        await run.complete(201, out)
    return out


@router.get("/municipalities/{municipality_id}/terms", response_model=TermsOut)
async def terms_in_force(
    municipality_id: UUID, viewer: MunicipalityViewer, pool: DbPool, today: Today, on: Day | None = None
) -> TermsOut:
    """Which terms were (or are) in force on ``on`` (default: the agency's today, from the app's clock)."""
    async with transaction(pool) as conn:
        return TermsOut.of(await service.terms_on(conn, viewer, municipality_id, on or today))


@router.get("/municipalities/{municipality_id}", response_model=MunicipalityOut)
async def get_municipality(municipality_id: UUID, viewer: CurrentPrincipal, pool: DbPool) -> MunicipalityOut:
    async with transaction(pool) as conn:
        return MunicipalityOut.of(await service.get_municipality(conn, viewer, municipality_id))


@router.put(
    "/municipalities/{municipality_id}/users",
    status_code=201,
    response_model=MunicipalityOut,
    responses={**problem_responses(409), 200: {"description": "Already a user (renamed if the name differs)"}},
)
async def put_user(
    municipality_id: UUID, body: MunicipalityUserIn, actor: UserManager, pool: DbPool, response: Response
) -> MunicipalityOut:
    """Adds a user (201) or renames one (200; the same name again: 200, nothing written). Errors: 404
    ``municipality-not-found``; 409 ``municipality-users-limit``; 422 ``not-blank``, ``cpr-not-allowed``."""
    async with transaction(pool) as conn:
        municipality, is_new = await service.put_user(conn, actor, municipality_id, body.domain())
    response.status_code = 201 if is_new else 200
    return MunicipalityOut.of(municipality)


@router.delete(
    "/municipalities/{municipality_id}/users/{email}", response_model=MunicipalityOut, responses=problem_responses()
)
async def remove_user(
    municipality_id: UUID, email: Annotated[str, SingleLine(EMAIL_MAX)], actor: UserManager, pool: DbPool, now: Now
) -> MunicipalityOut:
    """Removes a user and ends their page sessions for this municipality (reason ``access-removed``). Errors:
    404 ``municipality-not-found``, ``municipality-user-not-found``."""
    async with transaction(pool) as conn:
        return MunicipalityOut.of(await service.remove_user(conn, actor, municipality_id, email, now=now))
