from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from placement.activities.models import (
    Activity,
    ActivityInput,
    ActivityRecorded,
    ActivityType,
    Attendance,
    FollowUpDue,
    Timeline,
    WeekOfFollowUps,
)
from placement.citizens.models import NameChangeRecorded, ReferralRecorded
from placement.placements.models import StatusChangeRecorded
from vikar_shared.auth import Principal
from vikar_shared.types.periods import Day
from vikar_shared.types.text import Note


class ActivityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    activity_type: ActivityType
    occurred_on: Day
    attendance: Attendance | None = Field(default=None, description="Required for a preboarding_session, only there")
    placement_id: UUID | None = Field(default=None, description="Required for the follow_up_day_* types")
    note: Note | None = Field(default=None, description="May be sensitive: never leaves this service")

    def domain(self) -> ActivityInput:
        return ActivityInput(**self.model_dump())


class ActivityOut(BaseModel):
    id: UUID
    citizen_id: UUID
    activity_type: ActivityType
    attendance: Attendance | None
    placement_id: UUID | None
    occurred_on: date
    logged_by: str
    note: str | None

    @classmethod
    def of(cls, activity: Activity) -> ActivityOut:
        return cls.model_validate(activity, from_attributes=True)


class ReferralItem(BaseModel):
    kind: Literal["referral"] = "referral"
    occurred_on: date
    recorded_at: datetime
    referral_id: UUID
    municipality_id: UUID
    eligible: bool

    @classmethod
    def of(cls, item: ReferralRecorded) -> ReferralItem:
        return cls.model_validate(item, from_attributes=True)


class PlacementStatusItem(BaseModel):
    kind: Literal["placement_status"] = "placement_status"
    occurred_on: date
    recorded_at: datetime
    placement_id: UUID
    company_id: UUID
    municipality_id: UUID
    status: str
    end_reason: str | None

    @classmethod
    def of(cls, item: StatusChangeRecorded) -> PlacementStatusItem:
        return cls.model_validate(item, from_attributes=True)


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

    @classmethod
    def of(cls, item: ActivityRecorded, viewer: Principal) -> ActivityItem:
        """The activity as ``viewer`` may see it: the note (possibly sensitive) for agency staff only."""
        out = cls.model_validate(item, from_attributes=True)
        return out if viewer.is_agency_staff else out.model_copy(update={"note": None})


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

    @classmethod
    def of(cls, item: NameChangeRecorded) -> NameChangeItem:
        return cls.model_validate(item, from_attributes=True)


TimelineItem = Annotated[
    ReferralItem | PlacementStatusItem | ActivityItem | NameChangeItem, Field(discriminator="kind")
]


class TimelineOut(BaseModel):
    citizen_id: UUID
    citizen_name: str
    items: list[TimelineItem] = Field(description="Oldest first; same day in the order recorded")

    @classmethod
    def of(cls, timeline: Timeline, viewer: Principal) -> TimelineOut:
        """The items the service let ``viewer`` see, each as ``viewer`` may see it (notes: agency staff)."""
        items: list[TimelineItem] = []
        for item in timeline.items:
            if isinstance(item, ReferralRecorded):
                items.append(ReferralItem.of(item))
            elif isinstance(item, StatusChangeRecorded):
                items.append(PlacementStatusItem.of(item))
            elif isinstance(item, ActivityRecorded):
                items.append(ActivityItem.of(item, viewer))
            else:
                items.append(NameChangeItem.of(item))
        return cls(citizen_id=timeline.citizen_id, citizen_name=timeline.citizen_name, items=items)


class FollowUpDueOut(BaseModel):
    placement_id: UUID
    citizen_id: UUID
    citizen_name: str
    company_id: UUID
    activity_type: str
    due_on: date
    overdue: bool = Field(description="Due before the week began")

    @classmethod
    def of(cls, due: FollowUpDue) -> FollowUpDueOut:
        return cls.model_validate(due, from_attributes=True)


class FollowUpsOut(BaseModel):
    consultant_id: str
    week: str
    week_starts_on: date
    due: list[FollowUpDueOut]

    @classmethod
    def of(cls, week: WeekOfFollowUps) -> FollowUpsOut:
        return cls.model_validate(week, from_attributes=True)
