"""What the benches share: one ``work(item)`` per item on ``workers`` concurrent workers, timed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

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
