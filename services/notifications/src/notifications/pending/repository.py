"""All SQL of the pending-hours read model."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

import asyncpg

from notifications.pending.models import PendingEntry, PlacementHours

_COLUMNS = """entry_id, submission_id, company_id, placement_id, citizen_name, work_date, minutes, corrects_entry_id,
              submitted_at, changed_at, version"""


async def insert_pending(conn: asyncpg.Connection, entries: Sequence[PendingEntry]) -> None:
    """Adds submitted entries; one known already (a redelivered submission) keeps its row."""
    await conn.executemany(
        f"""insert into pending_entries ({_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            on conflict (entry_id) do nothing""",
        [
            (
                e.entry_id,
                e.submission_id,
                e.company_id,
                e.placement_id,
                e.citizen_name,
                e.work_date,
                e.minutes,
                e.corrects_entry_id,
                e.submitted_at,
                e.changed_at,
                e.version,
            )
            for e in entries
        ],
    )


async def change_pending(
    conn: asyncpg.Connection, entry_id: uuid.UUID, work_date: date, minutes: int, changed_at: datetime, version: int
) -> bool:
    status = await conn.execute(
        "update pending_entries set work_date = $2, minutes = $3, changed_at = $4, version = $5 where entry_id = $1",
        entry_id,
        work_date,
        minutes,
        changed_at,
        version,
    )
    return bool(status == "UPDATE 1")


async def remove_pending(conn: asyncpg.Connection, entry_id: uuid.UUID) -> bool:
    return bool(await conn.execute("delete from pending_entries where entry_id = $1", entry_id) == "DELETE 1")


async def record_placement_hours(
    conn: asyncpg.Connection, placement_id: uuid.UUID, company_id: uuid.UUID, last_work_date: date, at: datetime
) -> None:
    await conn.execute(
        """insert into placement_hours (placement_id, company_id, last_work_date, last_submitted_at)
           values ($1, $2, $3, $4)
           on conflict (placement_id) do update set
               last_work_date = greatest(placement_hours.last_work_date, excluded.last_work_date),
               last_submitted_at = greatest(placement_hours.last_submitted_at, excluded.last_submitted_at)""",
        placement_id,
        company_id,
        last_work_date,
        at,
    )


async def pending_entries(
    conn: asyncpg.Connection,
    *,
    company_id: uuid.UUID | None = None,
    placement_ids: Sequence[uuid.UUID] | None = None,
    submitted_before: datetime | None = None,
) -> list[PendingEntry]:
    rows = await conn.fetch(
        f"""select {_COLUMNS} from pending_entries
            where ($1::uuid is null or company_id = $1)
              and ($2::uuid[] is null or placement_id = any($2::uuid[]))
              and ($3::timestamptz is null or submitted_at <= $3)
            order by company_id, submitted_at, citizen_name, work_date, entry_id""",
        company_id,
        None if placement_ids is None else list(placement_ids),
        submitted_before,
    )
    return [PendingEntry(**dict(r)) for r in rows]


async def companies_with_pending(conn: asyncpg.Connection) -> list[uuid.UUID]:
    rows = await conn.fetch("select distinct company_id from pending_entries order by company_id")
    return [r["company_id"] for r in rows]


async def placement_hours(
    conn: asyncpg.Connection, placement_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, PlacementHours]:
    rows = await conn.fetch(
        """select placement_id, company_id, last_work_date, last_submitted_at from placement_hours
           where placement_id = any($1::uuid[])""",
        list(placement_ids),
    )
    return {r["placement_id"]: PlacementHours(**dict(r)) for r in rows}
