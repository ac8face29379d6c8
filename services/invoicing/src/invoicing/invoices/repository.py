"""SQL behind the invoice preview."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from invoicing.invoices.models import InvoiceLine


async def company_known(conn: asyncpg.Connection, company_id: UUID) -> bool:
    """A company is known once a placement or an approval has named it."""
    return bool(
        await conn.fetchval(
            """select exists (select 1 from placements where company_id = $1)
                   or exists (select 1 from approved_entries where company_id = $1)""",
            company_id,
        )
    )


async def billable_lines(conn: asyncpg.Connection, company_id: UUID, start: date, end: date) -> list[InvoiceLine]:
    """Lines with ``start <= work_date < end``."""
    rows = await conn.fetch(
        """select entry_id, work_date, citizen_name, minutes, rate_ore_per_hour, amount_ore, corrects_entry_id
           from billable_lines
           where company_id = $1 and work_date >= $2 and work_date < $3
           order by work_date, citizen_name, entry_id""",
        company_id,
        start,
        end,
    )
    return [InvoiceLine(**dict(r)) for r in rows]


async def count_pending_entries(conn: asyncpg.Connection, company_id: UUID, start: date, end: date) -> int:
    """Approved entries of the period not accrued yet (placement or terms still unknown)."""
    count = await conn.fetchval(
        """select count(*) from approved_entries
           where company_id = $1 and work_date >= $2 and work_date < $3 and accrued_at is null""",
        company_id,
        start,
        end,
    )
    return int(count)
