"""SQL of the companies read model."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from timesheet.companies.models import Approver


async def upsert_company(conn: asyncpg.Connection, company_id: UUID, name: str, *, as_of: datetime) -> bool:
    """Writes the company unless a newer event already did; True if this event's state now stands."""
    written = await conn.fetchval(
        """insert into companies (company_id, name, as_of) values ($1, $2, $3)
           on conflict (company_id) do update set name = excluded.name, as_of = excluded.as_of, updated_at = now()
           where companies.as_of <= excluded.as_of
           returning true""",
        company_id,
        name,
        as_of,
    )
    return bool(written)


async def replace_approvers(conn: asyncpg.Connection, company_id: UUID, approvers: Sequence[Approver]) -> None:
    await conn.execute("delete from company_approvers where company_id = $1", company_id)
    await conn.execute(
        """insert into company_approvers (company_id, email, name)
           select $1, a.email, a.name from unnest($2::text[], $3::text[]) as a (email, name)""",
        company_id,
        [a.email for a in approvers],
        [a.name for a in approvers],
    )


async def company_name(conn: asyncpg.Connection, company_id: UUID) -> str | None:
    name: str | None = await conn.fetchval("select name from companies where company_id = $1", company_id)
    return name


async def approvers_of(conn: asyncpg.Connection, company_id: UUID) -> list[Approver]:
    rows = await conn.fetch(
        "select email, name from company_approvers where company_id = $1 order by email", company_id
    )
    return [Approver(email=r["email"], name=r["name"]) for r in rows]
