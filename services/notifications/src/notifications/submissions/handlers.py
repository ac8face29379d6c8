"""Kafka handlers for timesheet events; each runs inside the consumer's inbox transaction."""

from __future__ import annotations

from collections.abc import Mapping

import asyncpg

from notifications.emails.models import MailContext
from notifications.submissions.service import record_change, record_submission
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.timesheet import EntryChanged, HoursSubmitted
from vikar_shared.messaging.consumer import Handler


def submission_handlers(context: MailContext) -> Mapping[type[EventData], Handler]:
    async def on_hours_submitted(conn: asyncpg.Connection, envelope: Envelope, data: HoursSubmitted) -> None:
        await record_submission(conn, envelope.id, data, context)

    async def on_entry_changed(conn: asyncpg.Connection, envelope: Envelope, data: EntryChanged) -> None:
        await record_change(conn, data)

    return {HoursSubmitted: on_hours_submitted, EntryChanged: on_entry_changed}
