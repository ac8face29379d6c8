from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from placement.placements.models import Placement, RateVersion, StatusChangeRecorded

_COLUMNS = """p.id, p.referral_id, p.citizen_id, c.name as citizen_name, p.company_id, r.municipality_id,
              r.eligible as co_financing_eligible, p.start_date, p.end_date, p.status, p.end_reason,
              p.consultant_id, p.opening_id, p.hours_per_week_minutes"""


async def insert_placement(conn: asyncpg.Connection, p: Placement, first: RateVersion, actor: str) -> UUID | None:
    """None when inserted; else the citizen's overlapping placement at the company (exclusion constraint),
    found after the savepoint the insert ran in was rolled back."""
    try:
        async with conn.transaction():
            await conn.execute(
                """insert into placements (id, referral_id, citizen_id, company_id, start_date, end_date,
                                       bill_rate_ore_per_hour, created_by, status, consultant_id, opening_id,
                                       hours_per_week_minutes)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""",
                p.id,
                p.referral_id,
                p.citizen_id,
                p.company_id,
                p.start_date,
                p.end_date,
                first.bill_rate_ore_per_hour,
                actor,
                p.status,
                p.consultant_id,
                p.opening_id,
                p.hours_per_week_minutes,
            )
    except asyncpg.ExclusionViolationError:
        overlapping: UUID = await conn.fetchval(
            """select id from placements
               where citizen_id = $1 and company_id = $2
                 and daterange(start_date, end_date, '[]') && daterange($3, $4, '[]')
               order by start_date limit 1""",
            p.citizen_id,
            p.company_id,
            p.start_date,
            p.end_date,
        )
        return overlapping
    await save_rate(conn, p.id, first, actor)
    return None


async def get_placement(conn: asyncpg.Connection, placement_id: UUID, *, lock: bool = False) -> Placement | None:
    # FOR UPDATE serialises changes to one placement, so its events leave in order.
    row = await conn.fetchrow(
        f"""select {_COLUMNS}
            from placements p join referrals r on r.id = p.referral_id join citizens c on c.id = p.citizen_id
            where p.id = $1"""
        + (" for update of p" if lock else ""),
        placement_id,
    )
    return Placement(**dict(row)) if row else None


async def active_placements_of(conn: asyncpg.Connection, consultant_id: str) -> list[Placement]:
    """The consultant's active placements."""
    rows = await conn.fetch(
        f"""select {_COLUMNS}
            from placements p join referrals r on r.id = p.referral_id join citizens c on c.id = p.citizen_id
            where p.consultant_id = $1 and p.status = 'active'""",
        consultant_id,
    )
    return [Placement(**dict(r)) for r in rows]


async def placement_citizen(conn: asyncpg.Connection, placement_id: UUID) -> UUID | None:
    found: UUID | None = await conn.fetchval("select citizen_id from placements where id = $1", placement_id)
    return found


async def status_changes_recorded(conn: asyncpg.Connection, citizen_id: UUID) -> list[StatusChangeRecorded]:
    """Every status change of the citizen's placements (unordered)."""
    rows = await conn.fetch(
        """select s.placement_id, p.company_id, r.municipality_id, s.status, s.end_reason,
                  s.occurred_on, s.changed_at as recorded_at
           from placement_status_changes s
           join placements p on p.id = s.placement_id join referrals r on r.id = p.referral_id
           where p.citizen_id = $1""",
        citizen_id,
    )
    return [StatusChangeRecorded(**dict(r)) for r in rows]


async def list_rates(conn: asyncpg.Connection, placement_id: UUID) -> list[RateVersion]:
    rows = await conn.fetch(
        """select effective_from, bill_rate_ore_per_hour, wage_rate_ore_per_hour from placement_rates
           where placement_id = $1 order by effective_from""",
        placement_id,
    )
    return [RateVersion(**dict(r)) for r in rows]


async def save_rate(conn: asyncpg.Connection, placement_id: UUID, version: RateVersion, actor: str) -> None:
    """Adds the version, or replaces the one with the same effective_from."""
    await conn.execute(
        """insert into placement_rates (placement_id, effective_from, bill_rate_ore_per_hour, wage_rate_ore_per_hour,
                                        created_by)
           values ($1, $2, $3, $4, $5)
           on conflict (placement_id, effective_from) do update
              set bill_rate_ore_per_hour = excluded.bill_rate_ore_per_hour,
                  wage_rate_ore_per_hour = excluded.wage_rate_ore_per_hour,
                  created_by = excluded.created_by, created_at = now()""",
        placement_id,
        version.effective_from,
        version.bill_rate_ore_per_hour,
        version.wage_rate_ore_per_hour,
        actor,
    )
    # placements.bill_rate_ore_per_hour mirrors the version that starts on the start date.
    await conn.execute(
        "update placements set bill_rate_ore_per_hour = $3 where id = $1 and start_date = $2",
        placement_id,
        version.effective_from,
        version.bill_rate_ore_per_hour,
    )


async def set_status(
    conn: asyncpg.Connection,
    placement_id: UUID,
    status: str,
    end_date: date | None,
    end_reason: str | None,
) -> bool:
    """False when a new end date would overlap another placement of the citizen at the company."""
    try:
        await conn.execute(
            "update placements set status = $2, end_date = $3, end_reason = $4 where id = $1",
            placement_id,
            status,
            end_date,
            end_reason,
        )
    except asyncpg.ExclusionViolationError:
        return False
    return True


async def insert_status_change(
    conn: asyncpg.Connection, placement_id: UUID, status: str, on: date, end_reason: str | None, actor: str
) -> None:
    await conn.execute(
        """insert into placement_status_changes (placement_id, status, occurred_on, end_reason, changed_by)
           values ($1, $2, $3, $4, $5)""",
        placement_id,
        status,
        on,
        end_reason,
        actor,
    )


# --- Issue 13 (part A): wage rates of placements created before invoicing stored them --------------------------
async def wage_rates_unannounced(conn: asyncpg.Connection) -> list[UUID]:
    """Placements listed by migration 20261215_10 whose rates were not republished yet, locked for the caller
    (a replica running the same step waits, then finds them announced)."""
    rows = await conn.fetch(
        """select placement_id from wage_rates_announcements where announced_at is null
           order by placement_id for update"""
    )
    return [r["placement_id"] for r in rows]


async def mark_wage_rates_announced(conn: asyncpg.Connection, placement_ids: list[UUID]) -> None:
    await conn.execute(
        """update wage_rates_announcements set announced_at = now()
           where placement_id = any ($1::uuid[]) and announced_at is null""",
        placement_ids,
    )


# --- Issue 14 (fix): placements created before notifications kept its directory ----------------------------------
async def directory_unannounced(conn: asyncpg.Connection) -> list[UUID]:
    """Placements listed by migration 20261216_40 not republished yet, locked for the caller (a replica running
    the same step waits, then finds them announced)."""
    rows = await conn.fetch(
        """select placement_id from placement_directory_announcements where announced_at is null
           order by placement_id for update"""
    )
    return [r["placement_id"] for r in rows]


async def mark_directory_announced(conn: asyncpg.Connection, placement_ids: list[UUID]) -> None:
    await conn.execute(
        "update placement_directory_announcements set announced_at = now() where placement_id = any ($1::uuid[])",
        placement_ids,
    )
