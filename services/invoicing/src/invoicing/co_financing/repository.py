"""SQL behind the co-financing preview."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from invoicing.co_financing.models import CoFinancedHours


async def municipality_name(conn: asyncpg.Connection, municipality_id: UUID) -> str | None:
    """The name on the latest terms version; None for a municipality no terms have named."""
    name: str | None = await conn.fetchval(
        """select municipality_name from municipality_terms where municipality_id = $1
           order by recorded_seq desc limit 1""",
        municipality_id,
    )
    return name


async def co_financing_lines(
    conn: asyncpg.Connection, municipality_id: UUID, start: date, end: date
) -> list[CoFinancedHours]:
    """Lines with ``start <= work_date < end``, oldest first (the latest name of a citizen comes last)."""
    rows = await conn.fetch(
        """select citizen_id, citizen_name, minutes, rate_ore_per_hour, amount_ore
           from co_financing_lines
           where municipality_id = $1 and work_date >= $2 and work_date < $3
           order by created_at, id""",
        municipality_id,
        start,
        end,
    )
    return [CoFinancedHours(**dict(r)) for r in rows]
