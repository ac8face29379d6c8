"""Admin-only view of the mail outbox: what was (or will be, or could not be) sent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BeforeValidator

from notifications.emails import service
from notifications.emails.models import EmailStatus
from notifications.emails.schemas import EmailList, EmailOut
from vikar_shared.auth.dependencies import require_roles
from vikar_shared.auth.principal import Principal, Role
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool
from vikar_shared.types.identifiers import whole_number_check, whole_number_schema
from vikar_shared.types.numbers import MAX_LIMIT, PG_BIGINT_MAX, Limit

router = APIRouter(prefix="/emails", tags=["emails"])

Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
_BIGINT_MAX = PG_BIGINT_MAX
EmailId = Annotated[
    int, BeforeValidator(whole_number_check("email-id", _BIGINT_MAX, "An e-mail id")), whole_number_schema(_BIGINT_MAX)
]


@router.get("", response_model=EmailList, summary="List outgoing e-mails, newest first")
async def list_emails(
    _: Admin,
    pool: DbPool,
    status: Annotated[EmailStatus | None, Query(description="Only e-mails in this state")] = None,
    limit: Annotated[Limit, Query(description=f"Most e-mails to list, 1..{MAX_LIMIT}")] = 100,
) -> EmailList:
    async with transaction(pool) as conn:
        emails = await service.list_emails(conn, status, limit)
    return EmailList(items=[EmailOut.of(e) for e in emails])


@router.get("/{email_id}", response_model=EmailOut, summary="One outgoing e-mail")
async def get_email(_: Admin, pool: DbPool, email_id: Annotated[EmailId, Path()]) -> EmailOut:
    async with transaction(pool) as conn:
        email = await service.get_email(conn, email_id)
    return EmailOut.of(email)
