"""All SQL of the companies read model."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from notifications.companies.models import Approver
from notifications.directory.models import BackupApprover, Recipient


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
        """insert into company_approvers (company_id, email, name, language)
           select $1, email, name, language from unnest($2::text[], $3::text[], $4::text[]) as a (email, name, language)
           on conflict (company_id, email) do update set name = excluded.name, language = excluded.language""",
        company_id,
        [a.email for a in approvers],
        [a.name for a in approvers],
        [a.language for a in approvers],
    )


async def approvers_of(conn: asyncpg.Connection, company_id: uuid.UUID) -> list[Approver]:
    rows = await conn.fetch(
        "select email, name, coalesce(language, 'da') as language from company_approvers where company_id = $1"
        " order by email",
        company_id,
    )
    return [Approver(email=r["email"], name=r["name"], language=r["language"]) for r in rows]


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


async def set_billing_contact(conn: asyncpg.Connection, company_id: uuid.UUID, contact: Recipient | None) -> None:
    await conn.execute(
        """update companies set billing_contact_name = $2, billing_contact_email = $3, billing_contact_language = $4
           where company_id = $1""",
        company_id,
        contact.name if contact else None,
        contact.email if contact else None,
        contact.language if contact else None,
    )


async def billing_contact(conn: asyncpg.Connection, company_id: uuid.UUID) -> Recipient | None:
    row = await conn.fetchrow(
        """select billing_contact_email, billing_contact_name, coalesce(billing_contact_language, 'da') as language
           from companies where company_id = $1 and billing_contact_email is not null""",
        company_id,
    )
    return (
        None if row is None else Recipient(row["billing_contact_email"], row["billing_contact_name"], row["language"])
    )


async def replace_backup_approvers(
    conn: asyncpg.Connection, company_id: uuid.UUID, backups: Sequence[BackupApprover]
) -> None:
    await conn.execute("delete from company_backup_approvers where company_id = $1", company_id)
    await conn.execute(
        """insert into company_backup_approvers (company_id, position, email, name, valid_from, valid_to, language)
           select $1, n, e, nm, f, t, l
           from unnest($2::text[], $3::text[], $4::date[], $5::date[], $6::text[])
                with ordinality as b(e, nm, f, t, l, n)""",
        company_id,
        [b.email for b in backups],
        [b.name for b in backups],
        [b.valid_from for b in backups],
        [b.valid_to for b in backups],
        [b.language for b in backups],
    )


async def backup_approvers(conn: asyncpg.Connection, company_id: uuid.UUID) -> list[BackupApprover]:
    rows = await conn.fetch(
        """select email, name, valid_from, valid_to, coalesce(language, 'da') as language
           from company_backup_approvers where company_id = $1 order by position""",
        company_id,
    )
    return [BackupApprover(**dict(r)) for r in rows]


async def company_name(conn: asyncpg.Connection, company_id: uuid.UUID) -> str | None:
    return await conn.fetchval("select name from companies where company_id = $1", company_id)  # type: ignore[no-any-return]
