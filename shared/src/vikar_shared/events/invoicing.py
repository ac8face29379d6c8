"""Events published by the invoicing service on ``invoicing.events`` (key: company or municipality id)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from vikar_shared.events.envelope import EventData

TOPIC = "invoicing.events"


class HoursAccrued(EventData):
    """An approved entry became a billable line (and, when eligible, a co-financing line)."""

    event_type = "invoicing.hours_accrued"
    event_version = 1
    topic = TOPIC

    entry_id: UUID
    company_id: UUID
    work_date: date
    minutes: int
    billable_amount_ore: int
    municipality_id: UUID | None
    co_financing_amount_ore: int | None
    corrects_entry_id: UUID | None = None
