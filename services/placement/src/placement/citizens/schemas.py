from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt


class ReferralCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cpr: str = Field(max_length=20, description="DDMMYY-SSSS; stored encrypted, never returned")
    name: str = Field(min_length=1, max_length=200)
    municipality_id: UUID
    referred_on: date
    weeks_unemployed: StrictInt = Field(ge=0, le=2000)


class ReferralOut(BaseModel):
    """What a referral looks like from outside: no CPR, not even masked."""

    id: UUID
    citizen_id: UUID
    citizen_name: str
    municipality_id: UUID
    referred_on: date
    weeks_unemployed: int
    eligible: bool
    threshold_weeks_applied: int
    terms_id: UUID
