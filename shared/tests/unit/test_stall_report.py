"""The stall report names where a suspended task waits, innermost last (Task.get_stack gives only the outer frame)."""

from __future__ import annotations

import asyncio

from vikar_shared.testing.stall import await_chain


async def _inner(event: asyncio.Event) -> None:
    await event.wait()


async def _outer(event: asyncio.Event) -> None:
    await _inner(event)


async def test_await_chain_names_every_coroutine_down_to_the_innermost_wait() -> None:
    event = asyncio.Event()
    task = asyncio.create_task(_outer(event), name="waiter")
    await asyncio.sleep(0)
    chain = await_chain(task)
    event.set()
    await task
    steps = chain.split(" > ")
    assert [s.split(":")[1] for s in steps[:3]] == ["_outer", "_inner", "wait"]
    assert steps[0].startswith("test_stall_report.py:_outer:")
