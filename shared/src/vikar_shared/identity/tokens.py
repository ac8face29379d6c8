"""The page-session token: a short-lived, Ed25519-signed JWT (RFC 7519, ``alg`` ``EdDSA``, RFC 8037).

Shape (claims):

- ``iss`` ``"vikarmodel-identity"`` and ``aud`` ``"vikarmodel-pages"``;
- ``sub``: the person's login address (lower-cased e-mail);
- ``sid``: the session's public handle (a UUID). It names the session in revocation events; it is *not*
  a credential (the refresh secret is, and it never leaves the owner's cookie path and database);
- ``role``: a :class:`vikar_shared.auth.principal.Role` value (``company_approver`` today);
- ``company_id`` / ``municipality_id``: the object the person acts for (UUID string or absent);
- ``lang``: ``"da"`` or ``"en"``;
- ``csrf``: a random value fixed for the whole session, echoed by every form (double-submit against a
  value only the cookie's holder can read);
- ``iat`` / ``exp``: NumericDate seconds; ``exp - iat`` at most :data:`MAX_ACCESS_LIFETIME`.

The owner signs with its private key (header ``kid`` names it); every page-serving service verifies with
the public keys by ``kid`` (rotate by adding a key). A token is only as fresh as its ``exp``: revocation
within seconds comes from the owner's ``session_ended`` events, which each verifying service records
locally and checks after the signature (see the identity owner's README).

Errors: :func:`verify_page_session` raises :class:`InvalidPageSessionError` with a ``rule`` of
``token-malformed``, ``token-key-unknown``, ``token-signature``, ``token-expired``, ``token-issuer``,
``token-audience``, ``claim-required``, ``claim-invalid``, ``token-lifetime``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from vikar_shared.auth.principal import Role

ALGORITHM = "EdDSA"
ISSUER = "vikarmodel-identity"
AUDIENCE = "vikarmodel-pages"
ACCESS_LIFETIME = timedelta(minutes=5)
MAX_ACCESS_LIFETIME = timedelta(minutes=15)
LEEWAY = timedelta(seconds=5)
COOKIE_NAME = "vikar_session"
"""The access cookie: ``Path=/``, ``HttpOnly``, ``SameSite=Lax``, ``Secure`` behind HTTPS."""
REFRESH_COOKIE_NAME = "vikar_refresh"
"""The refresh cookie (the owner's only): ``Path=/auth/``, ``HttpOnly``, ``SameSite=Lax`` (sent when a link
from a mail leads through ``/auth/refresh``)."""

# Published development key pair (kid "dev"): refused outside development and test, like the JWT secret.
DEV_KEY_ID = "dev"
DEV_PRIVATE_KEY_PEM = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJCMi0kQIOnmpPzSg5mbH7EGBPmpCIAdooLV8PzDR70N
-----END PRIVATE KEY-----
"""
DEV_PUBLIC_KEY_PEM = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAUlS2m56Z0KqBO8GCxXzHwS5ZcgqBVDKlw9LdGSbb8YE=
-----END PUBLIC KEY-----
"""

_REQUIRED = ("iss", "aud", "sub", "sid", "role", "lang", "csrf", "iat", "exp")


class InvalidPageSessionError(Exception):
    """The cookie holds no usable page session; ``rule`` says why (see the module docstring)."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail


@dataclass(frozen=True)
class PageSession:
    """A verified page session (the token's claims, typed)."""

    session_id: UUID
    subject: str
    role: Role
    lang: str
    csrf: str
    issued_at: datetime
    expires_at: datetime
    company_id: UUID | None = None
    municipality_id: UUID | None = None


def new_csrf() -> str:
    """A fresh 256-bit CSRF value for a new session (URL-safe base64, 43 characters)."""
    return secrets.token_urlsafe(32)


