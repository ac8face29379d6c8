"""Migration 20261130_80 on a database that already holds a municipality name twice in different letter
case or Unicode form (possible before it): the first registered keeps the name, each later one is kept
with its terms but marked ``duplicate_of`` the first and audited, and then the unique name key holds."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from placement.app import MIGRATIONS
from vikar_shared.testing.plugin import DatabaseBefore

MIGRATION = "20261130_80_municipality_name_key.sql"


async def test_existing_case_variants_are_marked_and_the_name_key_then_holds(
    database_before: Callable[[str, Path, str], Awaitable[DatabaseBefore]],
) -> None:
    db = await database_before("placement", MIGRATIONS, MIGRATION)
    dsn = db.dsn
    conn = await asyncpg.connect(dsn)
    try:
        ids = {name: uuid.uuid4() for name in ("Aalborg", "aalborg", "Ａａｌｂｏｒｇ", "Aarhus")}
        for at, (name, mid) in enumerate(ids.items()):
            await conn.execute(
                "insert into municipalities (id, name, created_by, created_at) values ($1, $2, 'anna', $3::text::timestamptz)",
                mid,
                name,
                f"2026-01-0{at + 1} 10:00+00",
            )
        assert await db.apply() == [MIGRATION]

        rows = {r["name"]: r for r in await conn.fetch("select * from municipalities")}
        assert len(rows) == 4  # nothing deleted
        assert rows["Aalborg"]["duplicate_of"] is None and rows["Aarhus"]["duplicate_of"] is None
        assert rows["aalborg"]["duplicate_of"] == ids["Aalborg"]
        assert rows["Ａａｌｂｏｒｇ"]["duplicate_of"] == ids["Aalborg"]
        audited = await conn.fetch("select actor, action, subject, details from audit_log order by subject")
        assert sorted(r["subject"] for r in audited) == sorted([str(ids["aalborg"]), str(ids["Ａａｌｂｏｒｇ"])])
        assert {(r["actor"], r["action"]) for r in audited} == {
            ("migration:20261130_80", "municipality.marked_duplicate")
        }
        with pytest.raises(asyncpg.UniqueViolationError):
            await conn.execute(
                "insert into municipalities (id, name, created_by) values ($1, 'AALBORG', 'x')", uuid.uuid4()
            )
    finally:
        await conn.close()
