from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from placement.citizens.models import Caseworker, Citizen, Employee, Referral, ReferralInput
from vikar_shared.types.periods import Day
from vikar_shared.types.text import Email, Name, Reference, ShortCode


class CaseworkerIn(BaseModel):
    """The job centre caseworker (sagsbehandler) who made the referral."""

    model_config = ConfigDict(extra="forbid")
    name: Name
    email: Email | None = None

    def domain(self) -> Caseworker:
        return Caseworker(name=self.name, email=self.email)


class ReferralCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cpr: str = Field(max_length=20, description="DDMMYY-SSSS; stored encrypted, never returned")
    name: Name = Field(description='The citizen\'s name as the job centre gives it; see README "Names"')
    municipality_id: UUID
    referred_on: Day
    weeks_unemployed: StrictInt = Field(ge=0, le=2000)
    target_group_code: ShortCode | None = Field(
        default=None, description="A code from GET /target-groups?on=<referred_on>"
    )
    caseworker: CaseworkerIn | None = None
    case_number: Reference | None = Field(
        default=None,
        description="The municipality's case number for this referral: what co-financing statements may identify "
        "the citizen by (the agreement's citizen_reference)",
    )

    def domain(self) -> ReferralInput:
        return ReferralInput(
            cpr=self.cpr,
            name=self.name,
            municipality_id=self.municipality_id,
            referred_on=self.referred_on,
            weeks_unemployed=self.weeks_unemployed,
            target_group_code=self.target_group_code,
            caseworker=self.caseworker.domain() if self.caseworker else None,
            case_number=self.case_number,
        )


class NameChangeOut(BaseModel):
    """The citizen's stored name before (``from``) and after (``to``) this referral."""

    model_config = ConfigDict(populate_by_name=True)
    from_: str = Field(alias="from")
    to: str


class CaseworkerOut(BaseModel):
    name: str
    email: str | None


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
    target_group_code: str | None = None
    caseworker: CaseworkerOut | None = None
    case_number: str | None = Field(default=None, description="The municipality's case number, if it gave one")
    name_changed: NameChangeOut | None = Field(
        default=None,
        description="Set on the answer to POST /referrals when this referral gave an existing citizen (same CPR) "
        "a different name: the citizen's name is now 'to'; 'from' stays in the audit trail and the timeline",
    )

    @classmethod
    def of(cls, referral: Referral) -> ReferralOut:
        return cls.model_validate(referral, from_attributes=True)


class CitizenOut(BaseModel):
    """A citizen as the caller may see them: the name and the referrals visible to the caller. Never the CPR."""

    id: UUID
    name: str
    referrals: list[ReferralOut]

    @classmethod
    def of(cls, citizen: Citizen) -> CitizenOut:
        return cls.model_validate(citizen, from_attributes=True)


class CitizenSearch(BaseModel):
    """The CPR travels in a body, never in a URL, so it stays out of access logs and browser history."""

    model_config = ConfigDict(extra="forbid")
    cpr: str = Field(max_length=20)


class CitizenFound(BaseModel):
    citizen_id: UUID


class EmployeeOut(BaseModel):
    """An employee (issue 13): the citizen the agency employs, by employee number. Never the CPR."""

    citizen_id: UUID
    employee_number: int = Field(description="1..99 999 999, given when the first placement was created")
    name: str = Field(description="The citizen's current name")
    employed_from: date = Field(description="The start date of the first placement")

    @classmethod
    def of(cls, employee: Employee) -> EmployeeOut:
        return cls.model_validate(employee, from_attributes=True)
