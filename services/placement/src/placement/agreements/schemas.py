from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt


class MunicipalityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=2, max_length=100)


class TermsCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    effective_from: date
    co_financing_rate_ore_per_hour: StrictInt = Field(ge=0, le=1_000_000)
    eligibility_threshold_weeks: StrictInt = Field(ge=0, le=520)


class TermsOut(BaseModel):
    id: UUID
    effective_from: date
    co_financing_rate_ore_per_hour: int
    eligibility_threshold_weeks: int


class MunicipalityOut(BaseModel):
    id: UUID
    name: str
    terms: list[TermsOut]
