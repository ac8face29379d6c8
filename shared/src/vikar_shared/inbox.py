"""Idempotent consumers: (consumer, event id) recorded in the same transaction as the effects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

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


async def claim_many(conn: asyncpg.Connection, consumer: str, envelopes: Sequence[Envelope]) -> set[UUID]:
    """Claims every event of a batch in one statement; returns the ids claimed now (first seen by this
    consumer). An id absent from the result was handled before; an id twice in ``envelopes`` is claimed
    once. Must run in the transaction of the effects (the claims roll back with them)."""
    rows = await conn.fetch(
        """insert into inbox (consumer, event_id, event_type)
           select $1, e.id, e.type from unnest($2::uuid[], $3::text[]) as e(id, type)
           on conflict do nothing returning event_id""",
        consumer,
        [e.id for e in envelopes],
        [e.qualified_type for e in envelopes],
    )
    return {r["event_id"] for r in rows}


async def count_skip(conn: asyncpg.Connection, consumer: str, event_type: str) -> None:
    """Adds one to the skipped count of ``event_type`` (``<type>.v<version>``, no handler here)."""
    await count_skips(conn, consumer, {event_type: 1})


async def count_skips(conn: asyncpg.Connection, consumer: str, counts: Mapping[str, int]) -> None:
    """Adds ``counts`` (``<type>.v<version>`` → events skipped) to ``consumer_skips`` in one statement."""
    await conn.execute(
        """insert into consumer_skips (consumer, event_type, skipped)
           select $1, c.type, c.n from unnest($2::text[], $3::bigint[]) as c(type, n)
           on conflict (consumer, event_type) do update set skipped = consumer_skips.skipped + excluded.skipped""",
        consumer,
        list(counts),
        list(counts.values()),
    )
