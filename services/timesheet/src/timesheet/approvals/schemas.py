"""HTTP shapes of bulk approval, the pending queue and the overdue list."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from timesheet.approvals.models import BulkApproval, PendingCitizen, PendingWeek
from timesheet.entries.schemas import EntryOut, Version

MAX_IDS_PER_APPROVAL = 500
MAX_SEEN = 2000


class SeenEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entry_id: UUID
    version: Version = Field(description="The entry's version as the approver saw it")


class BulkApprovalRequest(BaseModel):
    """Exactly one of the selectors, and ``seen``: the version of every entry the approver saw (from the
    pending queue). Every entry the selector matches is approved at the version seen, or nothing is: an
    entry changed since (or submitted since, unseen) makes the whole approval a 409 ``entries-changed``."""

    model_config = ConfigDict(extra="forbid")

    seen: list[SeenEntry] = Field(
        max_length=MAX_SEEN,
        description="Each entry the approver saw, with its version (GET /companies/{id}/pending gives both); "
        "with entry_ids it must cover every id",
    )

    entry_ids: list[UUID] | None = Field(default=None, min_length=1, max_length=MAX_IDS_PER_APPROVAL)
    week: str | None = Field(default=None, description="ISO week of the work dates, e.g. 2026-W47", max_length=10)
    citizen_id: UUID | None = Field(default=None, description="All pending entries of one citizen")
    all_pending: Literal[True] | None = Field(default=None, description="All pending entries of the company")


class BulkApprovalOut(BaseModel):
    approved: list[EntryOut]
    already_decided: list[EntryOut] = Field(
        description="Seen and matched, but decided by someone else since: as they are now (status, decided_by, "
        "decided_at)"
    )
    not_found: list[UUID] = Field(description="Ids given that are not entries of this company")

    @classmethod
    def of(cls, result: BulkApproval) -> BulkApprovalOut:
        return cls.model_validate(result, from_attributes=True)


class PendingCitizenOut(BaseModel):
    citizen_id: UUID
    citizen_name: str
    total_minutes: int
    entries: list[EntryOut]

    @classmethod
    def of(cls, citizen: PendingCitizen) -> PendingCitizenOut:
        return cls.model_validate(citizen, from_attributes=True)


class PendingWeekOut(BaseModel):
    week: str = Field(description="ISO week, e.g. 2026-W47")
    starts_on: date
    ends_on: date
    total_minutes: int
    citizens: list[PendingCitizenOut]

    @classmethod
    def of(cls, week: PendingWeek) -> PendingWeekOut:
        return cls(
            week=str(week.week),
            starts_on=week.week.monday,
            ends_on=week.week.sunday,
            total_minutes=week.total_minutes,
            citizens=[PendingCitizenOut.of(c) for c in week.citizens],
        )


class PendingQueueOut(BaseModel):
    company_id: UUID
    company_name: str | None = Field(description="Null until the company is known to this service")
    total_minutes: int
    weeks: list[PendingWeekOut]


class OverdueEntriesOut(BaseModel):
    older_than_days: int
    entries: list[EntryOut]
