"""Reference lists that change with reforms and are asked about a date. Other domains read them here."""

from __future__ import annotations

from datetime import date

import asyncpg

from placement.reference import repository
from placement.reference.models import TargetGroup


async def target_group(conn: asyncpg.Connection, code: str) -> TargetGroup | None:
    """The target group with ``code``, whatever its validity; None when there is none."""
    return await repository.target_group(conn, code)


async def target_groups_on(conn: asyncpg.Connection, on: date) -> list[TargetGroup]:
    """The target groups valid on ``on``, by code."""
    return await repository.target_groups_on(conn, on)
