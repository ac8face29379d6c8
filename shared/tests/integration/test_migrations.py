from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from vikar_shared.migrations import MigrationError, migrate
from vikar_shared.testing.plugin import StackSettings


@pytest.fixture
async def empty_dsn(postgres: StackSettings) -> AsyncIterator[str]:
    name = f"t_migr_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(postgres.dsn_for("postgres"))
    await admin.execute(f'create database "{name}"')
    try:
        yield postgres.dsn_for(name)
    finally:
        await admin.execute(f'drop database "{name}" with (force)')
        await admin.close()


async def test_migrations_apply_once_in_name_order_and_refuse_edited_files(empty_dsn: str, tmp_path: Path) -> None:
    (tmp_path / "20260101_02_b.sql").write_text("alter table a add column b int;")
    (tmp_path / "20260101_01_a.sql").write_text("create table a (id int);")
    first = await migrate(empty_dsn, [tmp_path])
    # The shared tables come along, and everything runs in name order.
    assert first == [
        "20260101_01_a.sql",
        "20260101_02_b.sql",
        "20261127_00_outbox_inbox.sql",
        "20261130_01_idempotency_keys.sql",
        "20261130_02_citizen_aliases.sql",
        "20261130_95_ended_page_sessions.sql",
        "20261216_00_scheduled_runs.sql",
    ]
    assert await migrate(empty_dsn, [tmp_path]) == []

    (tmp_path / "20260101_02_b.sql").write_text("alter table a add column b bigint;")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await migrate(empty_dsn, [tmp_path])


async def test_a_failing_migration_leaves_nothing_half_applied(empty_dsn: str, tmp_path: Path) -> None:
    (tmp_path / "20260101_01_bad.sql").write_text("create table c (id int); select 1/0;")
    with pytest.raises(asyncpg.DivisionByZeroError):
        await migrate(empty_dsn, [tmp_path])
    conn = await asyncpg.connect(empty_dsn)
    try:
        assert await conn.fetchval("select to_regclass('c')") is None
        assert await conn.fetchval("select count(*) from schema_migrations where name = '20260101_01_bad.sql'") == 0
    finally:
        await conn.close()
