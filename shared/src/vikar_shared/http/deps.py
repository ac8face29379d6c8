"""Request-scoped dependencies shared by every service's endpoints.

Each is an ``async def`` although none awaits: FastAPI runs a plain ``def`` dependency in its thread pool,
a hand-off to a worker thread and back per dependency and request, which under load cost more than the
endpoint's own work (issue 8, bench/api)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from vikar_shared.clock import Clock


async def _pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.pool
    return pool


async def clock_of(request: Request) -> Clock:
    """The app's clock (``app.state.clock``, set by ``create_service_app``; tests may replace it)."""
    clock: Clock = request.app.state.clock
    return clock


async def _now(clock: Annotated[Clock, Depends(clock_of)]) -> datetime:
    return clock.now()


async def _today(clock: Annotated[Clock, Depends(clock_of)]) -> date:
    return clock.today()


DbPool = Annotated[asyncpg.Pool, Depends(_pool)]
AppClock = Annotated[Clock, Depends(clock_of)]
# The current instant (aware, UTC) and the agency's date (Europe/Copenhagen), from the app's clock.
Now = Annotated[datetime, Depends(_now)]
Today = Annotated[date, Depends(_today)]
