"""Kafka handlers of the progress figures' read model; each runs inside the inbox transaction of its event
(consumer ``invoicing.placements``)."""

from __future__ import annotations

import asyncpg

from invoicing.municipality_kpis import service
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import ActivityLogged, PlacementCreated, PlacementStatusChanged


async def on_placement_created(conn: asyncpg.Connection, envelope: Envelope, data: PlacementCreated) -> None:
    """The placement's KPI row (planned unless the event says otherwise); a redelivery changes nothing."""
    await service.record_placement_created(conn, data)


async def on_placement_status_changed(
    conn: asyncpg.Connection, envelope: Envelope, data: PlacementStatusChanged
) -> None:
    """Status, start and end date, end reason of the placement's KPI row."""
    await service.record_status_changed(conn, data)


async def on_activity_logged(conn: asyncpg.Connection, envelope: Envelope, data: ActivityLogged) -> None:
    """A citizen's first day at a company (``first_day_accompanied``); other activity types are ignored."""
    await service.record_activity(conn, data)
