from __future__ import annotations

from uuid import UUID

import asyncpg

from placement.activities.models import FOLLOW_UP_DAYS, ActivePlacement
from placement.activities.schemas import ActivityItem, ActivityOut, NameChangeItem, PlacementStatusItem, ReferralItem

_FOLLOW_UP_TYPES = list(FOLLOW_UP_DAYS)


async def citizen_name(conn: asyncpg.Connection, citizen_id: UUID) -> str | None:
    name: str | None = await conn.fetchval("select name from citizens where id = $1", citizen_id)
    return name


async def placement_citizen(conn: asyncpg.Connection, placement_id: UUID) -> UUID | None:
    found: UUID | None = await conn.fetchval("select citizen_id from placements where id = $1", placement_id)
    return found


async def same_activity(conn: asyncpg.Connection, a: ActivityOut) -> UUID | None:
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


async def insert_activity(conn: asyncpg.Connection, a: ActivityOut) -> None:
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


async def referrals_of(conn: asyncpg.Connection, citizen_id: UUID) -> list[ReferralItem]:
    rows = await conn.fetch(
        """select id as referral_id, municipality_id, referred_on as occurred_on, created_at as recorded_at, eligible
           from referrals where citizen_id = $1""",
        citizen_id,
    )
    return [ReferralItem(**dict(r)) for r in rows]


async def placement_changes_of(conn: asyncpg.Connection, citizen_id: UUID) -> list[PlacementStatusItem]:
    rows = await conn.fetch(
        """select s.placement_id, p.company_id, r.municipality_id, s.status, s.end_reason,
                  s.occurred_on, s.changed_at as recorded_at
           from placement_status_changes s
           join placements p on p.id = s.placement_id join referrals r on r.id = p.referral_id
           where p.citizen_id = $1""",
        citizen_id,
    )
    return [PlacementStatusItem(**dict(r)) for r in rows]


async def name_changes_of(conn: asyncpg.Connection, citizen_id: UUID) -> list[NameChangeItem]:
    rows = await conn.fetch(
        """select n.referral_id, r.municipality_id, r.referred_on as occurred_on, n.changed_at as recorded_at,
                  n.old_name, n.new_name, n.changed_by
           from citizen_name_changes n join referrals r on r.id = n.referral_id
           where n.citizen_id = $1""",
        citizen_id,
    )
    return [
        NameChangeItem(
            referral_id=r["referral_id"],
            municipality_id=r["municipality_id"],
            occurred_on=r["occurred_on"],
            recorded_at=r["recorded_at"],
            from_=r["old_name"],
            to=r["new_name"],
            changed_by=r["changed_by"],
        )
        for r in rows
    ]


async def activities_of(conn: asyncpg.Connection, citizen_id: UUID) -> list[ActivityItem]:
    rows = await conn.fetch(
        """select id as activity_id, activity_type, attendance, placement_id, logged_by, note,
                  occurred_on, logged_at as recorded_at
           from citizen_activities where citizen_id = $1""",
        citizen_id,
    )
    return [ActivityItem(**dict(r)) for r in rows]


async def active_placements_of(conn: asyncpg.Connection, consultant_id: str) -> list[ActivePlacement]:
    rows = await conn.fetch(
        """select p.id as placement_id, p.citizen_id, c.name as citizen_name, p.company_id, p.start_date, p.end_date,
                  coalesce(array_agg(distinct a.activity_type) filter (where a.id is not null), '{}') as logged
           from placements p
           join citizens c on c.id = p.citizen_id
           left join citizen_activities a on a.placement_id = p.id and a.activity_type = any($2::text[])
           where p.consultant_id = $1 and p.status = 'active'
           group by p.id, c.name""",
        consultant_id,
        _FOLLOW_UP_TYPES,
    )
    return [
        ActivePlacement(
            placement_id=r["placement_id"],
            citizen_id=r["citizen_id"],
            citizen_name=r["citizen_name"],
            company_id=r["company_id"],
            start_date=r["start_date"],
            end_date=r["end_date"],
            follow_ups_logged=frozenset(r["logged"]),
        )
        for r in rows
    ]
