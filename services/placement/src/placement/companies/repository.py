from __future__ import annotations

from uuid import UUID

import asyncpg

from placement.companies.schemas import ApproverOut, CompanyOut


async def insert_company(conn: asyncpg.Connection, company_id: UUID, name: str, cvr: str, actor: str) -> bool:
    status = await conn.execute(
        "insert into companies (id, name, cvr, created_by) values ($1, $2, $3, $4) on conflict (cvr) do nothing",
        company_id,
        name,
        cvr,
        actor,
    )
    return bool(status == "INSERT 0 1")


async def insert_approvers(conn: asyncpg.Connection, company_id: UUID, approvers: list[ApproverOut]) -> None:
    await conn.executemany(
        "insert into company_approvers (company_id, email, name) values ($1, $2, $3)",
        [(company_id, a.email, a.name) for a in approvers],
    )


async def get_company(conn: asyncpg.Connection, company_id: UUID) -> CompanyOut | None:
    row = await conn.fetchrow("select id, name, cvr from companies where id = $1", company_id)
    if row is None:
        return None
    approvers = await conn.fetch(
        "select email, name from company_approvers where company_id = $1 order by email", company_id
    )
    return CompanyOut(
        id=row["id"],
        name=row["name"],
        cvr=row["cvr"],
        approvers=[ApproverOut(email=a["email"], name=a["name"]) for a in approvers],
    )


async def company_exists(conn: asyncpg.Connection, company_id: UUID) -> bool:
    return bool(await conn.fetchval("select exists(select 1 from companies where id = $1)", company_id))
