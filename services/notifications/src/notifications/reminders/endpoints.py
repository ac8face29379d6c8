"""The reminder ladder settings API: ``GET``/``PUT /companies/{company_id}/reminder-settings``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from notifications.config import NotificationsSettings
from notifications.reminders import service as ladder_settings
from notifications.reminders.schemas import LadderIn, LadderOut
from vikar_shared.auth.dependencies import CurrentPrincipal, require_roles
from vikar_shared.auth.principal import Principal, Role
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool
from vikar_shared.http.openapi import problem_responses

router = APIRouter(prefix="/companies", tags=["reminders"])

Editor = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.ADMIN))]
CompanyId = Annotated[uuid.UUID, Path(description="The company's id")]


def _settings(request: Request) -> NotificationsSettings:
    settings: NotificationsSettings = request.app.state.settings
    return settings


@router.get(
    "/{company_id}/reminder-settings",
    response_model=LadderOut,
    summary="The company's reminder ladder in force (the defaults when none was set)",
)
async def get_reminder_settings(
    principal: CurrentPrincipal, pool: DbPool, company_id: CompanyId, request: Request
) -> LadderOut:
    """Agency staff: any company; an approver: their own company (404 ``company-not-found`` otherwise)."""
    async with transaction(pool) as conn:
        found = await ladder_settings.ladder_settings(conn, principal, company_id, _settings(request).default_ladder())
    return LadderOut.of(found)


@router.put(
    "/{company_id}/reminder-settings",
    response_model=LadderOut,
    summary="Set the company's reminder ladder (consultants, admins)",
    responses=problem_responses(404),
)
async def put_reminder_settings(
    principal: Editor, pool: DbPool, company_id: CompanyId, body: LadderIn, request: Request
) -> LadderOut:
    """Replaces the ladder whole. 422 ``reminder-settings-invalid`` names each field and rule broken
    (``working-days-out-of-range``, ``ladder-not-rising``); 404 ``company-not-found`` for a company placement has
    not announced."""
    settings = _settings(request)
    ladder = ladder_settings.checked_ladder(
        reminder=body.reminder_working_days,
        follow_up=body.follow_up_working_days,
        escalation=body.escalation_working_days,
        deemed_approval=body.deemed_approval,
        deemed_approval_working_days=body.deemed_approval_working_days,
        default_deemed_days=settings.deemed_approval_working_days,
    )
    async with transaction(pool) as conn:
        saved = await ladder_settings.set_ladder(
            conn,
            principal,
            company_id,
            ladder,
            deemed_approval=body.deemed_approval,
            keep_deemed_days=body.deemed_approval_working_days,
            default=settings.default_ladder(),
        )
    return LadderOut.of(saved)
