"""What timesheet knows about a placement (a copy of the placement service's facts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID


@dataclass(frozen=True)
class Placement:
    placement_id: UUID
    company_id: UUID
    citizen_id: UUID
    citizen_name: str
    start_date: date
    end_date: date | None
    bill_rate_ore_per_hour: int
