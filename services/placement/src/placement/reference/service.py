"""Reference lists that change with reforms and are asked about a date."""

from __future__ import annotations

from datetime import date

import asyncpg

from placement.reference import repository
from placement.reference.schemas import TargetGroupOut


async def target_groups_on(conn: asyncpg.Connection, on: date) -> list[TargetGroupOut]:
    groups = await repository.target_groups_on(conn, on)
    return [TargetGroupOut.model_validate(g, from_attributes=True) for g in groups]
