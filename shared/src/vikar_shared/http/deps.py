"""Request-scoped dependencies shared by every service's endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from vikar_shared.clock import Clock


def _pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.pool
    return pool


def clock_of(request: Request) -> Clock:
    """The app's clock (``app.state.clock``, set by ``create_service_app``; tests may replace it)."""
    clock: Clock = request.app.state.clock
    return clock


def _now(clock: Annotated[Clock, Depends(clock_of)]) -> datetime:
    return clock.now()


def _today(clock: Annotated[Clock, Depends(clock_of)]) -> date:
    return clock.today()


DbPool = Annotated[asyncpg.Pool, Depends(_pool)]
AppClock = Annotated[Clock, Depends(clock_of)]
# The current instant (aware, UTC) and the agency's date (Europe/Copenhagen), from the app's clock.
Now = Annotated[datetime, Depends(_now)]
Today = Annotated[date, Depends(_today)]
