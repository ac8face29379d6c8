"""Reads of the placements read model (kept by ``handlers``) for the other domains of this service."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from timesheet.placements import repository
from timesheet.placements.models import Placement, RateVersion


async def placement(conn: asyncpg.Connection, placement_id: UUID) -> Placement | None:
    """The placement as last announced by placement, or None when this service has not heard of it."""
    return await repository.get_placement(conn, placement_id)


async def rate_versions(conn: asyncpg.Connection, placement_id: UUID) -> list[RateVersion]:
    """The placement's rate versions, oldest first (empty when unknown)."""
    return await repository.rate_versions(conn, placement_id)
