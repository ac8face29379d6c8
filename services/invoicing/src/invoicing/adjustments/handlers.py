"""Kafka handlers of the rate events: accruals records the versions, then the retroactive change is settled,
in the same inbox transaction."""

from __future__ import annotations

import asyncpg

from invoicing.accruals import handlers as accruals
from invoicing.adjustments import service
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import MunicipalityTermsSet, PlacementRatesChanged


async def on_placement_rates_changed(conn: asyncpg.Connection, envelope: Envelope, data: PlacementRatesChanged) -> None:
    await service.lock_placement(conn, data.placement_id)
    await accruals.on_placement_rates_changed(conn, envelope, data)
    await service.settle_bill_rates(conn, envelope.id, data.placement_id)


async def on_municipality_terms_set(conn: asyncpg.Connection, envelope: Envelope, data: MunicipalityTermsSet) -> None:
    await accruals.on_municipality_terms_set(conn, envelope, data)
    await service.settle_co_financing(conn, envelope.id, data.municipality_id, data.effective_from)
