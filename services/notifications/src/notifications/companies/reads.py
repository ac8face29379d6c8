"""The companies read model as other domains of this service see it: named functions over ``repository``
(which only ``service`` otherwise imports), so the companies tables keep one writer."""

from __future__ import annotations

import uuid

import asyncpg

from notifications.companies import repository
from notifications.companies.models import Approver


async def lock_company(conn: asyncpg.Connection, company_id: uuid.UUID) -> None:
    """Serialises, until the transaction ends, everything that plans mail for the company (its approvers
    arriving, its hours arriving), so no submission is mailed twice or missed."""
    await repository.lock_company(conn, company_id)


async def approvers_of(conn: asyncpg.Connection, company_id: uuid.UUID) -> list[Approver]:
    """The company's approvers as last announced (empty until placement has named any)."""
    return await repository.approvers_of(conn, company_id)


async def names(conn: asyncpg.Connection, company_id: uuid.UUID, email: str) -> tuple[str | None, str | None]:
    """(the approver's name, the company's name) for greeting in a mail; either None until announced."""
    return await repository.names(conn, company_id, email)
