from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from placement.openings.models import FollowUp, Opening

_COLUMNS = """id, company_id, job_category, tasks, hours_per_week_minutes, contact_name, contact_phone,
              contact_email, wished_start, status, handed_over_reason, handed_over_to as municipality_id, reported_on,
              followed_up_on"""


async def insert_opening(conn: asyncpg.Connection, o: Opening, actor: str) -> None:
    await conn.execute(
        """insert into job_openings (id, company_id, job_category, tasks, hours_per_week_minutes, contact_name,
                                     contact_phone, contact_email, wished_start, status, reported_on, reported_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""",
        o.id,
        o.company_id,
        o.job_category,
        o.tasks,
        o.hours_per_week_minutes,
        o.contact_name,
        o.contact_phone,
        o.contact_email,
        o.wished_start,
        o.status,
        o.reported_on,
        actor,
    )


async def get_opening(conn: asyncpg.Connection, opening_id: UUID, *, lock: bool = False) -> Opening | None:
    # FOR UPDATE serialises status changes of one opening, so its events leave in order.
    sql = f"select {_COLUMNS} from job_openings where id = $1" + (" for update" if lock else "")
    row = await conn.fetchrow(sql, opening_id)
    return Opening(**dict(row)) if row else None


async def list_openings(
    conn: asyncpg.Connection, *, company_id: UUID | None, handed_over_to: UUID | None, status: str | None
) -> list[Opening]:
    rows = await conn.fetch(
        f"""select {_COLUMNS} from job_openings
            where ($1::uuid is null or company_id = $1)
              and ($2::uuid is null or handed_over_to = $2)
              and ($3::text is null or status = $3)
            order by reported_on, created_at, id""",
        company_id,
        handed_over_to,
        status,
    )
    return [Opening(**dict(r)) for r in rows]


async def set_status(
    conn: asyncpg.Connection,
    opening_id: UUID,
    status: str,
    on: date,
    *,
    reason: str | None = None,
    municipality_id: UUID | None = None,
) -> None:
    await conn.execute(
        """update job_openings set status = $2, handed_over_reason = $3, handed_over_to = $4,
                  followed_up_on = greatest(followed_up_on, $5)
           where id = $1""",
        opening_id,
        status,
        reason,
        municipality_id,
        on,
    )


async def same_open_opening(conn: asyncpg.Connection, o: Opening) -> UUID | None:
    """An open opening of the company with the same job, tasks, hours and contact, if one exists."""
    found: UUID | None = await conn.fetchval(
        """select id from job_openings
           where company_id = $1 and status = 'open' and lower(job_category) = lower($2) and tasks = $3
             and hours_per_week_minutes = $4 and lower(contact_name) = lower($5)
           order by reported_on, id limit 1""",
        o.company_id,
        o.job_category,
        o.tasks,
        o.hours_per_week_minutes,
        o.contact_name,
    )
    return found


async def same_follow_up(
    conn: asyncpg.Connection, opening_id: UUID, on: date, note: str | None, actor: str
) -> UUID | None:
    found: UUID | None = await conn.fetchval(
        """select id from job_opening_follow_ups
           where opening_id = $1 and followed_up_on = $2 and note is not distinct from $3 and recorded_by = $4
           limit 1""",
        opening_id,
        on,
        note,
        actor,
    )
    return found


async def insert_follow_up(
    conn: asyncpg.Connection, follow_up_id: UUID, opening_id: UUID, on: date, note: str | None, actor: str
) -> None:
    await conn.execute(
        """insert into job_opening_follow_ups (id, opening_id, followed_up_on, note, recorded_by)
           values ($1, $2, $3, $4, $5)""",
        follow_up_id,
        opening_id,
        on,
        note,
        actor,
    )
    await conn.execute(
        "update job_openings set followed_up_on = greatest(followed_up_on, $2) where id = $1", opening_id, on
    )


async def list_follow_ups(conn: asyncpg.Connection, opening_id: UUID) -> list[FollowUp]:
    rows = await conn.fetch(
        """select id, followed_up_on, recorded_by, note from job_opening_follow_ups
           where opening_id = $1 order by followed_up_on, recorded_at""",
        opening_id,
    )
    return [FollowUp(**dict(r)) for r in rows]


async def open_openings_of(conn: asyncpg.Connection, reported_by: str, company_ids: list[UUID]) -> list[Opening]:
    """Open openings ``reported_by`` reported or of ``company_ids``, oldest first (issue 14: the digest)."""
    rows = await conn.fetch(
        f"""select {_COLUMNS} from job_openings
            where status = 'open' and (reported_by = $1 or company_id = any($2::uuid[]))
            order by reported_on, created_at, id""",
        reported_by,
        company_ids,
    )
    return [Opening(**dict(r)) for r in rows]
