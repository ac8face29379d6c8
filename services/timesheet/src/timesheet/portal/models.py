"""The portal's rules free of I/O: secrets and their hashes, the login policy, what a session is."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from pydantic_core import PydanticCustomError

from vikar_shared.auth.principal import Principal, Role
from vikar_shared.types.periods import PeriodError, month_of
from vikar_shared.types.text import clean_text

# Same bounds as the rejection API (entries.schemas.Reason), so both doors accept the same reasons.
REASON_MIN_LENGTH = 3
REASON_MAX_LENGTH = 1000
EMAIL_MAX_LENGTH = 254
# Bounds the work one form post can ask for; far above any company's pending hours.
MAX_ENTRIES_PER_ACTION = 1000

# Deliberately loose: the question is only "could this be an address?"; whether it is an approver's
# is answered by the read model, and that answer is never shown.
_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PortalError(Exception):
    """A portal request that ends on an explanatory page instead of the page asked for."""


class NotLoggedInError(PortalError):
    pass


class CsrfRejectedError(PortalError):
    pass


class LoginRateLimitedError(PortalError):
    pass


class LinkState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    UNKNOWN = "unknown"


class LoginLinkUnusableError(PortalError):
    def __init__(self, state: LinkState) -> None:
        super().__init__(state.value)
        self.state = state


class ReasonProblem(StrEnum):
    TOO_SHORT = "reason_too_short"
    TOO_LONG = "reason_too_long"
    INVALID_CHARACTER = "reason_invalid_character"


@dataclass(frozen=True)
class LoginPolicy:
    link_ttl: timedelta
    window: timedelta
    max_per_email: int
    max_per_client: int
    session_ttl: timedelta


def new_secret() -> str:
    """256 random bits, URL-safe: login tokens, session ids and CSRF tokens."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> bytes:
    """What is stored of a token or session id: knowing the row does not give the secret."""
    return hashlib.sha256(secret.encode()).digest()


def same_secret(expected: str, given: str | None) -> bool:
    return given is not None and secrets.compare_digest(expected.encode(), given.encode())


def normalise_email(raw: str) -> str:
    return raw.strip().lower()


def looks_like_email(address: str) -> bool:
    """Loose shape, and the shared single-line text rules (no NUL, no control character, no line break)."""
    if len(address) > EMAIL_MAX_LENGTH or _EMAIL_SHAPE.match(address) is None:
        return False
    try:
        clean_text(address, max_length=EMAIL_MAX_LENGTH)
    except PydanticCustomError:
        return False
    return True


def login_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/portal/login/{token}"


def link_state(*, found: bool, used_at: datetime | None, expires_at: datetime | None, now: datetime) -> LinkState:
    if not found or expires_at is None:
        return LinkState.UNKNOWN
    if used_at is not None:
        return LinkState.USED
    if expires_at <= now:
        return LinkState.EXPIRED
    return LinkState.VALID


def over_limit(recent_for_email: int, recent_for_client: int, policy: LoginPolicy) -> bool:
    return recent_for_email >= policy.max_per_email or recent_for_client >= policy.max_per_client


def reason_problem(reason: str) -> ReasonProblem | None:
    """Validates a stripped rejection reason with the API's rules (``entries.schemas.Reason``, the shared
    multi-line text type): None when it is acceptable."""
    try:
        clean_text(reason, max_length=REASON_MAX_LENGTH, min_length=REASON_MIN_LENGTH, multi_line=True)
    except PydanticCustomError as error:
        if error.type in ("string_too_short", "not-blank"):
            return ReasonProblem.TOO_SHORT
        if error.type == "string_too_long":
            return ReasonProblem.TOO_LONG
        return ReasonProblem.INVALID_CHARACTER
    return None


def parse_month(raw: str | None) -> date | None:
    """``"2026-11"`` → the first day of that month (the shared parser: years 2000..2100); None for anything else."""
    try:
        return month_of(raw or "").first_day
    except PeriodError:
        return None


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def previous_month(first: date) -> date:
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def hours_and_minutes(minutes: int) -> str:
    """``135`` → ``"2:15"``, from integers only."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}"


@dataclass(frozen=True)
class PortalSession:
    company_id: UUID
    email: str
    approver_name: str
    company_name: str | None
    csrf_token: str
    locale: str
    expires_at: datetime

    @property
    def principal(self) -> Principal:
        # The approver acts as themselves, bound to the one company the login link was for.
        return Principal(subject=self.email, role=Role.COMPANY_APPROVER, company_id=self.company_id, email=self.email)


@dataclass(frozen=True)
class NewSession:
    session_id: str
    session: PortalSession


@dataclass(frozen=True)
class Flash:
    key: str
    params: dict[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class MonthTotals:
    month: date
    approved_minutes: int
    rejected_minutes: int
    submitted_minutes: int
