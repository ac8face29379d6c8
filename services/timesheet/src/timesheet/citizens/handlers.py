"""Kafka handler for ``placement.citizens_merged``; it runs inside the inbox transaction. The order
independence and locking are explained in ``vikar_shared.citizen_aliases``."""

from __future__ import annotations

import logging

import asyncpg

from timesheet.citizens import repository
from timesheet.entries import service as entries
from timesheet.entries.rules import MAX_MINUTES_PER_CITIZEN_DAY
from vikar_shared.citizen_aliases import apply_merge
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import CitizensMerged

log = logging.getLogger(__name__)


async def on_citizens_merged(conn: asyncpg.Connection, envelope: Envelope, data: CitizensMerged) -> None:
    """Records the alias and moves placements and entries of the merged id to the kept one, so the
    12-hour day is summed over both former identities."""
    kept = await apply_merge(
        conn,
        repository.CITIZEN_TABLES,
        merged=data.merged_citizen_id,
        kept=data.kept_citizen_id,
        merged_at=data.merged_at,
        event_id=envelope.id,
    )
    if kept is None:
        return
    over = await entries.days_over_cap(conn, kept, MAX_MINUTES_PER_CITIZEN_DAY)
    if over:
        # Hours already recorded are not undone here; new hours on these days are refused.
        log.warning("citizen %s holds more than 12 hours on %s after the merge; review the entries", kept, over)
