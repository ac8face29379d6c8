"""Idempotent consumers: (consumer, event id) recorded in the same transaction as the effects."""

from __future__ import annotations

import asyncpg

from vikar_shared.events.envelope import Envelope


async def claim(conn: asyncpg.Connection, consumer: str, envelope: Envelope) -> bool:
    """True the first time this consumer sees the event; False for a re-delivery."""
    status = await conn.execute(
        "insert into inbox (consumer, event_id, event_type) values ($1, $2, $3) on conflict do nothing",
        consumer,
        envelope.id,
        envelope.qualified_type,
    )
    return bool(status == "INSERT 0 1")


async def count_skip(conn: asyncpg.Connection, consumer: str, event_type: str) -> None:
    await conn.execute(
        """insert into consumer_skips (consumer, event_type, skipped) values ($1, $2, 1)
           on conflict (consumer, event_type) do update set skipped = consumer_skips.skipped + 1""",
        consumer,
        event_type,
    )
