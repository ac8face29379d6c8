"""Kafka handlers keeping the placements read model current; they run inside the inbox transaction."""

from __future__ import annotations

import asyncpg

from timesheet.placements import repository
from timesheet.placements.models import Placement
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import PlacementCreated


async def on_placement_created(conn: asyncpg.Connection, envelope: Envelope, data: PlacementCreated) -> None:
    await repository.upsert_placement(
        conn,
        Placement(
            placement_id=data.placement_id,
            company_id=data.company_id,
            citizen_id=data.citizen_id,
            citizen_name=data.citizen_name,
            start_date=data.start_date,
            end_date=data.end_date,
            bill_rate_ore_per_hour=data.bill_rate_ore_per_hour,
        ),
    )
