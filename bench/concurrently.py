"""What the benches share: a fresh migrated invoicing database with a pool, and one ``work(item)`` per item on
``workers`` concurrent workers, timed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import TypeVar

import asyncpg

from invoicing.app import MIGRATIONS
from vikar_shared.db import create_pool
from vikar_shared.testing.plugin import StackSettings, clone_database, drop_database

T = TypeVar("T")


async def timed_concurrently(items: Iterable[T], workers: int, work: Callable[[T], Awaitable[object]]) -> float:
    """Seconds (wall clock) ``workers`` workers took to run ``work`` once for every item of ``items``."""
    queue: asyncio.Queue[T] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def worker() -> None:
        while not queue.empty():
            await work(queue.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return time.perf_counter() - started


@asynccontextmanager
async def invoicing_database(
    stack: StackSettings, *, min_size: int, max_size: int, keep: bool
) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a fresh invoicing database cloned from the migrated template; on leaving, the pool closes and the
    database is dropped, or kept (its DSN printed) when ``keep`` (for profiling its queries afterwards)."""
    dsn = await clone_database(stack, "invoicing", MIGRATIONS)
    pool = await create_pool(dsn, min_size=min_size, max_size=max_size)
    try:
        yield pool
    finally:
        await pool.close()
        if keep:
            print(f"database kept: {dsn}")
        else:
            await drop_database(stack, dsn)
