from __future__ import annotations

from uuid import UUID

import asyncpg

from placement.placements.schemas import PlacementOut


async def insert_placement(conn: asyncpg.Connection, p: PlacementOut, actor: str) -> None:
    await conn.execute(
        """insert into placements (id, referral_id, citizen_id, company_id, start_date, end_date,
                                   bill_rate_ore_per_hour, created_by)
           values ($1, $2, $3, $4, $5, $6, $7, $8)""",
        p.id,
        p.referral_id,
        p.citizen_id,
        p.company_id,
        p.start_date,
        p.end_date,
        p.bill_rate_ore_per_hour,
        actor,
    )


async def get_placement(conn: asyncpg.Connection, placement_id: UUID) -> PlacementOut | None:
    row = await conn.fetchrow(
        """select p.id, p.referral_id, p.citizen_id, c.name as citizen_name, p.company_id, r.municipality_id,
                  p.start_date, p.end_date, p.bill_rate_ore_per_hour, r.eligible as co_financing_eligible
           from placements p join referrals r on r.id = p.referral_id join citizens c on c.id = p.citizen_id
           where p.id = $1""",
        placement_id,
    )
    return PlacementOut(**dict(row)) if row else None
