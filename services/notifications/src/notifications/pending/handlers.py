"""Kafka handlers of the pending-hours read model (timesheet's topic), run inside the inbox transaction by the
``notifications.hours`` consumer, next to the submissions' handlers of the same events."""

from __future__ import annotations

import asyncpg

from notifications.pending import service
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.timesheet import EntryApproved, EntryChanged, EntryRejected, HoursSubmitted


async def on_hours_submitted(conn: asyncpg.Connection, envelope: Envelope, data: HoursSubmitted) -> None:
    await service.record_submitted(conn, data, envelope.occurred_at)


async def on_entry_changed(conn: asyncpg.Connection, envelope: Envelope, data: EntryChanged) -> None:
    await service.record_changed(conn, data)


async def on_entry_decided(conn: asyncpg.Connection, envelope: Envelope, data: EntryApproved | EntryRejected) -> None:
    await service.record_decided(conn, data)
