from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from placement.openings.models import MAX_MINUTES_PER_WEEK, HandOverReason, OpeningStatus
from vikar_shared.types.periods import Day
from vikar_shared.types.text import Email, MultiLine, Name, Note, Reference


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ]{8,20}$")
    email: Email | None = None


class OpeningCreate(BaseModel):
    """What a company reports ("Spot et job"). A company approver's own company is assumed."""

    model_config = ConfigDict(extra="forbid")
    company_id: UUID | None = None
    job_category: Reference
    tasks: Annotated[str, MultiLine(2000)]
    hours_per_week_minutes: StrictInt = Field(gt=0, le=MAX_MINUTES_PER_WEEK)
    contact: ContactIn
    wished_start: Day | None = None


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
