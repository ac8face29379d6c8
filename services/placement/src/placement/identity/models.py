"""Identity's rules free of I/O: secrets and their hashes, the login rate limit, safe redirects, sessions.

Ported from timesheet's portal (issue 7 item 4b moves login here); the rate limit is unchanged."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit
from uuid import UUID

from pydantic_core import PydanticCustomError

from vikar_shared.auth.principal import Role
from vikar_shared.identity.tokens import ACCESS_LIFETIME, MAX_ACCESS_LIFETIME, PageSession
from vikar_shared.types.text import clean_text, email_key
from vikar_shared.web.csrf import same_token
from vikar_shared.web.i18n import DEFAULT_LOCALE, LOCALES, supported

__all__ = ["DEFAULT_LOCALE", "LOCALES", "supported"]  # the pages' languages, from the shared catalogue

EMAIL_MAX_LENGTH = 254
DEFAULT_NEXT = "/portal/pending"
MUNICIPALITY_HOME = "/municipality/"
"""Where a municipality user lands when their link names no other page (invoicing's municipality pages)."""
NEXT_MAX_LENGTH = 2000
# Bounds what is hashed and looked up; real tokens and refresh secrets are 43 characters.
MAX_SECRET_LENGTH = 128

# Deliberately loose: the question is only "could this be an address?"; whether it is an approver's
# is answered by the directory, and that answer is never shown.
_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CSRF_DOMAIN = b"vikar.identity.csrf\x00"


class IdentityError(Exception):
    """A request that ends on an explanatory page instead of the page asked for."""


class NoSessionError(IdentityError):
    """No live session behind the refresh cookie (none, unknown, expired, ended, or access lost)."""


class LoginRateLimitedError(IdentityError):
    """Too many recent requests for this address or from this client: wait ``retry_after_seconds``."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"retry after {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


class LinkState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    UNKNOWN = "unknown"


class LoginLinkUnusableError(IdentityError):
    def __init__(self, state: LinkState) -> None:
        super().__init__(state.value)
        self.state = state


class EndReason(StrEnum):
    """Why a session ended before its time (``PageSessionEnded.reason``)."""

    LOGOUT = "logout"
    ACCESS_REMOVED = "access-removed"


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
    over ``window`` (how long an accepted request counts), never a lockout longer than the caps.
    ``access_ttl``: how long one access token lives (5 minutes; the backstop behind revocation events)."""

    link_ttl: timedelta
    window: timedelta
    per_email: Backoff
    per_client: Backoff
    session_ttl: timedelta
    access_ttl: timedelta = ACCESS_LIFETIME


@dataclass(frozen=True)
class RecentRequests:
    """Accepted login requests of one address (or one client) within the window, and the latest one."""

    count: int
    last: datetime | None


@dataclass(frozen=True)
class Person:
    """Who a link or a session is for: the login address (``email_key`` form), the role, and the object
    the person acts for (a company for an approver; a municipality for a municipality user)."""

    email: str
    role: Role
    company_id: UUID | None = None
    municipality_id: UUID | None = None


@dataclass(frozen=True)
class LoginToken:
    """A stored login link (the token itself is not stored: ``token_hash`` is its SHA-256)."""

    person: Person
    language: str
    next_path: str
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class Session:
    """A stored page session. ``session_id`` is the public handle (``sid``); the credential is the
    refresh secret in the refresh cookie, of which the database keeps only the SHA-256."""

    session_id: UUID
    person: Person
    language: str
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None
    end_reason: EndReason | None = None

    def live(self, now: datetime) -> bool:
        return self.ended_at is None and now < self.expires_at

    def not_after(self, ended_at: datetime) -> datetime:
        """The latest expiry any access token of this session can have, once it ended at ``ended_at``."""
        return min(self.expires_at, ended_at + MAX_ACCESS_LIFETIME)


@dataclass(frozen=True)
class Opened:
    """A session just opened or refreshed: the access token (for the ``vikar_session`` cookie), its claims,
    and, for a new session only, the refresh secret (for the ``vikar_refresh`` cookie)."""

    session: Session
    access_token: str
    claims: PageSession
    refresh_secret: str | None
    next_path: str


def new_secret() -> str:
    """256 random bits, URL-safe (43 characters): login tokens and refresh secrets."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> bytes:
    """What is stored of a token or refresh secret: knowing the row does not give the secret."""
    return hashlib.sha256(secret.encode()).digest()


def csrf_for(refresh_secret: str) -> str:
    """The session's CSRF value, derived from its refresh secret and stored nowhere: SHA-256 over a
    domain prefix and the secret, 43 URL-safe characters. Fixed for the session (the refresh secret is
    not rotated); the stored ``digest`` (SHA-256 of the secret alone) does not give it, and the value (in
    every form and in the access token) does not give the secret."""
    raw = hashlib.sha256(_CSRF_DOMAIN + refresh_secret.encode()).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def same_secret(expected: str, given: str | None) -> bool:
    """Constant-time equality (``vikar_shared.web.csrf.same_token``); an empty expected secret matches nothing."""
    return same_token(expected, given)


def usable_secret(secret: str | None) -> bool:
    return bool(secret) and len(secret or "") <= MAX_SECRET_LENGTH


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


def safe_next(raw: str | None) -> str:
    """Where to go after login or refresh: a path on this origin (``/portal/history?month=2026-11``), or
    :data:`DEFAULT_NEXT`. Anything that could leave the origin (``//evil.example``, ``https://…``,
    ``/\\evil``, a scheme, a host, a control character, a backslash) is refused: no open redirect."""
    if not raw or len(raw) > NEXT_MAX_LENGTH or not raw.startswith("/") or raw.startswith("//"):
        return DEFAULT_NEXT
    if "\\" in raw or any(ord(c) < 0x21 or ord(c) == 0x7F for c in raw):
        return DEFAULT_NEXT
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return DEFAULT_NEXT
    return raw


def landing(person: Person, next_path: str) -> str:
    """Where ``person`` goes after login or refresh: ``next_path`` (already :func:`safe_next`), except that a
    municipality user sent to :data:`DEFAULT_NEXT` (the company portal's page, no link named another) lands on
    :data:`MUNICIPALITY_HOME`."""
    if person.role is Role.MUNICIPALITY and next_path == DEFAULT_NEXT:
        return MUNICIPALITY_HOME
    return next_path


def login_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/auth/login/{token}"


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


def access_claims(session: Session, csrf: str, now: datetime, access_ttl: timedelta) -> PageSession:
    """The claims of an access token minted at ``now``: it lives ``access_ttl`` (5 minutes), never past
    the session's own end."""
    return PageSession(
        session_id=session.session_id,
        subject=session.person.email,
        role=session.person.role,
        lang=session.language,
        csrf=csrf,
        issued_at=now,
        expires_at=min(now + access_ttl, session.expires_at),
        company_id=session.person.company_id,
        municipality_id=session.person.municipality_id,
    )
