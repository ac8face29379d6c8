"""Reads of the companies read model (kept by ``handlers``) for the other domains of this service."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from timesheet.companies import repository


async def company_name(conn: asyncpg.Connection, company_id: UUID) -> str | None:
    """The company's name, or None until placement has announced the company."""
    return await repository.company_name(conn, company_id)
