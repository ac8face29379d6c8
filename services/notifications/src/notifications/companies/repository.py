"""All SQL of the companies read model."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from notifications.companies.models import Approver


async def lock_company(conn: asyncpg.Connection, company_id: uuid.UUID) -> None:
    """Serialises, per company, the two consumers that can complete a waiting submission.

    Without it, HoursSubmitted (company unknown yet) and CompanyRegistered committing concurrently
    would each miss the other's uncommitted row, and the submission would never be mailed. Held
    until the transaction ends."""
    await conn.execute(
        "select pg_advisory_xact_lock(hashtextextended('notifications.company:' || $1::uuid::text, 0))", company_id
    )


async def upsert_company(conn: asyncpg.Connection, company_id: uuid.UUID, name: str) -> None:
    await conn.execute(
        """insert into companies (company_id, name) values ($1, $2)
           on conflict (company_id) do update set name = excluded.name, updated_at = now()""",
        company_id,
        name,
    )


async def replace_approvers(conn: asyncpg.Connection, company_id: uuid.UUID, approvers: Sequence[Approver]) -> None:
    await conn.execute(
        "delete from company_approvers where company_id = $1 and email <> all($2::text[])",
        company_id,
        [a.email for a in approvers],
    )
    await conn.execute(
        """insert into company_approvers (company_id, email, name)
           select $1, email, name from unnest($2::text[], $3::text[]) as a (email, name)
           on conflict (company_id, email) do update set name = excluded.name""",
        company_id,
        [a.email for a in approvers],
        [a.name for a in approvers],
    )


async def approvers_of(conn: asyncpg.Connection, company_id: uuid.UUID) -> list[Approver]:
    rows = await conn.fetch(
        "select email, name from company_approvers where company_id = $1 order by email", company_id
    )
    return [Approver(email=r["email"], name=r["name"]) for r in rows]


async def names(conn: asyncpg.Connection, company_id: uuid.UUID, email: str) -> tuple[str | None, str | None]:
    """(approver's name, company's name) as last announced; either None when not (yet) known."""
    row = await conn.fetchrow(
        """select (select name from company_approvers where company_id = $1 and email = $2) as approver_name,
                  (select name from companies where company_id = $1) as company_name""",
        company_id,
        email,
    )
    assert row is not None
    return row["approver_name"], row["company_name"]
