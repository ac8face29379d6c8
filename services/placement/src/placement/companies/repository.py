from __future__ import annotations

from uuid import UUID

import asyncpg

from placement.companies.models import Address, Approver, BackupApprover, BillingContact, Company

_COMPANY_SELECT = """
    select id, name, cvr, street, postcode, city, billing_contact_name, billing_contact_email, billing_period,
           payment_terms_days, ean, billing_contact_language
    from companies"""


def _company(row: asyncpg.Record, approvers: list[Approver], backups: list[BackupApprover] | None = None) -> Company:
    address = Address(street=row["street"], postcode=row["postcode"], city=row["city"]) if row["street"] else None
    contact = (
        BillingContact(
            name=row["billing_contact_name"],
            email=row["billing_contact_email"],
            language=row["billing_contact_language"],
        )
        if row["billing_contact_name"]
        else None
    )
    return Company(
        id=row["id"],
        name=row["name"],
        cvr=row["cvr"],
        approvers=approvers,
        address=address,
        billing_contact=contact,
        billing_period=row["billing_period"],
        payment_terms_days=row["payment_terms_days"],
        ean=row["ean"],
        backup_approvers=backups or [],
    )


def _profile(company: Company) -> tuple[object, ...]:
    a, c = company.address, company.billing_contact
    return (
        a.street if a else None,
        a.postcode if a else None,
        a.city if a else None,
        c.name if c else None,
        c.email if c else None,
        company.billing_period,
        company.payment_terms_days,
        company.ean,
        c.language if c else None,
    )


async def insert_company(conn: asyncpg.Connection, company: Company, actor: str) -> bool:
    status = await conn.execute(
        """insert into companies (id, name, cvr, street, postcode, city, billing_contact_name, billing_contact_email,
                                  billing_period, payment_terms_days, ean, billing_contact_language, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) on conflict (cvr) do nothing""",
        company.id,
        company.name,
        company.cvr,
        *_profile(company),
        actor,
    )
    return bool(status == "INSERT 0 1")


async def update_profile(conn: asyncpg.Connection, company: Company) -> None:
    await conn.execute(
        """update companies set name = $2, street = $3, postcode = $4, city = $5, billing_contact_name = $6,
                  billing_contact_email = $7, billing_period = $8, payment_terms_days = $9, ean = $10,
                  billing_contact_language = $11, updated_at = now()
           where id = $1""",
        company.id,
        company.name,
        *_profile(company),
    )


async def insert_approvers(conn: asyncpg.Connection, company_id: UUID, approvers: list[Approver]) -> None:
    await conn.executemany(
        "insert into company_approvers (company_id, email, name, language) values ($1, $2, $3, $4)",
        [(company_id, a.email, a.name, a.language) for a in approvers],
    )


async def upsert_approver(conn: asyncpg.Connection, company_id: UUID, approver: Approver) -> bool:
    """Adds the approver or renames them; False when they were already there under that name."""
    changed = await conn.fetchval(
        """insert into company_approvers (company_id, email, name, language) values ($1, $2, $3, $4)
           on conflict (company_id, email) do update set name = excluded.name, language = excluded.language
           where (company_approvers.name, company_approvers.language)
                 is distinct from (excluded.name, excluded.language)
           returning true""",
        company_id,
        approver.email,
        approver.name,
        approver.language,
    )
    return bool(changed)


async def delete_approver(conn: asyncpg.Connection, company_id: UUID, email: str) -> bool:
    status = await conn.execute("delete from company_approvers where company_id = $1 and email = $2", company_id, email)
    return bool(status == "DELETE 1")


async def lock_company(conn: asyncpg.Connection, company_id: UUID) -> bool:
    """Row lock held until commit: changes of one company are serialised, so each CompanyUpdated carries
    the state its change produced and the events leave in the order the changes were made."""
    return bool(await conn.fetchval("select true from companies where id = $1 for update", company_id))


async def _approvers_of(conn: asyncpg.Connection, company_ids: list[UUID]) -> dict[UUID, list[Approver]]:
    rows = await conn.fetch(
        """select company_id, email, name, language from company_approvers where company_id = any($1::uuid[])
           order by email""",
        company_ids,
    )
    approvers: dict[UUID, list[Approver]] = {}
    for r in rows:
        approver = Approver(email=r["email"], name=r["name"], language=r["language"])
        approvers.setdefault(r["company_id"], []).append(approver)
    return approvers


