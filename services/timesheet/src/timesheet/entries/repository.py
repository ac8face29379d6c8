"""All SQL on hour entries."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from timesheet.entries.models import Entry, EntryStatus, ProposedEntry

# citizen_name comes from the read model, so a renamed citizen shows the current name everywhere.
_ENTRY_COLUMNS = """e.id, e.submission_id, e.placement_id, e.company_id, p.citizen_name, e.work_date, e.minutes,
                    e.status, e.version, e.submitted_by, e.submitted_at, e.decided_by, e.decided_at,
                    e.rejection_reason"""


def _entry(row: asyncpg.Record) -> Entry:
    values = dict(row)
    values["status"] = EntryStatus(values["status"])
    return Entry(**values)


async def insert_submitted(
    conn: asyncpg.Connection,
    *,
    submission_id: UUID,
    placement_id: UUID,
    company_id: UUID,
    submitted_by: str,
    entries: Sequence[tuple[UUID, ProposedEntry]],
) -> list[Entry]:
    """Inserts one submission's entries in one statement; returned in the order given."""
    rows = await conn.fetch(
        f"""with inserted as (
                insert into entries (id, submission_id, placement_id, company_id, work_date, minutes, status,
                                     submitted_by)
                select i.id, $1, $2, $3, i.work_date, i.minutes, 'submitted', $4
                from unnest($5::uuid[], $6::date[], $7::int[]) as i (id, work_date, minutes)
                returning *
            )
            select {_ENTRY_COLUMNS} from inserted e join placements p using (placement_id)""",
        submission_id,
        placement_id,
        company_id,
        submitted_by,
        [entry_id for entry_id, _ in entries],
        [e.work_date for _, e in entries],
        [e.minutes for _, e in entries],
    )
    by_id = {row["id"]: _entry(row) for row in rows}
    return [by_id[entry_id] for entry_id, _ in entries]


async def get_entry(conn: asyncpg.Connection, entry_id: UUID) -> Entry | None:
    row = await conn.fetchrow(
        f"select {_ENTRY_COLUMNS} from entries e join placements p using (placement_id) where e.id = $1",
        entry_id,
    )
    return None if row is None else _entry(row)


async def list_company_entries(conn: asyncpg.Connection, company_id: UUID, status: EntryStatus | None) -> list[Entry]:
    rows = await conn.fetch(
        f"""select {_ENTRY_COLUMNS} from entries e join placements p using (placement_id)
            where e.company_id = $1 and ($2::text is null or e.status = $2)
            order by e.work_date, p.citizen_name, e.id""",
        company_id,
        None if status is None else status.value,
    )
    return [_entry(row) for row in rows]


async def decide(
    conn: asyncpg.Connection,
    entry_id: UUID,
    *,
    status: EntryStatus,
    decided_by: str,
    expected_version: int | None,
    rejection_reason: str | None = None,
) -> Entry | None:
    """Moves a submitted entry to ``status``; None if it is no longer submitted (or not at the version).

    The status condition is re-checked under the row lock, so of two concurrent decisions exactly
    one finds the row."""
    row = await conn.fetchrow(
        f"""with decided as (
                update entries
                set status = $2, version = version + 1, decided_by = $3, decided_at = now(), rejection_reason = $4
                where id = $1 and status = 'submitted' and ($5::int is null or version = $5)
                returning *
            )
            select {_ENTRY_COLUMNS} from decided e join placements p using (placement_id)""",
        entry_id,
        status.value,
        decided_by,
        rejection_reason,
        expected_version,
    )
    return None if row is None else _entry(row)
