"""The agency's staff directory (issue 14): consultants, finance and admins with the name, e-mail, role and
language the system addresses them by. ``subject`` is the bearer token subject the person signs in with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
