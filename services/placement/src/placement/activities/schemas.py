from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from placement.activities.models import ActivityType, Attendance
from vikar_shared.types.periods import Day
from vikar_shared.types.text import Note


class ActivityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    activity_type: ActivityType
    occurred_on: Day
    attendance: Attendance | None = Field(default=None, description="Required for a preboarding_session, only there")
    placement_id: UUID | None = Field(default=None, description="Required for the follow_up_day_* types")
    note: Note | None = Field(default=None, description="May be sensitive: never leaves this service")


class ActivityOut(BaseModel):
    id: UUID
    citizen_id: UUID
    activity_type: ActivityType
    attendance: Attendance | None
    placement_id: UUID | None
    occurred_on: date
    logged_by: str
    note: str | None


class ReferralItem(BaseModel):
    kind: Literal["referral"] = "referral"
    occurred_on: date
    recorded_at: datetime
    referral_id: UUID
    municipality_id: UUID
    eligible: bool


class PlacementStatusItem(BaseModel):
    kind: Literal["placement_status"] = "placement_status"
    occurred_on: date
    recorded_at: datetime
    placement_id: UUID
    company_id: UUID
    municipality_id: UUID
    status: str
    end_reason: str | None


class ActivityItem(BaseModel):
    kind: Literal["activity"] = "activity"
    occurred_on: date
    recorded_at: datetime
    activity_id: UUID
    activity_type: str
    attendance: str | None
    placement_id: UUID | None
    logged_by: str
    note: str | None = Field(description="Agency staff only")


class NameChangeItem(BaseModel):
    """A referral gave the citizen a different name: ``from`` is the earlier name, ``to`` the current one."""

    model_config = ConfigDict(populate_by_name=True)
    kind: Literal["name_change"] = "name_change"
    occurred_on: date = Field(description="The referral date of the referral that changed the name")
    recorded_at: datetime
    referral_id: UUID
    municipality_id: UUID
    from_: str = Field(alias="from")
    to: str
    changed_by: str


TimelineItem = Annotated[
    ReferralItem | PlacementStatusItem | ActivityItem | NameChangeItem, Field(discriminator="kind")
]


class TimelineOut(BaseModel):
    citizen_id: UUID
    citizen_name: str
    items: list[TimelineItem] = Field(description="Oldest first; same day in the order recorded")


class FollowUpDueOut(BaseModel):
    placement_id: UUID
    citizen_id: UUID
    citizen_name: str
    company_id: UUID
    activity_type: str
    due_on: date
    overdue: bool = Field(description="Due before the week began")


class FollowUpsOut(BaseModel):
    consultant_id: str
    week: str
    week_starts_on: date
    due: list[FollowUpDueOut]
