"""The staff directory's API (issue 14): agency staff read it, admins add and change members."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query, Request, Response

from placement.config import PlacementSettings
from placement.openings.models import FollowUpRule
from placement.staff import service
from placement.staff.schemas import ConsultantDigestOut, StaffIn, StaffOut, StaffPatch
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool, Today
from vikar_shared.http.idempotency import Idempotency, answer_once
from vikar_shared.http.openapi import problem_responses
from vikar_shared.types.numbers import MAX_LIMIT, MAX_OFFSET, Limit, Offset
from vikar_shared.types.periods import IsoWeekText
from vikar_shared.types.text import SingleLine

router = APIRouter(tags=["staff"])
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
Staff = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.FINANCE, Role.ADMIN))]
DigestReader = Annotated[Principal, Depends(require_roles(Role.SERVICE, Role.CONSULTANT, Role.ADMIN))]


async def _add(conn: asyncpg.Connection, actor: Principal, body: StaffIn) -> StaffOut:
    return StaffOut.of(await service.add_member(conn, actor, body.domain()))


@router.post("/staff", status_code=201, response_model=StaffOut, responses=problem_responses(409))
async def add_staff_member(body: StaffIn, actor: Admin, pool: DbPool, idem: Idempotency) -> StaffOut | Response:
    """Adds a member of the staff directory (admin only); emits StaffMemberChanged. 409 ``staff-subject-taken``
    when a member already signs in with ``subject``; 422 naming the field (``email`` not an address, ``role``
    not consultant/finance/admin, ``language`` not da/en, ``not-blank``, ``cpr-not-allowed``)."""
    return await answer_once(pool, idem, 201, lambda conn: _add(conn, actor, body))


@router.get("/staff", response_model=list[StaffOut])
async def list_staff(
    viewer: Staff,
    pool: DbPool,
    role: Annotated[Literal["consultant", "finance", "admin"] | None, Query(description="Only this role")] = None,
    active: Annotated[bool | None, Query(description="Only active (true) or deactivated (false) members")] = None,
    limit: Annotated[Limit, Query(description=f"Rows per page, 1..{MAX_LIMIT}")] = 100,
    offset: Annotated[Offset, Query(description=f"Rows to skip, 0..{MAX_OFFSET}")] = 0,
) -> list[StaffOut]:
    """The staff directory by name (agency staff)."""
    async with transaction(pool) as conn:
        members = await service.list_members(conn, role=role, active=active, limit=limit, offset=offset)
    return [StaffOut.of(m) for m in members]


@router.get("/staff/{staff_id}", response_model=StaffOut)
async def get_staff_member(staff_id: UUID, viewer: Staff, pool: DbPool) -> StaffOut:
    """One member (agency staff). 404 ``staff-not-found``."""
    async with transaction(pool) as conn:
        return StaffOut.of(await service.get_member(conn, staff_id))


@router.patch("/staff/{staff_id}", response_model=StaffOut)
async def change_staff_member(staff_id: UUID, body: StaffPatch, actor: Admin, pool: DbPool) -> StaffOut:
    """Changes name, e-mail, role, language or ``active`` (false deactivates; never deleted); admin only; emits
    StaffMemberChanged when something changed. 404 ``staff-not-found``; 422 ``not-null``, ``not-blank``."""
    changes = body.changes()
    async with transaction(pool) as conn:
        return StaffOut.of(await service.change_member(conn, actor, staff_id, changes))


@router.get("/consultant-digest", response_model=ConsultantDigestOut, responses=problem_responses(403))
async def consultant_digest(
    request: Request,
    viewer: DigestReader,
    pool: DbPool,
    today: Today,
    consultant: Annotated[str, SingleLine(200), Query(description="The consultant's bearer token subject")],
    week: Annotated[
        IsoWeekText | None, Query(description="ISO week of 2000..2100, e.g. 2026-W49; defaults to this week")
    ] = None,
) -> ConsultantDigestOut:
    """Issue 14: the consultant's week for their digest mail: follow-ups owed (and overdue) and their openings not
    followed up within the deadline (``opening_follow_up_working_days`` of the shared calendar). Names only, never
    a CPR number or a note. The service role (notifications) and admins read anyone's, a consultant their own
    (else 403 ``forbidden``); 422 ``iso-week-invalid``/``iso-week-out-of-range`` (week)."""
    settings: PlacementSettings = request.app.state.settings
    rule = FollowUpRule(settings.opening_follow_up_working_days, settings.working_days())
    async with transaction(pool) as conn:
        return ConsultantDigestOut.of(await service.consultant_digest(conn, viewer, consultant, week, today, rule))
