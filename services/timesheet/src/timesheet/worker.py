"""The Kafka consumers this service runs (started by the shared app skeleton)."""

from __future__ import annotations

from timesheet.placements.handlers import on_placement_created
from vikar_shared.events import placement
from vikar_shared.events.placement import PlacementCreated
from vikar_shared.messaging.subscriber import ConsumerSpec

PLACEMENTS = ConsumerSpec(
    name="timesheet.placements",
    topics=[placement.TOPIC],
    handlers={PlacementCreated: on_placement_created},
    description="Keeps the placements read model that submitted hours are checked against",
)

CONSUMERS: list[ConsumerSpec] = [PLACEMENTS]
