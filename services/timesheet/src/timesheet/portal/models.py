"""The portal's rules free of I/O: secrets and their hashes, the login policy, what a session is."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from pydantic_core import PydanticCustomError

from timesheet.entries.rules import REASON_MAX_LENGTH, REASON_MIN_LENGTH
from vikar_shared.auth.principal import Principal, Role
from vikar_shared.types.periods import PeriodError, month_of
from vikar_shared.types.text import clean_text, email_key
from vikar_shared.web.formatting import hours_minutes

EMAIL_MAX_LENGTH = 254
# The most entries one portal form acts on ("approve all", a week): the API's bound on the versions an
# approver saw (``approvals.schemas.MAX_SEEN``, 2000), far above a company's usual pending hours. Beyond
# it the pending page offers no such button, and a form that names more is answered with a page telling
# the approver to approve week by week or entry by entry.
MAX_ENTRIES_PER_ACTION = 2000
# Fields of a decision form besides the entries' (csrf_token, idempotency_key, reason) and some slack.
FORM_OWN_FIELDS = 8

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
    """Too many recent requests for this address or from this client: wait ``retry_after_seconds``."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"retry after {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


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
class Backoff:
    """``free`` accepted requests within the window pass at once; each further one must come at least
    ``base · 2^(n − free)`` after the previous accepted one (n = accepted so far), never more than ``cap``."""

    free: int
    base: timedelta
    cap: timedelta


@dataclass(frozen=True)
class LoginPolicy:
    """How long links and sessions live, and the login rate limit: a backoff per address and per client
    over ``window`` (how long an accepted request counts), never a lockout longer than the caps."""

    link_ttl: timedelta
    window: timedelta
    per_email: Backoff
    per_client: Backoff
    session_ttl: timedelta


@dataclass(frozen=True)
class RecentRequests:
    """Accepted login requests of one address (or one client) within the window, and the latest one."""

    count: int
    last: datetime | None


def new_secret() -> str:
    """256 random bits, URL-safe: login tokens, session ids and CSRF tokens."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> bytes:
    """What is stored of a token or session id: knowing the row does not give the secret."""
    return hashlib.sha256(secret.encode()).digest()


_CSRF_DOMAIN = b"vikar.portal.csrf\x00"


def csrf_token_for(session_id: str) -> str:
    """The session's CSRF token, derived from its id and stored nowhere: SHA-256 over a domain prefix and
    the id, 43 URL-safe characters. Only the cookie's holder can compute it; the stored ``digest`` of the
    id (SHA-256 of the id alone) does not give it, and the token (in every form) does not give the id."""
    raw = hashlib.sha256(_CSRF_DOMAIN + session_id.encode()).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def same_secret(expected: str, given: str | None) -> bool:
    """Constant-time equality; an empty expected secret matches nothing."""
    return bool(expected) and given is not None and secrets.compare_digest(expected.encode(), given.encode())


def normalise_email(raw: str) -> str:
    """The address as approvers are stored and compared (``vikar_shared.types.text.email_key``): a login
    address typed in full-width letters finds its approver."""
    return email_key(raw)


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


def backoff_wait(recent: RecentRequests, backoff: Backoff, now: datetime) -> timedelta:
    """How long until one more request may pass (zero: now). Only accepted requests count, so a refused
    burst neither lengthens the wait nor outlives the cap: nobody is locked out for longer than ``cap``
    after the last accepted request (whose link went to the address's owner)."""
    if recent.count < backoff.free or recent.last is None:
        return timedelta(0)
    doublings = min(recent.count - backoff.free, 32)  # bounded: 2**32 · base is past any cap
    delay: timedelta = min(backoff.base * (1 << doublings), backoff.cap)
    remaining: timedelta = delay - (now - recent.last)
    return remaining if remaining > timedelta(0) else timedelta(0)


def login_wait(by_email: RecentRequests, by_client: RecentRequests, policy: LoginPolicy, now: datetime) -> timedelta:
    """The longer of the address's and the client's waits."""
    return max(backoff_wait(by_email, policy.per_email, now), backoff_wait(by_client, policy.per_client, now))


def rate_limit_client(host: str) -> str:
    """What the per-client limit counts: an IPv4 address as it is, an IPv6 address by its /64 (one
    subscriber's network, whose addresses are theirs to rotate); anything else (a test client) verbatim."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def retry_after_seconds(wait: timedelta) -> int:
    """A Retry-After value: whole seconds, rounded up, at least 1."""
    return max(1, math.ceil(wait.total_seconds()))


def clean_reason(reason: str) -> str:
    """A rejection reason as the API stores it (``entries.schemas.Reason``: the shared multi-line text
    rules and bounds, so both doors store the same text): CR LF and CR become LF, NFC-normalised,
    trimmed. Raises ``PydanticCustomError`` (see :func:`reason_problem`) when it is not acceptable."""
    return clean_text(reason, max_length=REASON_MAX_LENGTH, min_length=REASON_MIN_LENGTH, multi_line=True)


def reason_problem(reason: str) -> ReasonProblem | None:
    """Validates a rejection reason with the API's rules (:func:`clean_reason`): None when it is acceptable."""
    try:
        clean_reason(reason)
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


# ``135`` → ``"2:15"``, from integers only (the one formatter of vikar_shared.web).
hours_and_minutes = hours_minutes


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
