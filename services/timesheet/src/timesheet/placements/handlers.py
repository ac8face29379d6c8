"""Kafka handlers keeping the placements read model current; they run inside the inbox transaction."""

from __future__ import annotations

import asyncpg

from timesheet.placements import repository
from timesheet.placements.models import DEFAULT_STATUS, Placement, RateVersion, unique_versions
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import PlacementCreated, PlacementRatesChanged, PlacementStatusChanged


async def on_placement_created(conn: asyncpg.Connection, envelope: Envelope, data: PlacementCreated) -> None:
    await repository.upsert_created(
        conn,
        Placement(
            placement_id=data.placement_id,
            company_id=data.company_id,
            citizen_id=data.citizen_id,
            citizen_name=data.citizen_name,
            start_date=data.start_date,
            end_date=data.end_date,
            bill_rate_ore_per_hour=data.bill_rate_ore_per_hour,
            status=data.status or DEFAULT_STATUS,
        ),
        as_of=envelope.occurred_at,
    )
    # The placement's first rate applies from its start; PlacementRatesChanged replaces it with all versions.
    first = RateVersion(data.start_date, data.bill_rate_ore_per_hour, data.wage_rate_ore_per_hour)
    await repository.replace_rates(conn, data.placement_id, [first], as_of=envelope.occurred_at)


async def on_placement_status_changed(
    conn: asyncpg.Connection, envelope: Envelope, data: PlacementStatusChanged
) -> None:
    await repository.apply_status(
        conn,
        placement_id=data.placement_id,
        company_id=data.company_id,
        citizen_id=data.citizen_id,
        status=data.status,
        start_date=data.start_date,
        end_date=data.end_date,
        as_of=envelope.occurred_at,
    )


async def on_placement_rates_changed(conn: asyncpg.Connection, envelope: Envelope, data: PlacementRatesChanged) -> None:
    versions = unique_versions(
        RateVersion(r.effective_from, r.bill_rate_ore_per_hour, r.wage_rate_ore_per_hour) for r in data.rates
    )
    await repository.replace_rates(conn, data.placement_id, versions, as_of=envelope.occurred_at)
