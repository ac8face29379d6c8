"""Who the notifications service tells (issue 14): people with the language their mails use."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

LANGUAGES = ("da", "en")


def language_or_danish(language: str | None) -> str:
    """``da`` or ``en``: Danish first, English only where the recipient prefers it."""
    return language if language in LANGUAGES else "da"


@dataclass(frozen=True)
class Recipient:
    """One mailbox to address: normalised ``email``, single-line ``name``, ``language`` ``da`` or ``en``."""

    email: str
    name: str
    language: str = "da"


@dataclass(frozen=True)
class StaffMember:
    staff_id: uuid.UUID
    subject: str
    name: str
    email: str
    role: str
    active: bool
    language: str

    def recipient(self) -> Recipient:
        return Recipient(self.email, self.name, self.language)


@dataclass(frozen=True)
class BackupApprover:
    email: str
    name: str
    valid_from: date | None
    valid_to: date | None
    language: str

    def in_force_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class KnownPlacement:
    placement_id: uuid.UUID
    company_id: uuid.UUID
    citizen_id: uuid.UUID
    citizen_name: str
    municipality_id: uuid.UUID
    consultant_id: str | None
    status: str | None
    start_date: date
    end_date: date | None
