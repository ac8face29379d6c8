"""Events published by the placement service on topic ``placement.events`` (key: aggregate id).

None of these carries a CPR number, clear or hashed.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from vikar_shared.events.envelope import EventData

TOPIC = "placement.events"


class MunicipalityTermsSet(EventData):
    """A version of a municipality's agreement terms, in force from ``effective_from``."""

    event_type = "placement.municipality_terms_set"
    event_version = 1
    topic = TOPIC

    municipality_id: UUID
    municipality_name: str
    terms_id: UUID
    effective_from: date
    co_financing_rate_ore_per_hour: int
    eligibility_threshold_weeks: int


class Approver(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    email: str
    name: str


class CompanyRegistered(EventData):
    event_type = "placement.company_registered"
    event_version = 1
    topic = TOPIC

    company_id: UUID
    name: str
    cvr: str
    approvers: list[Approver]


class CitizenReferred(EventData):
    """A referral and its eligibility decision. ``citizen_name`` is what companies may see."""

    event_type = "placement.citizen_referred"
    event_version = 1
    topic = TOPIC

    referral_id: UUID
    citizen_id: UUID
    citizen_name: str
    municipality_id: UUID
    referred_on: date
    weeks_unemployed: int
    eligible: bool
    threshold_weeks_applied: int
    terms_id: UUID


class PlacementCreated(EventData):
    event_type = "placement.placement_created"
    event_version = 1
    topic = TOPIC

    placement_id: UUID
    citizen_id: UUID
    citizen_name: str
    referral_id: UUID
    municipality_id: UUID
    co_financing_eligible: bool
    company_id: UUID
    start_date: date
    end_date: date | None
    bill_rate_ore_per_hour: int
