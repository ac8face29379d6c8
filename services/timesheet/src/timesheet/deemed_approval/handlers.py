"""Kafka handler of deemed approval (notifications' topic), run in the ``timesheet.deemed_approval`` consumer's
inbox transaction: a redelivered request is recorded once and does nothing twice."""

from __future__ import annotations

import asyncpg

from timesheet.deemed_approval import service
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.notifications import DeemedApprovalDue


async def on_deemed_approval_due(conn: asyncpg.Connection, envelope: Envelope, data: DeemedApprovalDue) -> None:
    # The envelope's time is when notifications' run wrote the request (the same clock as entry changes):
    # an entry changed after it is left for the next run.
    await service.approve_due(conn, envelope.id, data, envelope.occurred_at)
