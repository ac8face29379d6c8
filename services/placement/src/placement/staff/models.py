"""The agency's staff directory (issue 14): consultants, finance and admins with the name, e-mail, role and
language the system addresses them by. ``subject`` is the bearer token subject the person signs in with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, TypedDict
from uuid import UUID

StaffRole = Literal["consultant", "finance", "admin"]
Language = Literal["da", "en"]


@dataclass(frozen=True)
class StaffMember:
    """A member as stored; ``active`` false: left the agency (kept, never deleted)."""

    staff_id: UUID
    subject: str
    name: str
    email: str
    role: StaffRole
    active: bool
    language: Language
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class StaffInput:
    """A member to add, as asked for (the service strips the name and checks the subject is free)."""

    subject: str
    name: str
    email: str
    role: StaffRole
    language: Language = "da"
    active: bool = True


class StaffChanges(TypedDict, total=False):
    """The fields a change sends (a key present is a field sent)."""

    name: str
    email: str
    role: StaffRole
    active: bool
    language: Language


@dataclass(frozen=True)
class DigestFollowUp:
    """A follow-up the consultant owes (``overdue``: due before the week)."""

    placement_id: UUID
    citizen_name: str
    company_id: UUID
    company_name: str
    activity_type: str
    due_on: date
    overdue: bool


@dataclass(frozen=True)
class DigestOpening:
    """An open opening not followed up within its deadline."""

    opening_id: UUID
    company_id: UUID
    company_name: str
    job_category: str
    reported_on: date
    follow_up_due_on: date


@dataclass(frozen=True)
class ConsultantDigest:
    """What the consultant owes in ISO ``week`` (issue 14): names only, never a CPR number or a note. Openings are
    judged overdue ``as_of`` (today within the week; the week's Monday or Sunday outside it)."""

    consultant_id: str
    week: str
    week_starts_on: date
    as_of: date
    follow_ups: list[DigestFollowUp]
    overdue_openings: list[DigestOpening]
