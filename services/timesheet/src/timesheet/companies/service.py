"""Reads of the companies read model (kept by ``handlers``) for the other domains of this service."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from timesheet.companies import repository
from timesheet.companies.models import Approver


async def company_name(conn: asyncpg.Connection, company_id: UUID) -> str | None:
    """The company's name, or None until placement has announced the company."""
    return await repository.company_name(conn, company_id)


async def approvers_of(conn: asyncpg.Connection, company_id: UUID) -> list[Approver]:
    """The approvers placement lists for the company (ASCII e-mail form, by address); empty if none or unknown."""
    return await repository.approvers_of(conn, company_id)
