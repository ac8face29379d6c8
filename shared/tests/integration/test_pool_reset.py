"""The services' pool hands a connection back without asyncpg's reset query (issue 8, bench/api): what a
request leaves behind is transaction-scoped and ends with it, and a transaction left open is rolled back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from vikar_shared.db import create_pool, transaction

MIGRATIONS = Path(__file__).parent / "migrations"


@pytest.fixture
async def pool(make_database: Callable[[str, Path], Awaitable[str]]) -> AsyncIterator[asyncpg.Pool]:
    """One connection, so every acquire gets the one the last release handed back."""
    opened = await create_pool(await make_database("shared_it", MIGRATIONS), min_size=1, max_size=1)
    yield opened
    await opened.close()


async def _advisory_locks(conn: asyncpg.Connection) -> int:
    count: int = await conn.fetchval(
        "select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()"
    )
    return count


async def test_transaction_scoped_state_ends_with_the_transaction(pool: asyncpg.Pool) -> None:
    async with transaction(pool) as conn:
        backend = await conn.fetchval("select pg_backend_pid()")
        await conn.execute("select pg_advisory_xact_lock(42)")
        await conn.execute("set local statement_timeout = '1234ms'")
        assert await _advisory_locks(conn) == 1
    async with pool.acquire() as conn:
        assert await conn.fetchval("select pg_backend_pid()") == backend  # the same connection again
        assert await _advisory_locks(conn) == 0
        assert await conn.fetchval("show statement_timeout") == "0"


async def test_a_transaction_left_open_is_rolled_back_on_release(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("create table leftover (id int)")
        await conn.execute("begin")
        await conn.execute("insert into leftover values (1)")
        await conn.execute("select pg_advisory_xact_lock(7)")
    async with pool.acquire() as conn:
        assert not conn.is_in_transaction()
        assert await conn.fetchval("select count(*) from leftover") == 0
        assert await _advisory_locks(conn) == 0


async def test_a_failed_transaction_leaves_the_connection_usable(pool: asyncpg.Pool) -> None:
    async def fails() -> None:
        async with transaction(pool) as conn:
            await conn.execute("select pg_advisory_xact_lock(9)")
            await conn.execute("select 1 / 0")

    with pytest.raises(asyncpg.DivisionByZeroError):
        await fails()
    async with transaction(pool) as conn:
        assert await conn.fetchval("select 41 + 1") == 42
        assert await _advisory_locks(conn) == 0


async def test_release_sends_nothing_to_the_database(pool: asyncpg.Pool) -> None:
    """No reset query on the request's path (asyncpg's default sends one on every release)."""
    sent: list[str] = []
    async with pool.acquire() as conn:
        conn.add_query_logger(lambda record: sent.append(record.query))
        async with conn.transaction():
            await conn.fetchval("select 1")
    assert [q.strip().lower().rstrip(";") for q in sent] == ["begin", "select 1", "commit"]
