"""SQL of the citizen aliases (``citizen_aliases``, migration ``20261130_70_citizen_aliases.sql``).

Every table of this service that carries a citizen id is listed in ``CITIZEN_TABLES``; a trigger on each
maps a merged id to the kept one on insert and on a change of ``citizen_id``."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

# Every table whose rows name a citizen: the placements read model and the entries
# (each entry copies its placement's citizen, which the 12-hour day is summed by).
CITIZEN_TABLES: tuple[str, ...] = ("placements", "entries")


async def lock_citizen(conn: asyncpg.Connection, citizen_id: UUID, *, exclusive: bool) -> None:
    """The lock the trigger ``citizen_id_of_kept`` takes shared on every write of ``citizen_id``; held to commit."""
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await conn.execute(
        f"select {function}(hashtextextended('timesheet.citizen-alias:' || $1::text, 0))", str(citizen_id)
    )


async def kept_id(conn: asyncpg.Connection, citizen_id: UUID) -> UUID:
    """The id the person is kept under: ``citizen_id`` itself unless it was merged."""
    kept: UUID | None = await conn.fetchval(
        "select kept_citizen_id from citizen_aliases where merged_citizen_id = $1", citizen_id
    )
    return kept or citizen_id


async def record_alias(
    conn: asyncpg.Connection, *, merged: UUID, kept: UUID, merged_at: datetime, event_id: UUID
) -> bool:
    """Records merged → kept and points earlier aliases of ``merged`` at ``kept`` (aliases stay flat);
    False if ``merged`` was recorded before."""
    recorded = await conn.fetchval(
        """insert into citizen_aliases (merged_citizen_id, kept_citizen_id, merged_at, event_id)
           values ($1, $2, $3, $4)
           on conflict (merged_citizen_id) do nothing
           returning true""",
        merged,
        kept,
        merged_at,
        event_id,
    )
    await conn.execute("update citizen_aliases set kept_citizen_id = $2 where kept_citizen_id = $1", merged, kept)
    return bool(recorded)


async def repoint(conn: asyncpg.Connection, *, merged: UUID, kept: UUID) -> dict[str, int]:
    """Moves every row carrying ``merged`` to ``kept``; returns how many rows moved, per table."""
    moved: dict[str, int] = {}
    for table in CITIZEN_TABLES:
        status = await conn.execute(f"update {table} set citizen_id = $2 where citizen_id = $1", merged, kept)
        moved[table] = int(status.rsplit(" ", 1)[-1])
    return moved


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
