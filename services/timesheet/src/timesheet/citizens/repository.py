"""SQL of this service's side of citizen merges (``citizen_aliases``, migration
``20261130_70_citizen_aliases.sql``; the shared part is ``vikar_shared.citizen_aliases``)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

# Every table whose rows name a citizen, each with the alias trigger: the placements read model and the
# entries (each entry copies its placement's citizen, which the 12-hour day is summed by).
CITIZEN_TABLES: tuple[str, ...] = ("placements", "entries")


async def days_over_cap(conn: asyncpg.Connection, citizen_id: UUID, cap_minutes: int) -> list[str]:
    """Work days on which the citizen's submitted and approved minutes (corrections signed) exceed
    ``cap_minutes``: what two identities may have been let through before the merge; ISO dates."""
    rows = await conn.fetch(
        """select work_date from entries
           where citizen_id = $1 and status in ('submitted', 'approved')
           group by work_date having sum(minutes) > $2
           order by work_date""",
        citizen_id,
        cap_minutes,
    )
    return [r["work_date"].isoformat() for r in rows]
