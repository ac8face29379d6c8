"""The pay side's inputs besides approved hours (issue 13): who is employed under which employee number, and
the hours submitted or rejected but not approved. Pure data; the read models live in ``repository``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Employee:
    """A citizen the agency employs (placement's ``employee_registered``): ``employee_number`` 1..99 999 999,
    unique; ``employed_from`` the start date of the citizen's first placement."""

    citizen_id: UUID
    employee_number: int
    employed_from: date


class UnapprovedStatus(StrEnum):
    """Where an entry not (yet) approved stands in timesheet: waiting for a decision, or rejected."""

    SUBMITTED = "submitted"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class UnapprovedEntry:
    """Hours worked on ``work_date`` (whole ``minutes``; a correction's signed change, with
    ``corrects_entry_id``) that are submitted or rejected, never approved; as the latest timesheet event said."""

    entry_id: UUID
    placement_id: UUID
    company_id: UUID
    work_date: date
    minutes: int
    corrects_entry_id: UUID | None
    status: UnapprovedStatus
