"""SQL of the placements read model: placements, their status and their rate versions.

Every write is guarded by the occurred_at of the event behind it, so a replayed older event (a dead
letter) never overwrites what a newer one said."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

import asyncpg

from timesheet.placements.models import Placement, RateVersion

# Status and dates are taken from the placement event only if no newer event has set them already.
_NEWER = "(placements.status_as_of is null or placements.status_as_of <= excluded.status_as_of)"


async def upsert_created(conn: asyncpg.Connection, placement: Placement, *, as_of: datetime) -> None:
    await conn.execute(
        f"""insert into placements
               (placement_id, company_id, citizen_id, citizen_name, start_date, end_date, bill_rate_ore_per_hour,
                status, status_as_of)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           on conflict (placement_id) do update set
               company_id = excluded.company_id,
               citizen_id = excluded.citizen_id,
               citizen_name = excluded.citizen_name,
               bill_rate_ore_per_hour = excluded.bill_rate_ore_per_hour,
               start_date = case when {_NEWER} then excluded.start_date else placements.start_date end,
               end_date = case when {_NEWER} then excluded.end_date else placements.end_date end,
               status = case when {_NEWER} then excluded.status else placements.status end,
               status_as_of = case when {_NEWER} then excluded.status_as_of else placements.status_as_of end,
               updated_at = now()""",
        placement.placement_id,
        placement.company_id,
        placement.citizen_id,
        placement.citizen_name,
        placement.start_date,
        placement.end_date,
        placement.bill_rate_ore_per_hour,
        placement.status,
        as_of,
    )


async def apply_status(
    conn: asyncpg.Connection,
    *,
    placement_id: UUID,
    company_id: UUID,
    citizen_id: UUID,
    status: str,
    start_date: date,
    end_date: date | None,
    as_of: datetime,
) -> None:
    """Sets status and dates; creates a nameless row if the placement itself has not arrived yet."""
    await conn.execute(
        f"""insert into placements (placement_id, company_id, citizen_id, start_date, end_date, status, status_as_of)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict (placement_id) do update set
               company_id = excluded.company_id,
               citizen_id = excluded.citizen_id,
               start_date = excluded.start_date,
               end_date = excluded.end_date,
               status = excluded.status,
               status_as_of = excluded.status_as_of,
               updated_at = now()
           where {_NEWER}""",
        placement_id,
        company_id,
        citizen_id,
        start_date,
        end_date,
        status,
        as_of,
    )


async def replace_rates(
    conn: asyncpg.Connection, placement_id: UUID, versions: Sequence[RateVersion], *, as_of: datetime
) -> bool:
    """Replaces all rate versions of the placement unless a newer event already did; True if replaced."""
    claimed = await conn.fetchval(
        """insert into placement_rate_sets (placement_id, as_of) values ($1, $2)
           on conflict (placement_id) do update set as_of = excluded.as_of
           where placement_rate_sets.as_of <= excluded.as_of
           returning true""",
        placement_id,
        as_of,
    )
    if not claimed:
        return False
    await conn.execute("delete from placement_rates where placement_id = $1", placement_id)
    await conn.execute(
        """insert into placement_rates (placement_id, effective_from, bill_rate_ore_per_hour, wage_rate_ore_per_hour)
           select $1, v.effective_from, v.bill_rate, v.wage_rate
           from unnest($2::date[], $3::bigint[], $4::bigint[]) as v (effective_from, bill_rate, wage_rate)""",
        placement_id,
        [v.effective_from for v in versions],
        [v.bill_rate_ore_per_hour for v in versions],
        [v.wage_rate_ore_per_hour for v in versions],
    )
    return True


async def get_placement(conn: asyncpg.Connection, placement_id: UUID) -> Placement | None:
    """The placement, if PlacementCreated has arrived (a row made by a status change alone is not enough)."""
    row = await conn.fetchrow(
        """select placement_id, company_id, citizen_id, citizen_name, start_date, end_date, bill_rate_ore_per_hour,
                  status
           from placements where placement_id = $1 and citizen_name is not null""",
        placement_id,
    )
    return None if row is None else Placement(**dict(row))


async def rate_versions(conn: asyncpg.Connection, placement_id: UUID) -> list[RateVersion]:
    rows = await conn.fetch(
        """select effective_from, bill_rate_ore_per_hour, wage_rate_ore_per_hour from placement_rates
           where placement_id = $1 order by effective_from""",
        placement_id,
    )
    return [RateVersion(**dict(row)) for row in rows]
