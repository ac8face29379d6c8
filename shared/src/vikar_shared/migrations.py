"""Forward-only SQL migrations with a checksum per applied file.

Files are plain SQL named ``YYYYMMDD_NN_slug.sql`` and applied in name order, each in its own
transaction. An applied file whose content changed is an error, never silently re-run.

Callers may race (replicas starting together, the migrate Job beside an ``all`` process): ``migrate``
holds a PostgreSQL advisory lock (per database) while it reads and applies, so each file is applied
exactly once and the others wait, then find it applied (``shared/tests/integration/test_runtime_roles.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import asyncpg

_LOCK_KEY = 0x76696B6172  # "vikar": one migrator per database at a time


class MigrationError(RuntimeError):
    pass


def _checksum(sql: str) -> str:
    return hashlib.sha256(sql.encode()).hexdigest()


SHARED_MIGRATIONS = Path(__file__).parent / "sql"


async def migrate(dsn: str, directories: Sequence[Path]) -> list[str]:
    """Applies pending migrations from the shared folder and ``directories``; returns those applied now."""
    files = sorted((p for d in (SHARED_MIGRATIONS, *directories) for p in d.glob("*.sql")), key=lambda p: p.name)
    conn = await asyncpg.connect(dsn)
    applied_now: list[str] = []
    try:
        await conn.execute("select pg_advisory_lock($1)", _LOCK_KEY)
        await conn.execute(
            """create table if not exists schema_migrations (
                 name text primary key,
                 checksum text not null,
                 applied_at timestamptz not null default now())"""
        )
        applied = {r["name"]: r["checksum"] for r in await conn.fetch("select name, checksum from schema_migrations")}
        known = {p.name for p in files}
        missing = sorted(set(applied) - known)
        if missing:
            raise MigrationError(f"applied migrations missing from {list(directories)}: {missing}")
        for path in files:
            sql = path.read_text()
            checksum = _checksum(sql)
            if path.name in applied:
                if applied[path.name] != checksum:
                    raise MigrationError(
                        f"migration {path.name} changed after it was applied (forward-only: add a new file)"
                    )
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(
                    "insert into schema_migrations (name, checksum) values ($1, $2)", path.name, checksum
                )
            applied_now.append(path.name)
    finally:
        await conn.execute("select pg_advisory_unlock($1)", _LOCK_KEY)
        await conn.close()
    return applied_now
