"""HTTP shapes of the entries API: strict request models, explicit response models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from timesheet.entries.models import MAX_ENTRIES_PER_SUBMISSION, Entry, EntryStatus

# Bounded to PostgreSQL's integer so an absurd value is a 422, not a database error.
Version = Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]
# PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=1000, pattern=r"^[^\x00]*$")]


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    work_date: date = Field(description="Day the hours were worked (Europe/Copenhagen calendar)")
    # Strict: 240.0 or "240" are rejected rather than coerced; hours are whole minutes.
    minutes: StrictInt = Field(description="Whole minutes, a multiple of 15 between 15 and 720")


class SubmitHoursRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[EntryIn] = Field(min_length=1, max_length=MAX_ENTRIES_PER_SUBMISSION)


class ApproveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: Version | None = Field(default=None, description="Fail with 409 unless at this version")


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="Why the hours are rejected (3 to 1000 characters after stripping)")
    expected_version: Version | None = Field(default=None, description="Fail with 409 unless at this version")


class SubmittedEntryOut(BaseModel):
    id: UUID
    work_date: date
    minutes: int
    status: EntryStatus


class SubmissionOut(BaseModel):
    submission_id: UUID
    placement_id: UUID
    entries: list[SubmittedEntryOut]


class EntryOut(BaseModel):
    id: UUID
    placement_id: UUID
    company_id: UUID
    citizen_name: str
    work_date: date
    minutes: int
    status: EntryStatus
    version: int
    submitted_by: str
    submitted_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    rejection_reason: str | None

    @classmethod
    def of(cls, entry: Entry) -> EntryOut:
        return cls(
            id=entry.id,
            placement_id=entry.placement_id,
            company_id=entry.company_id,
            citizen_name=entry.citizen_name,
            work_date=entry.work_date,
            minutes=entry.minutes,
            status=entry.status,
            version=entry.version,
            submitted_by=entry.submitted_by,
            submitted_at=entry.submitted_at,
            decided_by=entry.decided_by,
            decided_at=entry.decided_at,
            rejection_reason=entry.rejection_reason,
        )


class EntryListOut(BaseModel):
    entries: list[EntryOut]
