"""The mail outbox in pure terms: what an e-mail is, its states, its identity and its retry rule."""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from enum import StrEnum

from vikar_shared.sealing import Sealed
from vikar_shared.types.text import email_key

# Fixed forever: Message-IDs derived from it must stay the same across releases and replicas.
_MESSAGE_ID_NAMESPACE = uuid.UUID("6f1c2a0e-5d7b-4d0a-9a43-0c3f1f6a8e21")


class EmailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    # Issue 14: withdrawn before it was sent (a payment reminder once the invoice is paid); never sent.
    CANCELLED = "cancelled"


class EmailKind(StrEnum):
    HOURS_SUBMITTED = "hours_submitted"
    LOGIN_LINK = "login_link"
    # Issue 14.
    APPROVAL_REMINDER = "approval_reminder"
    APPROVAL_FOLLOW_UP = "approval_follow_up"
    APPROVAL_ESCALATION = "approval_escalation"
    DEEMED_APPROVED = "deemed_approved"
    INVOICE_ISSUED = "invoice_issued"
    CREDIT_NOTE_ISSUED = "credit_note_issued"
    PAYMENT_FAILED = "payment_failed"
    PAYMENT_REMINDER = "payment_reminder"
    STATEMENT_ISSUED = "statement_issued"
    CONSULTANT_DIGEST = "consultant_digest"
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint_disabled"


@dataclass(frozen=True)
class MailContext:
    """What rendering an e-mail needs beyond the event: where links point, whose Message-IDs these are, and
    (issue 14) the agency's name the mails are signed with."""

    portal_base_url: str
    message_id_domain: str
    agency_name: str = "Vikarmodellen"


# Issue 14 (part B): the kinds of mail finance may read in the mail log (the invoicing parties' mails).
INVOICING_KINDS = frozenset(
    {
        EmailKind.INVOICE_ISSUED,
        EmailKind.CREDIT_NOTE_ISSUED,
        EmailKind.PAYMENT_FAILED,
        EmailKind.PAYMENT_REMINDER,
        EmailKind.STATEMENT_ISSUED,
    }
)


@dataclass(frozen=True)
class AddressFailure:
    """An address whose mail failed for good: the last error, when, how many mails failed since the last success."""

    address: str
    last_error: str
    failed_at: datetime
    failures: int
    last_email_id: int | None


# The body line a sealed secret takes when sending; what the outbox row (and GET /emails) shows instead.
SECRET_PLACEHOLDER = "[link sealed: filled in only when the e-mail is sent]"


@dataclass(frozen=True)
class SealedSecret:
    """A secret (e.g. a login link) an e-mail carries, kept sealed in the outbox row.

    ``sealed`` opens with the service's sealing keys and exactly ``context`` (the GCM associated data,
    e.g. ``vikar.login_link/v2\n<recipient>``); the sender opens it only while building the message and
    puts it in place of the body's ``SECRET_PLACEHOLDER`` line. Nothing is sent after ``expires_at``; the
    sealed value is deleted from the row once the e-mail is sent, has failed for good, or has expired."""

    sealed: Sealed
    context: str
    expires_at: datetime


@dataclass(frozen=True)
class AttachmentRef:
    """A document the sender fetches from another service when it sends the mail (issue 14), with a short-lived
    ``service``-role token: ``GET <that service's base URL><path>``. Only the reference is stored; the document
    never sits in the mail outbox or on Kafka. ``media_type`` e.g. ``application/pdf`` or ``text/csv``."""

    filename: str
    media_type: str
    service: str
    path: str

    def as_json(self) -> dict[str, str]:
        return {"filename": self.filename, "media_type": self.media_type, "service": self.service, "path": self.path}


@dataclass(frozen=True)
class PlannedEmail:
    """A mail to put in the outbox. ``body`` is the plain-text part, ``html_body`` the HTML alternative
    (None: text only); ``language`` ``da`` or ``en``; ``attachments`` fetched at send time."""

    kind: EmailKind
    event_id: uuid.UUID
    recipient: str
    recipient_name: str
    subject: str
    body: str
    message_id: str
    secret: SealedSecret | None = None
    html_body: str | None = None
    language: str = "da"
    attachments: tuple[AttachmentRef, ...] = ()


@dataclass(frozen=True)
class OutgoingEmail:
    """A claimed row, as much as sending it needs."""

    id: int
    event_id: uuid.UUID
    recipient: str
    recipient_name: str
    subject: str
    body: str
    message_id: str
    attempts: int
    secret: SealedSecret | None = None
    secret_expired: bool = False
    html_body: str | None = None
    language: str = "da"
    attachments: tuple[AttachmentRef, ...] = ()


@dataclass(frozen=True)
class EmailRecord:
    id: int
    kind: str
    event_id: uuid.UUID
    recipient: str
    recipient_name: str
    subject: str
    body: str
    message_id: str
    status: EmailStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    language: str = "da"
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_seconds: float
    max_seconds: float

    def delay_after(self, attempts: int) -> float:
        """Exponential backoff: base, 2·base, 4·base, … capped at ``max_seconds``."""
        return float(min(self.base_seconds * 2 ** max(attempts - 1, 0), self.max_seconds))

    def gives_up_after(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


class SecretPlacementError(ValueError):
    """The body has no ``SECRET_PLACEHOLDER`` line for the secret (a rendering fault): nothing is sent."""


def with_secret(body: str, secret: str) -> str:
    """``body`` with its ``SECRET_PLACEHOLDER`` line(s) replaced by ``secret``; only whole lines match, so
    a name or other text that happens to contain the placeholder never receives the secret."""
    lines = body.split("\n")
    if SECRET_PLACEHOLDER not in lines:
        raise SecretPlacementError("the e-mail body has no place for its sealed link")
    return "\n".join(secret if line == SECRET_PLACEHOLDER else line for line in lines)


def with_html_secret(html_body: str, secret: str) -> str:
    """The HTML part with its ``SECRET_PLACEHOLDER`` line(s) replaced by a link to ``secret``, escaped for the
    attribute and the text; like :func:`with_secret`, only whole lines match (raises
    :class:`SecretPlacementError` when there is none)."""
    escaped = html.escape(secret, quote=True)
    return with_secret(html_body, f'<a href="{escaped}">{escaped}</a>')


def normalise_address(address: str) -> str:
    """One mailbox, one row: the unique (event_id, recipient) key must not be dodged by letter case or
    full-width letters. The shared form (``vikar_shared.types.text.email_key``): ASCII, lower-cased,
    punycode domain; never raises."""
    return email_key(address)


def single_line(text: str) -> str:
    """Collapses all whitespace, so names are safe in headers (no injected lines) and read cleanly."""
    return " ".join(text.split())


def message_id_for(event_id: uuid.UUID, recipient: str, domain: str) -> str:
    """The same (event, recipient) always yields the same Message-ID, so a resend is recognisable."""
    token = uuid.uuid5(_MESSAGE_ID_NAMESPACE, f"{event_id}/{normalise_address(recipient)}")
    return f"<{token}@{domain}>"


def domain_of(from_address: str, default: str = "vikarmodel.dk") -> str:
    _, address = parseaddr(from_address)
    _, at, domain = address.rpartition("@")
    return domain.strip() if at and domain.strip() else default
