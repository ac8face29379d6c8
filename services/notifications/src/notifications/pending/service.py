"""Use cases of the pending-hours read model: timesheet's events keep it."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from notifications.pending import repository
from notifications.pending.models import PendingEntry
from vikar_shared.events.timesheet import EntryApproved, EntryChanged, EntryRejected, HoursSubmitted


async def record_submitted(conn: asyncpg.Connection, data: HoursSubmitted, occurred_at: datetime) -> None:
    """Each submitted entry awaits approval from ``occurred_at`` (the event's time); the placement's latest
    hours move on."""
    await repository.insert_pending(
        conn,
        [
            PendingEntry(
                entry_id=e.entry_id,
                submission_id=data.submission_id,
                company_id=data.company_id,
                placement_id=data.placement_id,
                citizen_name=" ".join(data.citizen_name.split()),
                work_date=e.work_date,
                minutes=e.minutes,
                corrects_entry_id=e.corrects_entry_id,
                submitted_at=occurred_at,
                changed_at=occurred_at,
                # Timesheet's entries start at version 1; a rejected entry submitted again carries its own.
                version=e.version or 1,
            )
            for e in data.entries
        ],
    )
    if data.entries:
        await repository.record_placement_hours(
            conn, data.placement_id, data.company_id, max(e.work_date for e in data.entries), occurred_at
        )


async def record_changed(conn: asyncpg.Connection, data: EntryChanged) -> bool:
    """A change keeps the entry's place on the ladder (its submission time); date, minutes and version move."""
    return await repository.change_pending(
        conn, data.entry_id, data.work_date, data.minutes, data.changed_at, data.version
    )


async def record_decided(conn: asyncpg.Connection, data: EntryApproved | EntryRejected) -> bool:
    """Approved (by an approver or deemed) or rejected: no longer pending."""
    return await repository.remove_pending(conn, data.entry_id)
