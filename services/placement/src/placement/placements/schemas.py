from __future__ import annotations

from dataclasses import asdict
from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from placement.placements.models import (
    MAX_MINUTES_PER_WEEK,
    EndReason,
    PlacementInput,
    PlacementStatus,
    RatedPlacement,
    RateVersion,
)
from vikar_shared.auth import Principal
from vikar_shared.types.periods import Day
from vikar_shared.types.text import Name

MAX_RATE_ORE_PER_HOUR = 10_000_000


class PlacementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    referral_id: UUID
    company_id: UUID
    start_date: Day
    end_date: Day | None = None
    bill_rate_ore_per_hour: StrictInt = Field(gt=0, le=MAX_RATE_ORE_PER_HOUR)
    wage_rate_ore_per_hour: StrictInt | None = Field(default=None, gt=0, le=MAX_RATE_ORE_PER_HOUR)
    hours_per_week_minutes: StrictInt | None = Field(
        default=None, gt=0, le=MAX_MINUTES_PER_WEEK, description="Defaults to the opening's hours when placing from one"
    )
    opening_id: UUID | None = Field(default=None, description="Placing from an opening marks it filled")
    consultant_id: Name | None = Field(default=None, description="Defaults to the caller")

    def domain(self) -> PlacementInput:
        return PlacementInput(**self.model_dump())


class RatesSet(BaseModel):
    """A rate version; one with the same effective_from replaces the earlier one."""

    model_config = ConfigDict(extra="forbid")
    effective_from: Day
    bill_rate_ore_per_hour: StrictInt = Field(gt=0, le=MAX_RATE_ORE_PER_HOUR)
    wage_rate_ore_per_hour: StrictInt | None = Field(default=None, gt=0, le=MAX_RATE_ORE_PER_HOUR)

    def domain(self) -> RateVersion:
        return RateVersion(self.effective_from, self.bill_rate_ore_per_hour, self.wage_rate_ore_per_hour)


class PlacementEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")
    end_date: Day
    reason: EndReason


class RateVersionOut(BaseModel):
    effective_from: Day
    bill_rate_ore_per_hour: int
    wage_rate_ore_per_hour: int | None = Field(description="Shown to agency staff only")

    @classmethod
    def of(cls, version: RateVersion, viewer: Principal) -> RateVersionOut:
        """The version as ``viewer`` may see it: the wage (and so the agency's margin) is the agency's only."""
        out = cls.model_validate(version, from_attributes=True)
        return out if viewer.is_agency_staff else out.model_copy(update={"wage_rate_ore_per_hour": None})


class PlacementOut(BaseModel):
    id: UUID
    referral_id: UUID
    citizen_id: UUID
    citizen_name: str
    company_id: UUID
    municipality_id: UUID
    start_date: date
    end_date: date | None
    bill_rate_ore_per_hour: int = Field(description="The rate in force on the start date")
    wage_rate_ore_per_hour: int | None = Field(description="In force on the start date; agency staff only")
    co_financing_eligible: bool
    status: PlacementStatus
    end_reason: EndReason | None
    consultant_id: str
    opening_id: UUID | None
    hours_per_week_minutes: int | None
    rates: list[RateVersionOut] = Field(description="Every version, oldest first")

    @classmethod
    def of(cls, rated: RatedPlacement, viewer: Principal) -> PlacementOut:
        """The placement as ``viewer`` may see it (wages for agency staff only); the top-level rates are the
        first version's."""
        versions = [RateVersionOut.of(v, viewer) for v in rated.rates]
        first = versions[0]
        return cls.model_validate(
            {
                **asdict(rated.placement),
                "bill_rate_ore_per_hour": first.bill_rate_ore_per_hour,
                "wage_rate_ore_per_hour": first.wage_rate_ore_per_hour,
                "rates": versions,
            }
        )
