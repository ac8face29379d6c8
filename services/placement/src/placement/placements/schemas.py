from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt


class PlacementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    referral_id: UUID
    company_id: UUID
    start_date: date
    end_date: date | None = None
    bill_rate_ore_per_hour: StrictInt = Field(gt=0, le=10_000_000)


class PlacementOut(BaseModel):
    id: UUID
    referral_id: UUID
    citizen_id: UUID
    citizen_name: str
    company_id: UUID
    municipality_id: UUID
    start_date: date
    end_date: date | None
    bill_rate_ore_per_hour: int
    co_financing_eligible: bool
