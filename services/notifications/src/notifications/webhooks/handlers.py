"""The ``notifications.webhooks`` consumer's handlers: each of invoicing's invoice, credit note, payment and
statement events becomes one pending delivery per enabled endpoint subscribed to its type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from notifications.webhooks import service
from notifications.webhooks.models import EVENTS
from vikar_shared.clock import Clock
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.messaging.consumer import Handler


def webhook_handlers(clock: Clock) -> Mapping[type[EventData], Handler]:
    async def record(conn: asyncpg.Connection, envelope: Envelope, _: Any) -> None:
        await service.record_deliveries(conn, envelope, now=clock.now())

    return dict.fromkeys(EVENTS.values(), record)
