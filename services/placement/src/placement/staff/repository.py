from __future__ import annotations

from uuid import UUID

import asyncpg

from placement.staff.models import StaffMember

_SELECT = "select staff_id, subject, name, email, role, active, language, created_at, updated_at from staff"


def _member(row: asyncpg.Record) -> StaffMember:
    return StaffMember(**dict(row))


async def insert_member(conn: asyncpg.Connection, member: StaffMember, actor: str) -> bool:
    """Adds the member; False when the subject is taken (nothing written)."""
    status = await conn.execute(
        """insert into staff (staff_id, subject, name, email, role, active, language, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (subject) do nothing""",
        member.staff_id,
        member.subject,
        member.name,
        member.email,
        member.role,
        member.active,
        member.language,
        actor,
    )
    return bool(status == "INSERT 0 1")


async def update_member(conn: asyncpg.Connection, member: StaffMember) -> None:
    await conn.execute(
        """update staff set name = $2, email = $3, role = $4, active = $5, language = $6, updated_at = now()
           where staff_id = $1""",
        member.staff_id,
        member.name,
        member.email,
        member.role,
        member.active,
        member.language,
    )


async def lock_member(conn: asyncpg.Connection, staff_id: UUID) -> StaffMember | None:
    """The member, row-locked until commit (changes of one member are serialised, events leave in order)."""
    row = await conn.fetchrow(_SELECT + " where staff_id = $1 for update", staff_id)
    return _member(row) if row else None


async def get_member(conn: asyncpg.Connection, staff_id: UUID) -> StaffMember | None:
    row = await conn.fetchrow(_SELECT + " where staff_id = $1", staff_id)
    return _member(row) if row else None


async def member_with_subject(conn: asyncpg.Connection, subject: str) -> StaffMember | None:
    row = await conn.fetchrow(_SELECT + " where subject = $1", subject)
    return _member(row) if row else None


async def list_members(
    conn: asyncpg.Connection, *, role: str | None, active: bool | None, limit: int, offset: int
) -> list[StaffMember]:
    rows = await conn.fetch(
        _SELECT
        + """ where ($1::text is null or role = $1) and ($2::boolean is null or active = $2)
                      order by name, staff_id limit $3 offset $4""",
        role,
        active,
        limit,
        offset,
    )
    return [_member(r) for r in rows]
