"""Today in the agency's calendar, as a FastAPI dependency.

Tests freeze it by setting ``app.state.clock`` to a callable returning a date; nothing sleeps.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def _today(request: Request) -> date:
    clock: Callable[[], date] | None = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else datetime.now(COPENHAGEN).date()


Today = Annotated[date, Depends(_today)]
