from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from placement.agreements.models import Terms


async def insert_municipality(conn: asyncpg.Connection, municipality_id: UUID, name: str, actor: str) -> bool:
    status = await conn.execute(
        "insert into municipalities (id, name, created_by) values ($1, $2, $3) on conflict (name) do nothing",
        municipality_id,
        name,
        actor,
    )
    return bool(status == "INSERT 0 1")


async def municipality_name(conn: asyncpg.Connection, municipality_id: UUID, *, lock: bool = False) -> str | None:
    # FOR UPDATE serialises new terms versions of one municipality, so events leave in order.
    sql = "select name from municipalities where id = $1" + (" for update" if lock else "")
    name: str | None = await conn.fetchval(sql, municipality_id)
    return name


async def insert_terms(conn: asyncpg.Connection, terms: Terms, actor: str) -> bool:
    status = await conn.execute(
        """insert into municipality_terms (id, municipality_id, effective_from, co_financing_rate_ore_per_hour,
                                           eligibility_threshold_weeks, created_by)
           values ($1, $2, $3, $4, $5, $6) on conflict (municipality_id, effective_from) do nothing""",
        terms.id,
        terms.municipality_id,
        terms.effective_from,
        terms.co_financing_rate_ore_per_hour,
        terms.eligibility_threshold_weeks,
        actor,
    )
    return bool(status == "INSERT 0 1")


async def list_terms(conn: asyncpg.Connection, municipality_id: UUID) -> list[Terms]:
    rows = await conn.fetch(
        """select id, municipality_id, effective_from, co_financing_rate_ore_per_hour, eligibility_threshold_weeks
           from municipality_terms where municipality_id = $1 order by effective_from""",
        municipality_id,
    )
    return [Terms(**dict(r)) for r in rows]


async def terms_on(conn: asyncpg.Connection, municipality_id: UUID, on: date) -> Terms | None:
    row = await conn.fetchrow(
        """select id, municipality_id, effective_from, co_financing_rate_ore_per_hour, eligibility_threshold_weeks
           from municipality_terms where municipality_id = $1 and effective_from <= $2
           order by effective_from desc limit 1""",
        municipality_id,
        on,
    )
    return Terms(**dict(row)) if row else None
