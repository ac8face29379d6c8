from __future__ import annotations

from datetime import date

import asyncpg

from placement.reference.models import TargetGroup


async def target_group(conn: asyncpg.Connection, code: str) -> TargetGroup | None:
    row = await conn.fetchrow("select code, name, valid_from, valid_to from target_groups where code = $1", code)
    return TargetGroup(**dict(row)) if row else None


async def target_groups_on(conn: asyncpg.Connection, on: date) -> list[TargetGroup]:
    rows = await conn.fetch(
        """select code, name, valid_from, valid_to from target_groups
           where valid_from <= $1 and (valid_to is null or valid_to >= $1) order by code""",
        on,
    )
    return [TargetGroup(**dict(r)) for r in rows]