async def _backups_of(conn: asyncpg.Connection, company_ids: list[UUID]) -> dict[UUID, list[BackupApprover]]:
    rows = await conn.fetch(
        """select company_id, email, name, valid_from, valid_to, language from company_backup_approvers
           where company_id = any($1::uuid[]) order by company_id, position""",
        company_ids,
    )
    backups: dict[UUID, list[BackupApprover]] = {}
    for r in rows:
        backup = BackupApprover(r["email"], r["name"], r["valid_from"], r["valid_to"], r["language"])
        backups.setdefault(r["company_id"], []).append(backup)
    return backups


async def replace_backup_approvers(conn: asyncpg.Connection, company_id: UUID, backups: list[BackupApprover]) -> None:
    """Issue 14 (part A): the company's backup approvers become ``backups`` (in this order)."""
    await conn.execute("delete from company_backup_approvers where company_id = $1", company_id)
    await conn.executemany(
        """insert into company_backup_approvers (company_id, position, email, name, valid_from, valid_to, language)
           values ($1, $2, $3, $4, $5, $6, $7)""",
        [(company_id, i, b.email, b.name, b.valid_from, b.valid_to, b.language) for i, b in enumerate(backups)],
    )


async def get_company(conn: asyncpg.Connection, company_id: UUID) -> Company | None:
    row = await conn.fetchrow(_COMPANY_SELECT + " where id = $1", company_id)
    if row is None:
        return None
    approvers = await _approvers_of(conn, [company_id])
    backups = await _backups_of(conn, [company_id])
    return _company(row, approvers.get(company_id, []), backups.get(company_id, []))


async def list_companies(conn: asyncpg.Connection, only: UUID | None, limit: int, offset: int) -> list[Company]:
    """Companies by name (then id, so pages are stable); just ``only`` when the caller is bound to one."""
    rows = await conn.fetch(
        _COMPANY_SELECT + " where $1::uuid is null or id = $1 order by name, id limit $2 offset $3",
        only,
        limit,
        offset,
    )
    approvers = await _approvers_of(conn, [r["id"] for r in rows])
    backups = await _backups_of(conn, [r["id"] for r in rows])
    return [_company(r, approvers.get(r["id"], []), backups.get(r["id"], [])) for r in rows]


async def company_with_cvr(conn: asyncpg.Connection, cvr: str) -> UUID | None:
    found: UUID | None = await conn.fetchval("select id from companies where cvr = $1", cvr)
    return found


async def company_exists(conn: asyncpg.Connection, company_id: UUID) -> bool:
    return bool(await conn.fetchval("select exists(select 1 from companies where id = $1)", company_id))


async def is_approver(conn: asyncpg.Connection, company_id: UUID, email: str) -> bool:
    return bool(
        await conn.fetchval(
            "select exists(select 1 from company_approvers where company_id = $1 and lower(email) = $2)",
            company_id,
            email,
        )
    )


async def approver_names(conn: asyncpg.Connection, email: str) -> dict[UUID, str]:
    """The name ``email`` (``email_key`` form) has as an approver of each company naming it, by company id."""
    rows = await conn.fetch(
        "select company_id, name from company_approvers where lower(email) = $1 order by company_id", email
    )
    return {row["company_id"]: row["name"] for row in rows}


async def company_names(conn: asyncpg.Connection, company_ids: list[UUID]) -> dict[UUID, str]:
    rows = await conn.fetch("select id, name from companies where id = any($1::uuid[])", company_ids)
    return {r["id"]: r["name"] for r in rows}


# --- Issue 14 (fix): companies registered before notifications kept its directory ---------------------------------
async def claim_directory_announcements(conn: asyncpg.Connection) -> list[UUID]:
    """Marks announced, and returns (by id), the companies listed by migration 20261216_40 not announced yet; the
    caller announces them in the same transaction (a replica running the same step waits on these rows, then
    finds them announced)."""
    rows = await conn.fetch(
        """update company_directory_announcements set announced_at = now() where announced_at is null
           returning company_id"""
    )
    return sorted(r["company_id"] for r in rows)
