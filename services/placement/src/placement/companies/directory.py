"""The companies domain's named read functions for other domains: who approves for which company.

Identity (``placement.identity``) decides who may log in and whether a session still has access
through these, never through ``companies.repository`` (issue 7 item 4: one owner per table)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from placement.companies import repository
from vikar_shared.types.text import email_key


async def companies_approved_by(conn: asyncpg.Connection, email: str) -> list[UUID]:
    """The ids of the companies that list ``email`` as an approver (compared in the ``email_key`` form),
    in id order; empty for an address nobody listed."""
    return await repository.companies_with_approver(conn, email_key(email))


async def approves_for(conn: asyncpg.Connection, company_id: UUID, email: str) -> bool:
    """Whether ``email`` is (still) an approver of ``company_id``."""
    return await repository.is_approver(conn, company_id, email_key(email))
