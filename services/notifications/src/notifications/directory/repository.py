"""All SQL of the directory read models: staff, municipalities' statement contacts, placements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import asyncpg

from notifications.directory.models import KnownPlacement, Recipient, StaffMember

_STAFF_COLUMNS = "staff_id, subject, name, email, role, active, language"
_PLACEMENT_COLUMNS = (
    "placement_id, company_id, citizen_id, citizen_name, municipality_id, consultant_id, status, start_date, end_date"
)


async def upsert_staff(conn: asyncpg.Connection, member: StaffMember) -> None:
    await conn.execute(
        f"""insert into staff ({_STAFF_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7)
            on conflict (staff_id) do update set subject = excluded.subject, name = excluded.name,
                email = excluded.email, role = excluded.role, active = excluded.active,
                language = excluded.language, updated_at = now()""",
        member.staff_id,
        member.subject,
        member.name,
        member.email,
        member.role,
        member.active,
        member.language,
    )


async def staff_by_subject(conn: asyncpg.Connection, subject: str) -> StaffMember | None:
    row = await conn.fetchrow(f"select {_STAFF_COLUMNS} from staff where subject = $1", subject)
    return None if row is None else StaffMember(**dict(row))


async def active_staff(conn: asyncpg.Connection, role: str | None = None) -> list[StaffMember]:
    rows = await conn.fetch(
        f"select {_STAFF_COLUMNS} from staff where active and ($1::text is null or role = $1) order by name, staff_id",
        role,
    )
    return [StaffMember(**dict(r)) for r in rows]


async def upsert_municipality(
    conn: asyncpg.Connection,
    municipality_id: uuid.UUID,
    name: str,
    terms_id: uuid.UUID,
    effective_from: date,
    contacts: Sequence[Recipient],
) -> bool:
    """Keeps the contacts of the version with the greatest ``effective_from`` (a later-arriving older version
    changes nothing; the same date again replaces). True when this version's contacts were stored."""
    stored = await conn.fetchval(
        """insert into municipalities (municipality_id, name, terms_id, effective_from) values ($1, $2, $3, $4)
           on conflict (municipality_id) do update set name = excluded.name, terms_id = excluded.terms_id,
               effective_from = excluded.effective_from, updated_at = now()
           where municipalities.effective_from <= excluded.effective_from
           returning true""",
        municipality_id,
        name,
        terms_id,
        effective_from,
    )
    if not stored:
        return False
    await conn.execute("delete from municipality_contacts where municipality_id = $1", municipality_id)
    await conn.execute(
        """insert into municipality_contacts (municipality_id, position, email, name, language)
           select $1, n, e, nm, l from unnest($2::text[], $3::text[], $4::text[]) with ordinality as c(e, nm, l, n)""",
        municipality_id,
        [c.email for c in contacts],
        [c.name for c in contacts],
        [c.language for c in contacts],
    )
    return True


async def statement_contacts(conn: asyncpg.Connection, municipality_id: uuid.UUID) -> list[Recipient]:
    rows = await conn.fetch(
        """select email, name, coalesce(language, 'da') as language from municipality_contacts
           where municipality_id = $1 order by position""",
        municipality_id,
    )
    return [Recipient(r["email"], r["name"], r["language"]) for r in rows]


async def municipality_name(conn: asyncpg.Connection, municipality_id: uuid.UUID) -> str | None:
    return await conn.fetchval("select name from municipalities where municipality_id = $1", municipality_id)  # type: ignore[no-any-return]


async def upsert_placement(conn: asyncpg.Connection, placement: KnownPlacement) -> None:
    await conn.execute(
        f"""insert into placements ({_PLACEMENT_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            on conflict (placement_id) do update set company_id = excluded.company_id,
                citizen_id = excluded.citizen_id, citizen_name = excluded.citizen_name,
                municipality_id = excluded.municipality_id, consultant_id = excluded.consultant_id,
                status = excluded.status, start_date = excluded.start_date, end_date = excluded.end_date,
                updated_at = now()""",
        placement.placement_id,
        placement.company_id,
        placement.citizen_id,
        placement.citizen_name,
        placement.municipality_id,
        placement.consultant_id,
        placement.status,
        placement.start_date,
        placement.end_date,
    )


async def set_placement_status(
    conn: asyncpg.Connection, placement_id: uuid.UUID, status: str, end_date: date | None
) -> None:
    await conn.execute(
        "update placements set status = $2, end_date = $3, updated_at = now() where placement_id = $1",
        placement_id,
        status,
        end_date,
    )


async def placement(conn: asyncpg.Connection, placement_id: uuid.UUID) -> KnownPlacement | None:
    row = await conn.fetchrow(f"select {_PLACEMENT_COLUMNS} from placements where placement_id = $1", placement_id)
    return None if row is None else KnownPlacement(**dict(row))


async def placements_of_company(conn: asyncpg.Connection, company_id: uuid.UUID) -> list[KnownPlacement]:
    rows = await conn.fetch(
        f"select {_PLACEMENT_COLUMNS} from placements where company_id = $1 order by start_date, placement_id",
        company_id,
    )
    return [KnownPlacement(**dict(r)) for r in rows]


async def placements_of_consultant(conn: asyncpg.Connection, consultant_id: str) -> list[KnownPlacement]:
    """Issue 14 (part A, the digest): the placements ``consultant_id`` is responsible for, oldest start first."""
    rows = await conn.fetch(
        f"select {_PLACEMENT_COLUMNS} from placements where consultant_id = $1 order by start_date, placement_id",
        consultant_id,
    )
    return [KnownPlacement(**dict(r)) for r in rows]


async def consultants_of_placements(conn: asyncpg.Connection, placement_ids: Sequence[uuid.UUID]) -> list[StaffMember]:
    """The active staff members who are the consultants of ``placement_ids`` (each once, by name)."""
    rows = await conn.fetch(
        f"""select distinct {", ".join("s." + c for c in _STAFF_COLUMNS.split(", "))}
            from placements p join staff s on s.subject = p.consultant_id
            where p.placement_id = any($1::uuid[]) and s.active
            order by s.name, s.staff_id""",
        list(placement_ids),
    )
    return [StaffMember(**dict(r)) for r in rows]
