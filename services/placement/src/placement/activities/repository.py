from __future__ import annotations

from uuid import UUID

import asyncpg

from placement.activities.models import FOLLOW_UP_DAYS, Activity, ActivityRecorded

_FOLLOW_UP_TYPES = list(FOLLOW_UP_DAYS)


async def same_activity(conn: asyncpg.Connection, a: Activity) -> UUID | None:
    """An activity of the citizen with the same type, day, placement, attendance and note, if logged."""
    found: UUID | None = await conn.fetchval(
        """select id from citizen_activities
           where citizen_id = $1 and activity_type = $2 and occurred_on = $3
             and placement_id is not distinct from $4 and attendance is not distinct from $5
             and note is not distinct from $6
           order by logged_at limit 1""",
        a.citizen_id,
        a.activity_type,
        a.occurred_on,
        a.placement_id,
        a.attendance,
        a.note,
    )
    return found


async def insert_activity(conn: asyncpg.Connection, a: Activity) -> None:
    await conn.execute(
        """insert into citizen_activities (id, citizen_id, activity_type, attendance, placement_id, occurred_on,
                                           note, logged_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8)""",
        a.id,
        a.citizen_id,
        a.activity_type,
        a.attendance,
        a.placement_id,
        a.occurred_on,
        a.note,
        a.logged_by,
    )


async def activities_of(conn: asyncpg.Connection, citizen_id: UUID) -> list[ActivityRecorded]:
    rows = await conn.fetch(
        """select id as activity_id, activity_type, attendance, placement_id, logged_by, note,
                  occurred_on, logged_at as recorded_at
           from citizen_activities where citizen_id = $1""",
        citizen_id,
    )
    return [ActivityRecorded(**dict(r)) for r in rows]


async def follow_ups_logged(conn: asyncpg.Connection, placement_ids: list[UUID]) -> dict[UUID, frozenset[str]]:
    """The follow-up types (``follow_up_day_*``) logged for each of the placements (absent: none)."""
    rows = await conn.fetch(
        """select placement_id, array_agg(distinct activity_type) as logged from citizen_activities
           where placement_id = any($1::uuid[]) and activity_type = any($2::text[])
           group by placement_id""",
        placement_ids,
        _FOLLOW_UP_TYPES,
    )
    return {r["placement_id"]: frozenset(r["logged"]) for r in rows}
