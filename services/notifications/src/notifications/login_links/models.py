"""A login link to mail, as this service sees it; pure, so the rendering can be tested on its own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from vikar_shared.sealing import Sealed

LOCALES = ("da", "en")
DEFAULT_LOCALE = "da"


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

    @property
    def language(self) -> str:
        """The locale asked for, if we write in it; Danish otherwise."""
        return self.locale if self.locale in LOCALES else DEFAULT_LOCALE

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now


@dataclass(frozen=True)
class Addressee:
    """What the companies read model knows of the recipient; either may be unknown yet (topics race)."""

    approver_name: str | None
    company_name: str | None
