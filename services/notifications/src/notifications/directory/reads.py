"""The directory as other domains of this service read it (issue 14): named functions over ``repository``,
so the directory tables keep one writer (``service``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from notifications.directory import repository
from notifications.directory.models import KnownPlacement, Recipient, StaffMember


async def staff_by_subject(conn: asyncpg.Connection, subject: str) -> StaffMember | None:
    """The staff member a token subject (or a placement's ``consultant_id``) names; None if unknown."""
    return await repository.staff_by_subject(conn, subject)


async def active_staff(conn: asyncpg.Connection, role: str | None = None) -> list[StaffMember]:
    """Active members, by name; ``role`` (consultant, finance, admin) narrows. Finance mails go to role finance."""
    return await repository.active_staff(conn, role)


async def statement_contacts(conn: asyncpg.Connection, municipality_id: uuid.UUID) -> list[Recipient]:
    """The municipality's statement contacts from its latest agreement version (empty: none stated)."""
    return await repository.statement_contacts(conn, municipality_id)


async def municipality_name(conn: asyncpg.Connection, municipality_id: uuid.UUID) -> str | None:
    return await repository.municipality_name(conn, municipality_id)


async def placement(conn: asyncpg.Connection, placement_id: uuid.UUID) -> KnownPlacement | None:
    return await repository.placement(conn, placement_id)


async def placements_of_company(conn: asyncpg.Connection, company_id: uuid.UUID) -> list[KnownPlacement]:
    return await repository.placements_of_company(conn, company_id)


async def placements_of_consultant(conn: asyncpg.Connection, consultant_id: str) -> list[KnownPlacement]:
    """The placements whose ``consultant_id`` is this token subject (every status), oldest start first."""
    return await repository.placements_of_consultant(conn, consultant_id)


async def consultants_of_placements(conn: asyncpg.Connection, placement_ids: Sequence[uuid.UUID]) -> list[StaffMember]:
    """The active consultants responsible for ``placement_ids`` (escalation copies them)."""
    return await repository.consultants_of_placements(conn, placement_ids)
