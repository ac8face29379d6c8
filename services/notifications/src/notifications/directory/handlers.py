"""Kafka handlers of the directory read models (placement's topic); each runs in the inbox transaction."""

from __future__ import annotations

from collections.abc import Mapping

import asyncpg

from notifications.directory import service
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.placement import (
    MunicipalityTermsSet,
    PlacementCreated,
    PlacementStatusChanged,
    StaffMemberChanged,
)
from vikar_shared.messaging.consumer import Handler


async def on_staff_member_changed(conn: asyncpg.Connection, envelope: Envelope, data: StaffMemberChanged) -> None:
    await service.record_staff_member(conn, data)


async def on_municipality_terms_set(conn: asyncpg.Connection, envelope: Envelope, data: MunicipalityTermsSet) -> None:
    await service.record_terms(conn, data)


async def on_placement_created(conn: asyncpg.Connection, envelope: Envelope, data: PlacementCreated) -> None:
    await service.record_placement(conn, data)


async def on_placement_status_changed(
    conn: asyncpg.Connection, envelope: Envelope, data: PlacementStatusChanged
) -> None:
    await service.record_placement_status(conn, data)


DIRECTORY_HANDLERS: Mapping[type[EventData], Handler] = {
    StaffMemberChanged: on_staff_member_changed,
    MunicipalityTermsSet: on_municipality_terms_set,
    PlacementCreated: on_placement_created,
    PlacementStatusChanged: on_placement_status_changed,
}
