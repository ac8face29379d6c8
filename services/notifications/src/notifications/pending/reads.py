"""The pending-hours read model as other domains of this service read it (issue 14: the reminder ladder, the
digest): named functions over ``repository``, so the tables keep one writer (``service``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from notifications.pending import repository
from notifications.pending.models import PendingEntry, PlacementHours


async def pending_entries(
    conn: asyncpg.Connection,
    *,
    company_id: uuid.UUID | None = None,
    placement_ids: Sequence[uuid.UUID] | None = None,
    submitted_before: datetime | None = None,
) -> list[PendingEntry]:
    """Entries awaiting approval, by company, then oldest submission, citizen and work date; narrowed to a
    company, to placements, or to those submitted at or before ``submitted_before``."""
    return await repository.pending_entries(
        conn, company_id=company_id, placement_ids=placement_ids, submitted_before=submitted_before
    )


async def companies_with_pending(conn: asyncpg.Connection) -> list[uuid.UUID]:
    """Every company with at least one entry awaiting approval."""
    return await repository.companies_with_pending(conn)


async def placement_hours(
    conn: asyncpg.Connection, placement_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, PlacementHours]:
    """The latest work date submitted (and when) per placement; a placement never submitted for is absent."""
    return await repository.placement_hours(conn, placement_ids)
