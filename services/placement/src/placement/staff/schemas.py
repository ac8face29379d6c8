from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from placement.staff.models import ConsultantDigest, Language, StaffChanges, StaffInput, StaffMember, StaffRole
from vikar_shared.errors import invalid
from vikar_shared.types.text import Email, Name, SingleLine

Subject = Annotated[str, SingleLine(200)]


class StaffIn(BaseModel):
    """A staff member to add: ``subject`` is the bearer token subject they sign in with (unique)."""

    model_config = ConfigDict(extra="forbid")
    subject: Subject = Field(description="The bearer token subject the person signs in with; unique")
    name: Name
    email: Email
    role: StaffRole = Field(description="consultant, finance or admin")
    language: Language = Field(default="da", description="The language mails to them use: da or en")
    active: StrictBool = True

    def domain(self) -> StaffInput:
        return StaffInput(
            subject=self.subject,
            name=self.name,
            email=self.email,
            role=self.role,
            language=self.language,
            active=self.active,
        )


class StaffPatch(BaseModel):
    """Only the fields sent change; ``active: false`` deactivates (a member is never deleted). The subject
    never changes (another sign-in is another member)."""

    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    email: Email | None = None
    role: StaffRole | None = None
    language: Language | None = None
    active: StrictBool | None = None

    def changes(self) -> StaffChanges:
        """The fields sent, as domain values. Raises ``DomainError`` ``not-null`` for a field sent as null (none
        of them can be cleared)."""
        changes: StaffChanges = {}
        for name in sorted(self.model_fields_set):
            value = getattr(self, name)
            if value is None:
                raise invalid(name, "not-null", f"{name} cannot be cleared")
            changes[name] = value  # type: ignore[literal-required]
        return changes


class StaffOut(BaseModel):
    staff_id: UUID
    subject: str
    name: str
    email: str
    role: StaffRole
    active: bool
    language: Language
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def of(cls, member: StaffMember) -> StaffOut:
        return cls.model_validate(member, from_attributes=True)


class DigestFollowUpOut(BaseModel):
    placement_id: UUID
    citizen_name: str
    company_id: UUID
    company_name: str
    activity_type: str = Field(description="follow_up_day_7, follow_up_day_30 or follow_up_day_90")
    due_on: date
    overdue: bool = Field(description="Due before the week")


class DigestOpeningOut(BaseModel):
    opening_id: UUID
    company_id: UUID
    company_name: str
    job_category: str
    reported_on: date
    follow_up_due_on: date


class ConsultantDigestOut(BaseModel):
    """The consultant's week (issue 14): follow-ups owed and openings past their follow-up deadline; names only."""

    consultant_id: str
    week: str
    week_starts_on: date
    as_of: date = Field(description="The day openings are judged overdue on: today within the week")
    follow_ups: list[DigestFollowUpOut]
    overdue_openings: list[DigestOpeningOut]

    @classmethod
    def of(cls, digest: ConsultantDigest) -> ConsultantDigestOut:
        return cls.model_validate(digest, from_attributes=True)
