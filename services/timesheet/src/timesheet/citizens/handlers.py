"""Kafka handler for ``placement.citizens_merged``; it runs inside the inbox transaction.

Order independence: events of other aggregates that still carry the merged id may come before or after
this one. Before: their rows are moved here. After: the ``citizen_aliases`` trigger stores them under the
kept id. The exclusive lock on the merged id (the trigger takes it shared) closes the gap between the two.
"""

from __future__ import annotations

import logging

import asyncpg

from timesheet.citizens import repository
from timesheet.entries.models import MAX_MINUTES_PER_CITIZEN_DAY
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import CitizensMerged

log = logging.getLogger(__name__)


async def on_citizens_merged(conn: asyncpg.Connection, envelope: Envelope, data: CitizensMerged) -> None:
    """Records the alias and moves placements and entries of the merged id to the kept one.

    Idempotent beyond the inbox: a second delivery finds the alias recorded and no row left to move."""
    await repository.lock_citizen(conn, data.merged_citizen_id, exclusive=True)
    # The kept id may itself have been merged since (its event came first): follow it.
    await repository.lock_citizen(conn, data.kept_citizen_id, exclusive=False)
    kept = await repository.kept_id(conn, data.kept_citizen_id)
    if kept == data.merged_citizen_id:
        log.warning("citizen %s merged into itself (event %s): nothing to do", kept, envelope.id)
        return
    await repository.record_alias(
        conn, merged=data.merged_citizen_id, kept=kept, merged_at=data.merged_at, event_id=envelope.id
    )
    moved = await repository.repoint(conn, merged=data.merged_citizen_id, kept=kept)
    log.info("citizen %s merged into %s: rows moved %s", data.merged_citizen_id, kept, moved)
    over = await repository.days_over_cap(conn, kept, MAX_MINUTES_PER_CITIZEN_DAY)
    if over:
        # Hours already recorded are not undone here; new hours on these days are refused.
        log.warning("citizen %s holds more than 12 hours on %s after the merge; review the entries", kept, over)
