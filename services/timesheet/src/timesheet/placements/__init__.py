"""Read model of the placements hours are submitted against, fed by placement.events."""
