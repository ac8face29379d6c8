"""One person, two citizen ids, in a service that keeps citizen ids of its own (issue 6, item 7).

Placement merges a citizen stored twice and publishes ``placement.citizens_merged`` v1. A service with
rows that name citizens attaches the shared trigger function ``citizen_id_of_kept()`` (shared migration
``20261130_02_citizen_aliases.sql``, with the ``citizen_aliases`` table) to each such table in its own
migration, so a merged id is stored as the kept one, and calls :func:`apply_merge` from its handler.

Order independence: events that still carry the merged id may arrive before or after the merge. Before:
:func:`apply_merge` moves their rows. After: the trigger stores them under the kept id. The trigger
takes the advisory lock of :func:`lock_citizen` shared, the merge holds it exclusively, so a row written
while a merge runs is either moved by it or sees its alias, never neither. Aliases stay flat:
``kept_citizen_id`` is never itself a merged id.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

log = logging.getLogger(__name__)


async def lock_citizen(conn: asyncpg.Connection, citizen_id: UUID, *, exclusive: bool) -> None:
    """The advisory lock the alias trigger takes shared on every write of ``citizen_id``; held to commit."""
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    await conn.execute(f"select {function}(hashtextextended('citizen-alias:' || $1::text, 0))", str(citizen_id))


async def kept_id(conn: asyncpg.Connection, citizen_id: UUID) -> UUID:
    """The id the person is kept under: ``citizen_id`` itself unless it was merged."""
    kept: UUID | None = await conn.fetchval(
        "select kept_citizen_id from citizen_aliases where merged_citizen_id = $1", citizen_id
    )
    return kept or citizen_id


async def record_alias(
    conn: asyncpg.Connection, *, merged: UUID, kept: UUID, merged_at: datetime, event_id: UUID
) -> bool:
    """Records merged → kept and points earlier aliases of ``merged`` at ``kept`` (aliases stay flat);
    False if ``merged`` was recorded before."""
    recorded = await conn.fetchval(
        """insert into citizen_aliases (merged_citizen_id, kept_citizen_id, merged_at, event_id)
           values ($1, $2, $3, $4)
           on conflict (merged_citizen_id) do nothing
           returning true""",
        merged,
        kept,
        merged_at,
        event_id,
    )
    await conn.execute("update citizen_aliases set kept_citizen_id = $2 where kept_citizen_id = $1", merged, kept)
    return bool(recorded)


async def repoint(conn: asyncpg.Connection, tables: Sequence[str], *, merged: UUID, kept: UUID) -> dict[str, int]:
    """Moves every row of ``tables`` (code constants, never input) carrying ``merged`` to ``kept``;
    returns how many rows moved, per table."""
    moved: dict[str, int] = {}
    for table in tables:
        status = await conn.execute(f"update {table} set citizen_id = $2 where citizen_id = $1", merged, kept)
        moved[table] = int(status.rsplit(" ", 1)[-1])
    return moved


async def apply_merge(
    conn: asyncpg.Connection,
    tables: Sequence[str],
    *,
    merged: UUID,
    kept: UUID,
    merged_at: datetime,
    event_id: UUID,
) -> UUID | None:
    """Handles one ``placement.citizens_merged`` inside the consumer's inbox transaction: records the
    alias and moves the rows of ``tables``. Returns the id the person is now kept under (``kept``, or
    what ``kept`` was itself merged into since), None when there is nothing to do. Idempotent beyond the
    inbox: a second delivery finds the alias recorded and no row left to move."""
    await lock_citizen(conn, merged, exclusive=True)
    # The kept id may itself have been merged since (its event came first): follow it.
    await lock_citizen(conn, kept, exclusive=False)
    final = await kept_id(conn, kept)
    if final == merged:
        log.warning("citizen %s merged into itself (event %s): nothing to do", final, event_id)
        return None
    await record_alias(conn, merged=merged, kept=final, merged_at=merged_at, event_id=event_id)
    moved = await repoint(conn, tables, merged=merged, kept=final)
    log.info("citizen %s merged into %s: rows moved %s", merged, final, moved)
    return final
