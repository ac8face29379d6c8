"""HTTP shapes of the entries API: strict request models, explicit response models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from timesheet.entries.history import HistoryAction, HistoryRecord
from timesheet.entries.models import Entry, EntryStatus, Submission
from timesheet.entries.rules import MAX_ENTRIES_PER_SUBMISSION, REASON_MAX_LENGTH, REASON_MIN_LENGTH
from vikar_shared.types.numbers import MAX_MINUTES_PER_DAY
from vikar_shared.types.periods import Day
from vikar_shared.types.text import MultiLine

# Bounded to PostgreSQL's integer so an absurd value is a 422, not a database error.
Version = Annotated[StrictInt, Field(ge=1, le=2**31 - 1)]
# The shared multi-line text rules (no NUL or other control characters, NFC, trimmed), 3..1000 characters.
Reason = Annotated[str, MultiLine(REASON_MAX_LENGTH, min_length=REASON_MIN_LENGTH)]
# Whole minutes as sent; the domain rules narrow them (15..720, quarter hours). This outer bound (a day either
# way) only keeps absurd numbers out: beyond it the 422 names the field with less_than_equal/greater_than_equal.
Minutes = Annotated[StrictInt, Ge(-MAX_MINUTES_PER_DAY), Le(MAX_MINUTES_PER_DAY)]


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    work_date: Day = Field(description="Day the hours were worked (Europe/Copenhagen calendar)")
    # Strict: 240.0 or "240" are rejected rather than coerced; hours are whole minutes.
    minutes: Minutes = Field(description="Whole minutes, a multiple of 15 between 15 and 720")


class SubmitHoursRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entries: list[EntryIn] = Field(min_length=1, max_length=MAX_ENTRIES_PER_SUBMISSION)


_SEEN_VERSION = (
    "The entry's `version` as the approver saw it (from GET /entries/{id}, the company's entries or the pending "
    "queue). Required: a decision is only made on what was seen; 409 `entry-version-mismatch` with the entry as "
    "it is now when it changed since"
)


class ApproveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expected_version: Version = Field(description=_SEEN_VERSION)


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="Why the hours are rejected (3 to 1000 characters after stripping)")
    expected_version: Version = Field(description=_SEEN_VERSION)


class ResubmitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    work_date: Day = Field(description="Day the hours were worked; for a correction, the original's work date")
    minutes: Minutes = Field(description="Whole minutes; for a correction, the signed change to the original")
    expected_version: Version | None = Field(
        default=None,
        description="Fail with 409 `entry-version-mismatch` unless the entry is at this version; required to "
        "change a submitted entry (422 `expected-version-required`), optional for a rejected one",
    )


class CorrectionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes_delta: Minutes = Field(
        description="Signed change to the approved entry's minutes: a non-zero multiple of 15 that keeps the "
        "entry, with all its approved and pending corrections, within 0..720 minutes"
    )
    reason: Reason = Field(description="Why the approved hours are corrected (3 to 1000 characters)")


class SubmittedEntryOut(BaseModel):
    id: UUID
    work_date: date
    minutes: int
    status: EntryStatus


class SubmissionOut(BaseModel):
    submission_id: UUID
    placement_id: UUID
    entries: list[SubmittedEntryOut]

    @classmethod
    def of(cls, submission: Submission) -> SubmissionOut:
        return cls.model_validate(submission, from_attributes=True)


class EntryOut(BaseModel):
    id: UUID
    submission_id: UUID = Field(description="The submission that last (re)submitted the entry")
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
    citizen_id: UUID
    bill_rate_ore_per_hour: int = Field(description="Bill rate in force on the work date when (re)submitted, øre/h")
    corrects_entry_id: UUID | None = Field(description="The approved entry this correction changes, if one")
    correction_reason: str | None
    status_reason: str | None = Field(
        default=None, description="On an approved entry: null (an approver approved it) or deemed_approved"
    )

    @classmethod
    def of(cls, entry: Entry) -> EntryOut:
        return cls.model_validate(entry, from_attributes=True)


class EntryListOut(BaseModel):
    entries: list[EntryOut]


class HistoryItemOut(BaseModel):
    entry_id: UUID = Field(description="The entry changed: the one asked about, or one of its corrections")
    action: HistoryAction
    actor: str
    occurred_at: datetime
    version: int = Field(description="The entry's version after the change")
    work_date: date
    minutes: int = Field(description="The entry's minutes after the change; on 'corrected', the correction's delta")
    reason: str | None = Field(description="Rejection reason, or correction reason")
    submission_id: UUID | None
    correction_entry_id: UUID | None = Field(description="On 'corrected': the correction entry")
    status_reason: str | None = Field(
        default=None, description="On 'approved': null (an approver) or deemed_approved (the deadline)"
    )

    @classmethod
    def of(cls, record: HistoryRecord) -> HistoryItemOut:
        return cls.model_validate(record, from_attributes=True)


class HistoryOut(BaseModel):
    entry_id: UUID
    history: list[HistoryItemOut]
