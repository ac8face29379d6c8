"""``POST /digests``: a consultant's digest now (issue 14)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from notifications.digest import service
from notifications.digest.schemas import DigestRequestIn, DigestRequestOut
from vikar_shared.auth import Principal, Role
from vikar_shared.auth.dependencies import require_roles
from vikar_shared.db import transaction
from vikar_shared.http.deps import DbPool, Now
from vikar_shared.http.openapi import problem_responses

router = APIRouter(tags=["digests"])
Asker = Annotated[Principal, Depends(require_roles(Role.CONSULTANT, Role.ADMIN))]


@router.post("/digests", status_code=202, response_model=DigestRequestOut, responses=problem_responses(403, 404))
async def request_digest(body: DigestRequestIn, actor: Asker, pool: DbPool, now: Now) -> DigestRequestOut:
    """Plans the consultant's digest of this week now (built and mailed by the background task). A consultant asks
    for themselves; an admin names ``consultant``. One per consultant and day (a repeat answers ``planned:
    false``). 403 ``forbidden`` (another consultant's); 404 ``consultant-not-found`` (no active consultant of that
    subject in the staff directory); 422 ``consultant-required`` (an admin naming none)."""
    async with transaction(pool) as conn:
        consultant, week, planned = await service.request_now(conn, actor, body.consultant, now)
    return DigestRequestOut(consultant=consultant, week=week, planned=planned)