def load_private_key(pem: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PKCS#8 PEM; ``ValueError`` for anything else."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the page-session signing key must be an Ed25519 private key (PKCS#8 PEM)")
    return key


def load_public_key(pem: str) -> Ed25519PublicKey:
    """An Ed25519 public key from SubjectPublicKeyInfo PEM; ``ValueError`` for anything else."""
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("a page-session verify key must be an Ed25519 public key (PEM)")
    return key


def mint_page_session(session: PageSession, *, private_key_pem: str, key_id: str) -> str:
    """The signed token for ``session`` (owner only). ``expires_at - issued_at`` must be positive and at
    most :data:`MAX_ACCESS_LIFETIME`, else ``ValueError``."""
    lifetime = session.expires_at - session.issued_at
    if not timedelta(0) < lifetime <= MAX_ACCESS_LIFETIME:
        raise ValueError(f"a page session lives 0 < lifetime <= {MAX_ACCESS_LIFETIME}, not {lifetime}")
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": session.subject,
        "sid": str(session.session_id),
        "role": session.role.value,
        "lang": session.lang,
        "csrf": session.csrf,
        "iat": int(session.issued_at.timestamp()),
        "exp": int(session.expires_at.timestamp()),
    }
    if session.company_id is not None:
        claims["company_id"] = str(session.company_id)
    if session.municipality_id is not None:
        claims["municipality_id"] = str(session.municipality_id)
    return jwt.encode(claims, load_private_key(private_key_pem), algorithm=ALGORITHM, headers={"kid": key_id})


def verify_page_session(token: str, *, public_keys_pem: dict[str, str], now: datetime) -> PageSession:
    """Verifies ``token`` against ``public_keys_pem`` (PEM by ``kid``) at ``now`` (aware; from the shared
    clock, so a settable demo clock works). Raises :class:`InvalidPageSessionError`."""
    if not token or len(token) > 4096:
        raise InvalidPageSessionError("token-malformed", "no page-session token, or one too long")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidPageSessionError("token-malformed", "the page-session token is malformed") from exc
    kid = header.get("kid")
    if header.get("alg") != ALGORITHM or not isinstance(kid, str) or kid not in public_keys_pem:
        raise InvalidPageSessionError("token-key-unknown", "the page-session token names no known key")
    try:
        claims = jwt.decode(
            token,
            load_public_key(public_keys_pem[kid]),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": list(_REQUIRED), "verify_exp": False, "verify_iat": False},
        )
    except jwt.MissingRequiredClaimError as exc:
        raise InvalidPageSessionError("claim-required", f"the page-session token lacks {exc.claim!r}") from exc
    except jwt.InvalidSignatureError as exc:
        raise InvalidPageSessionError("token-signature", "the page-session token's signature is wrong") from exc
    except jwt.InvalidIssuerError as exc:
        raise InvalidPageSessionError("token-issuer", "the page-session token is not the identity owner's") from exc
    except jwt.InvalidAudienceError as exc:
        raise InvalidPageSessionError("token-audience", "the page-session token is not for pages") from exc
    except jwt.PyJWTError as exc:
        raise InvalidPageSessionError("token-malformed", f"the page-session token is not valid: {exc}") from exc
    try:
        iat, exp = claims["iat"], claims["exp"]
        if (
            isinstance(iat, bool)
            or isinstance(exp, bool)
            or not isinstance(iat, int | float)
            or not isinstance(exp, int | float)
        ):
            raise ValueError("iat and exp are NumericDate numbers")
        issued = datetime.fromtimestamp(iat, UTC)
        expires = datetime.fromtimestamp(exp, UTC)
        session = PageSession(
            session_id=UUID(str(claims["sid"])),
            subject=str(claims["sub"]),
            role=Role(claims["role"]),
            lang=str(claims["lang"]),
            csrf=str(claims["csrf"]),
            issued_at=issued,
            expires_at=expires,
            company_id=UUID(str(claims["company_id"])) if claims.get("company_id") else None,
            municipality_id=UUID(str(claims["municipality_id"])) if claims.get("municipality_id") else None,
        )
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidPageSessionError("claim-invalid", f"a page-session claim is not valid: {exc}") from exc
    if not timedelta(0) < expires - issued <= MAX_ACCESS_LIFETIME:
        raise InvalidPageSessionError("token-lifetime", "the page-session token lives longer than allowed")
    if issued > now + LEEWAY:
        raise InvalidPageSessionError("claim-invalid", "the page-session token was issued in the future")
    if expires <= now:
        raise InvalidPageSessionError("token-expired", "the page-session token has expired")
    return session
