"""The reminder ladder as other domains of this service read it (the digest)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from notifications.reminders import repository
from notifications.reminders.models import Ladder


async def ladders_for(
    conn: asyncpg.Connection, company_ids: Sequence[uuid.UUID], default: Ladder
) -> dict[uuid.UUID, Ladder]:
    """Each company's ladder: what consultants set, else ``default`` (the service's settings)."""
    found = await repository.ladders(conn, company_ids)
    return {c: found.get(c, default) for c in company_ids}
