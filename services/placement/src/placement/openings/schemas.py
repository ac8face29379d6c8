from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from placement.openings.models import (
    MAX_MINUTES_PER_WEEK,
    Contact,
    FollowUp,
    FollowUpRule,
    HandOverReason,
    Opening,
    OpeningInput,
    OpeningStatus,
    follow_up_due_on,
    is_overdue,
)
from vikar_shared.types.periods import Day
from vikar_shared.types.text import Email, MultiLine, Name, Note, Reference


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ]{8,20}$")
    email: Email | None = None

    def domain(self) -> Contact:
        return Contact(name=self.name, phone=self.phone, email=self.email)


class OpeningCreate(BaseModel):
    """What a company reports ("Spot et job"). A company approver's own company is assumed."""

    model_config = ConfigDict(extra="forbid")
    company_id: UUID | None = None
    job_category: Reference
    tasks: Annotated[str, MultiLine(2000)]
    hours_per_week_minutes: StrictInt = Field(gt=0, le=MAX_MINUTES_PER_WEEK)
    contact: ContactIn
    wished_start: Day | None = None

    def domain(self) -> OpeningInput:
        return OpeningInput(
            company_id=self.company_id,
            job_category=self.job_category,
            tasks=self.tasks,
            hours_per_week_minutes=self.hours_per_week_minutes,
            contact=self.contact.domain(),
            wished_start=self.wished_start,
        )


class HandOver(BaseModel):
    """Hands the opening to the municipality's ordinary recruitment service as a job order."""

    model_config = ConfigDict(extra="forbid")
    reason: HandOverReason
    municipality_id: UUID


class FollowUpCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Note | None = None


class FollowUpOut(BaseModel):
    id: UUID
    followed_up_on: date
    recorded_by: str
    note: str | None

    @classmethod
    def of(cls, follow_up: FollowUp) -> FollowUpOut:
        return cls.model_validate(follow_up, from_attributes=True)


class ContactOut(BaseModel):
    name: str
    phone: str | None
    email: str | None


class OpeningOut(BaseModel):
    id: UUID
    company_id: UUID
    job_category: str
    tasks: str
    hours_per_week_minutes: int
    contact: ContactOut
    wished_start: date | None
    status: OpeningStatus
    handed_over_reason: HandOverReason | None
    municipality_id: UUID | None
    reported_on: date
    followed_up_on: date | None
    follow_up_due_on: date | None = Field(description="Set while the opening is open")
    overdue: bool

    @classmethod
    def of(cls, o: Opening, today: date, working_days: FollowUpRule) -> OpeningOut:
        """The opening with its follow-up day and whether it is overdue on ``today``."""
        due = follow_up_due_on(o.reported_on, o.followed_up_on, working_days) if o.status == "open" else None
        return cls.model_validate(
            {
                **asdict(o),
                "contact": ContactOut(name=o.contact_name, phone=o.contact_phone, email=o.contact_email),
                "follow_up_due_on": due,
                "overdue": is_overdue(o.status, o.reported_on, o.followed_up_on, working_days, today),
            }
        )
