"""A login link to mail, as this service sees it; pure, so the rendering can be tested on its own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from vikar_shared.sealing import Sealed

LOCALES = ("da", "en")
DEFAULT_LOCALE = "da"
MUNICIPALITY = "municipality"
"""The role of a municipality user's link (issue 12): the mail speaks of statements and progress, not hours."""


@dataclass(frozen=True)
class LoginLink:
    """A requested login link. ``sealed_link`` stays sealed here: the mail outbox row keeps it sealed and
    the sender opens it only to build the message (``emails.models.SealedSecret``)."""

    event_id: uuid.UUID
    # The company an approver logs in for; None for a person who acts for no company (later roles).
    company_id: uuid.UUID | None
    email: str
    sealed_link: Sealed
    expires_at: datetime
    locale: str
    # Issue 12: whose link it is (``company_approver`` or ``municipality``), the municipality's name and the
    # person's name as the identity owner knows them (optional on the event).
    role: str = "company_approver"
    municipality_name: str | None = None
    person_name: str | None = None

    @property
    def for_municipality(self) -> bool:
        return self.role == MUNICIPALITY

    @property
    def language(self) -> str:
        """The locale asked for, if we write in it; Danish otherwise."""
        return self.locale if self.locale in LOCALES else DEFAULT_LOCALE

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now


@dataclass(frozen=True)
class Addressee:
    """Who the mail greets and what it is for: for an approver what the companies read model knows (either
    may be unknown yet: topics race), for a municipality user the names the event carries. ``approver_name``
    is the person's name whatever the role; ``company_name`` is a company's or a municipality's name."""

    approver_name: str | None
    company_name: str | None
