from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from placement.agreements.models import Municipality, Terms
from vikar_shared.types.periods import Day
from vikar_shared.types.text import Reference, SingleLine

PersonReference = Reference
MunicipalityName = Annotated[str, SingleLine(100, min_length=2)]


class MunicipalityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: MunicipalityName


class TermsCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    effective_from: Day
    co_financing_rate_ore_per_hour: StrictInt = Field(ge=0, le=1_000_000)
    eligibility_threshold_weeks: StrictInt = Field(ge=0, le=520)
    target_unique_citizens: StrictInt | None = Field(default=None, ge=1, le=1_000_000)
    ean: str | None = Field(default=None, max_length=20, description="EAN/GLN for e-invoices: 13 digits, GS1 check")
    person_reference: PersonReference | None = Field(
        default=None, description="The person or reference the municipality wants on statements and invoices"
    )


class TermsOut(BaseModel):
    id: UUID
    municipality_id: UUID
    effective_from: Day
    co_financing_rate_ore_per_hour: int
    eligibility_threshold_weeks: int
    target_unique_citizens: int | None
    ean: str | None
    person_reference: str | None

    @classmethod
    def of(cls, terms: Terms) -> TermsOut:
        return cls.model_validate(terms, from_attributes=True)


class MunicipalityOut(BaseModel):
    id: UUID
    name: str
    terms: list[TermsOut]

    @classmethod
    def of(cls, municipality: Municipality) -> MunicipalityOut:
        return cls.model_validate(municipality, from_attributes=True)
