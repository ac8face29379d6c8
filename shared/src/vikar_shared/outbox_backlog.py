"""How much of the outbox waits to be published: the one query the relay's readiness and the metrics share.

A leaf module (it imports nothing of ``vikar_shared``), so :mod:`vikar_shared.metrics`, itself a leaf,
and :mod:`vikar_shared.runtime.readiness` both read the backlog the same way."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class OutboxBacklog:
    """``rows``: unsent outbox rows; ``oldest_age_seconds``: seconds since the oldest of them was
    written (``created_at``, the database's clock), ``None`` when every row is sent."""

    rows: int
    oldest_age_seconds: float | None


async def outbox_backlog(pool: asyncpg.Pool) -> OutboxBacklog:
    """The unsent rows of the service's ``outbox`` table and the age of the oldest, in one statement.

    Raises whatever asyncpg raises when the database cannot be reached (callers report, never fail)."""
    row = await pool.fetchrow(
        """select count(*) as rows, extract(epoch from now() - min(created_at))::float8 as age
           from outbox where sent_at is null"""
    )
    assert row is not None
    age = row["age"]
    return OutboxBacklog(rows=int(row["rows"]), oldest_age_seconds=None if age is None else max(0.0, float(age)))
