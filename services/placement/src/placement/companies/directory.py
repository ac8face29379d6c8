"""The companies domain's named read functions for other domains: who approves for which company.

Identity (``placement.identity``) decides who may log in and whether a session still has access
through these, never through ``companies.repository`` (issue 7 item 4: one owner per table)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from placement.companies import repository
from vikar_shared.types.text import email_key


async def approver_names(conn: asyncpg.Connection, email: str) -> dict[UUID, str]:
    """The companies that list ``email`` as an approver (``email_key`` form), each with the approver's name there."""
    return await repository.approver_names(conn, email_key(email))


async def approves_for(conn: asyncpg.Connection, company_id: UUID, email: str) -> bool:
    """Whether ``email`` is (still) an approver of ``company_id``."""
    return await repository.is_approver(conn, company_id, email_key(email))
