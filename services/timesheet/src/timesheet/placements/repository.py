"""SQL of the placements read model."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from timesheet.placements.models import Placement


async def upsert_placement(conn: asyncpg.Connection, placement: Placement) -> None:
    # Events of one placement arrive in order (keyed by placement id), so the latest write wins.
    await conn.execute(
        """insert into placements
               (placement_id, company_id, citizen_id, citizen_name, start_date, end_date, bill_rate_ore_per_hour)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict (placement_id) do update set
               company_id = excluded.company_id,
               citizen_id = excluded.citizen_id,
               citizen_name = excluded.citizen_name,
               start_date = excluded.start_date,
               end_date = excluded.end_date,
               bill_rate_ore_per_hour = excluded.bill_rate_ore_per_hour,
               updated_at = now()""",
        placement.placement_id,
        placement.company_id,
        placement.citizen_id,
        placement.citizen_name,
        placement.start_date,
        placement.end_date,
        placement.bill_rate_ore_per_hour,
    )


async def get_placement(conn: asyncpg.Connection, placement_id: UUID) -> Placement | None:
    row = await conn.fetchrow(
        """select placement_id, company_id, citizen_id, citizen_name, start_date, end_date, bill_rate_ore_per_hour
           from placements where placement_id = $1""",
        placement_id,
    )
    return None if row is None else Placement(**dict(row))
