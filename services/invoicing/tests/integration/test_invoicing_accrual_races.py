"""Concurrent consumers: an approval and the placement (or terms) it waits for, in overlapping transactions.

Without the advisory locks each transaction would miss the other's uncommitted row and the entry
would stay pending forever."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from invoicing.accruals import service
from invoicing.app import MIGRATIONS
from vikar_shared.db import create_pool

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
BAGER = uuid.UUID("00000000-0000-4000-8000-0000000000c1")


@pytest.fixture
async def pool(make_database: Callable[[str, Path], Awaitable[str]]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(await make_database("invoicing", MIGRATIONS), max_size=4)
    yield pool
    await pool.close()


async def _accrued(pool: asyncpg.Pool) -> tuple[int, int]:
    row = await pool.fetchrow(
        "select (select count(*) from billable_lines) b, (select count(*) from co_financing_lines) c"
    )
    return row["b"], row["c"]


async def _race(
    pool: asyncpg.Pool, first: Callable[[Any], Awaitable[None]], second: Callable[[Any], Awaitable[None]]
) -> None:
    """Runs ``first`` in an open transaction, starts ``second`` meanwhile, then commits ``first``."""
    async with pool.acquire() as conn1:
        tx1 = conn1.transaction()
        await tx1.start()
        await first(conn1)

        async def run_second() -> None:
            async with pool.acquire() as conn2, conn2.transaction():
                await second(conn2)

        racer = asyncio.create_task(run_second())
        await asyncio.sleep(0.5)
        assert not racer.done(), "the second transaction must wait for the first"
        await tx1.commit()
    await asyncio.wait_for(racer, timeout=10)


async def test_placement_committing_while_its_approval_is_in_flight_still_accrues_it(
    pool: asyncpg.Pool, build: Any
) -> None:
    anna = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999)
    async with pool.acquire() as conn:
        await service.record_terms(conn, uuid.uuid4(), build.terms(AALBORG, date(2026, 1, 1), 10_000))
    entry = build.approval(anna, date(2026, 11, 14), 45)

    await _race(
        pool,
        lambda conn: service.record_approval(conn, uuid.uuid4(), entry),
        lambda conn: service.record_placement(conn, uuid.uuid4(), anna),
    )
    assert await _accrued(pool) == (1, 1)


async def test_terms_committing_while_an_eligible_approval_is_in_flight_still_accrue_it(
    pool: asyncpg.Pool, build: Any
) -> None:
    anna = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999)
    async with pool.acquire() as conn:
        await service.record_placement(conn, uuid.uuid4(), anna)
    entry = build.approval(anna, date(2026, 11, 14), 45)

    await _race(
        pool,
        lambda conn: service.record_approval(conn, uuid.uuid4(), entry),
        lambda conn: service.record_terms(conn, uuid.uuid4(), build.terms(AALBORG, date(2026, 1, 1), 10_000)),
    )
    assert await _accrued(pool) == (1, 1)


async def test_approval_arriving_while_terms_are_being_recorded_waits_and_uses_them(
    pool: asyncpg.Pool, build: Any
) -> None:
    anna = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999)
    async with pool.acquire() as conn:
        await service.record_placement(conn, uuid.uuid4(), anna)
    entry = build.approval(anna, date(2026, 11, 14), 45)

    await _race(
        pool,
        lambda conn: service.record_terms(conn, uuid.uuid4(), build.terms(AALBORG, date(2026, 1, 1), 10_000)),
        lambda conn: service.record_approval(conn, uuid.uuid4(), entry),
    )
    assert await _accrued(pool) == (1, 1)
