"""Migration 20261130_01 on a database that already holds a day twice (possible before it): the keeper
stays, a duplicate still submitted is rejected with a reason naming the keeper (and a history row), an
approved duplicate is kept as it is but marked ``duplicate_of`` (it may be invoiced already), and then
the unique index holds."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

import asyncpg
import pytest

from timesheet.app import MIGRATIONS
from vikar_shared.testing.plugin import DatabaseBefore

MIGRATION = "20261130_01_one_live_entry_per_day.sql"
DAY = date(2026, 11, 5)


async def _entry(
    conn: asyncpg.Connection, placement: dict[str, uuid.UUID], status: str, at: str, minutes: int = 240
) -> uuid.UUID:
    entry_id = uuid.uuid4()
    decided = status != "submitted"
    await conn.execute(
        """insert into entries (id, submission_id, placement_id, company_id, citizen_id, work_date, minutes, status,
                                submitted_by, submitted_at, decided_by, decided_at, rejection_reason,
                                bill_rate_ore_per_hour)
           values ($1, $2, $3, $4, $5, $6, $7, $8, 'anna', $9::text::timestamptz, $10, $11::text::timestamptz, $12, 15500)""",
        entry_id,
        uuid.uuid4(),
        placement["placement_id"],
        placement["company_id"],
        placement["citizen_id"],
        DAY,
        minutes,
        status,
        at,
        "bo" if decided else None,
        at if decided else None,
        "wrong" if status == "rejected" else None,
    )
    return entry_id


async def test_existing_duplicates_are_settled_and_the_index_then_holds(
    database_before: Callable[[str, Path, str], Awaitable[DatabaseBefore]],
) -> None:
    db = await database_before("timesheet", MIGRATIONS, MIGRATION)
    dsn = db.dsn
    conn = await asyncpg.connect(dsn)
    try:
        placement = {"placement_id": uuid.uuid4(), "company_id": uuid.uuid4(), "citizen_id": uuid.uuid4()}
        await conn.execute(
            """insert into placements (placement_id, company_id, citizen_id, citizen_name, start_date,
                                       bill_rate_ore_per_hour)
               values ($1, $2, $3, 'Ida', '2026-11-01', 15500)""",
            *placement.values(),
        )
        # Twice submitted (a double click), approved twice (both approvable, both approved), one rejected.
        first_approved = await _entry(conn, placement, "approved", "2026-11-06 10:00")
        second_approved = await _entry(conn, placement, "approved", "2026-11-06 11:00")
        pending = [await _entry(conn, placement, "submitted", f"2026-11-06 12:0{i}") for i in range(2)]
        rejected = await _entry(conn, placement, "rejected", "2026-11-06 09:00")
        assert await db.apply() == [MIGRATION]

        rows = {r["id"]: r for r in await conn.fetch("select * from entries")}
        assert (rows[first_approved]["status"], rows[first_approved]["duplicate_of"]) == ("approved", None)
        assert (rows[second_approved]["status"], rows[second_approved]["duplicate_of"]) == (
            "approved",
            first_approved,
        )
        for entry_id in pending:
            row = rows[entry_id]
            assert (row["status"], row["version"], row["decided_by"]) == ("rejected", 2, "migration:20261130_01")
            assert str(first_approved) in row["rejection_reason"]
        assert (rows[rejected]["status"], rows[rejected]["rejection_reason"]) == ("rejected", "wrong")
        history = await conn.fetch("select entry_id, action, reason from entry_history where actor like 'migration:%'")
        assert sorted(r["entry_id"] for r in history) == sorted(pending)
        assert {r["action"] for r in history} == {"rejected"}
        with pytest.raises(asyncpg.UniqueViolationError):
            await _entry(conn, placement, "submitted", "2026-11-07 08:00")
    finally:
        await conn.close()
