"""Request and response bodies of the ladder settings API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from notifications.reminders.models import LadderSettings


class LadderIn(BaseModel):
    """A company's ladder in working days after submission (each 1..60, rising: reminder < follow-up <
    escalation < deemed approval). ``deemed_approval`` opts the company in; without
    ``deemed_approval_working_days`` the service's default deadline applies."""

    model_config = ConfigDict(extra="forbid")

    reminder_working_days: StrictInt = Field(description="First reminder after this many working days pending")
    follow_up_working_days: StrictInt = Field(description="Follow-up after this many working days")
    escalation_working_days: StrictInt = Field(
        description="Escalation (backup approvers, the responsible consultants) after this many working days"
    )
    deemed_approval: StrictBool = Field(default=False, description="Opt in to deemed approval (off by default)")
    deemed_approval_working_days: StrictInt | None = Field(
        default=None, description="Deemed approved after this many working days (default: the service's setting)"
    )


class LadderOut(BaseModel):
    company_id: uuid.UUID
    reminder_working_days: int
    follow_up_working_days: int
    escalation_working_days: int
    deemed_approval: bool
    deemed_approval_working_days: int | None = Field(description="null when deemed approval is off")
    custom: bool = Field(description="false: the service's defaults apply (nobody changed this company's ladder)")
    updated_by: str | None
    updated_at: datetime | None

    @classmethod
    def of(cls, s: LadderSettings) -> LadderOut:
        return cls(
            company_id=s.company_id,
            reminder_working_days=s.ladder.reminder,
            follow_up_working_days=s.ladder.follow_up,
            escalation_working_days=s.ladder.escalation,
            deemed_approval=s.ladder.deemed_approval is not None,
            deemed_approval_working_days=s.ladder.deemed_approval,
            custom=s.custom,
            updated_by=s.updated_by,
            updated_at=s.updated_at,
        )
