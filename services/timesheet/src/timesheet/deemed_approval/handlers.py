"""Kafka handler of deemed approval (notifications' topic), run in the ``timesheet.deemed_approval`` consumer's
inbox transaction: a redelivered request is recorded once and does nothing twice."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import asyncpg

from timesheet.deemed_approval import service
from vikar_shared.clock import Clock
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.notifications import DeemedApprovalDue
from vikar_shared.messaging.consumer import Handler


def deemed_approval_handlers(clock: Callable[[], Clock]) -> Mapping[type[EventData], Handler]:
    """``clock`` gives the app's clock (``app.state.clock``, read when a request is handled): the decision's
    time (``decided_at``, ``approved_at``) is the app's, not the database's."""

    async def on_deemed_approval_due(conn: asyncpg.Connection, envelope: Envelope, data: DeemedApprovalDue) -> None:
        await service.approve_due(conn, envelope.id, data, clock().now())

    return {DeemedApprovalDue: on_deemed_approval_due}
