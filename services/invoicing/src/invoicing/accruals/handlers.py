"""Kafka handlers; each runs inside the inbox transaction of the event it handles."""

from __future__ import annotations

import asyncpg

from invoicing.accruals import service
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import MunicipalityTermsSet, PlacementCreated, PlacementRatesChanged
from vikar_shared.events.timesheet import EntryApproved


async def on_municipality_terms_set(conn: asyncpg.Connection, envelope: Envelope, data: MunicipalityTermsSet) -> None:
    await service.record_terms(conn, envelope.id, data)


async def on_placement_created(conn: asyncpg.Connection, envelope: Envelope, data: PlacementCreated) -> None:
    await service.record_placement(conn, envelope.id, data)


async def on_placement_rates_changed(conn: asyncpg.Connection, envelope: Envelope, data: PlacementRatesChanged) -> None:
    await service.record_bill_rates(conn, data)


async def on_entry_approved(conn: asyncpg.Connection, envelope: Envelope, data: EntryApproved) -> None:
    await service.record_approval(conn, envelope.id, data)
