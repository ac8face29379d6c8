"""Bearer JWTs: HS256, verified against configured keys chosen by the token's ``kid``.

A token is accepted only with every claim the services rely on: a non-empty ``sub``, ``role``,
``iss`` and ``aud`` (this deployment's), ``iat`` and ``exp``, and a bounded lifetime: ``exp - iat``
at most ``max_lifetime`` (default 12 h, ``jwt_max_lifetime_minutes``), ``iat`` not later than now
plus the leeway (default 60 s, for the issuer's clock; an expired token gets no leeway).
Anything else is a 401 problem (code ``unauthenticated``) whose ``errors`` name field
``Authorization`` and the rule broken: ``token-malformed``, ``token-key-unknown``,
``token-expired``, ``token-signature``, ``token-issuer``, ``token-audience``, ``claim-required``
(the message names the claim), ``claim-invalid`` (``iat``, ``exp`` or ``nbf`` not a JSON number: a
numeric string such as ``"1796..."`` is refused too, as RFC 7519 makes them NumericDate numbers; an
``email`` claim that is not an address by ``vikar_shared.types.Email``), ``claim-sub-empty``,
``token-issued-in-future``, ``token-not-yet-valid`` (``nbf``), ``token-lifetime``, ``token-invalid``.

A verifier remembers the tokens it accepted (at most ``cache_size``, 4,096 by default, keyed by the
token's SHA-256, never the token itself) with the principal and the expiry: the same token again is
answered from memory until its ``exp`` (no leeway, as on the first check), so an approver's burst of
requests pays for the signature and claim checks once (issue 8, bench/api). Only an accepted token is
remembered; everything else it was checked for cannot change with time except expiry (``iat`` and
``nbf`` only become easier to pass), and the keys are fixed for the verifier's life. A refused token is
checked in full every time.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

import jwt
from pydantic import BaseModel, ConfigDict, SecretStr, StrictStr

from vikar_shared.auth.principal import Principal, Role
from vikar_shared.errors import Category, DomainError, FieldViolation
from vikar_shared.types.text import EMAIL_MAX, Email, SingleLine

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("sub", "role", "iss", "aud", "iat", "exp")
NUMERIC_DATE_CLAIMS = ("iat", "exp", "nbf")
MAX_LIFETIME = timedelta(hours=12)
LEEWAY = timedelta(seconds=60)
CACHE_SIZE = 4096


def _unauthenticated(detail: str, rule: str = "token-invalid") -> DomainError:
    return DomainError(
        Category.UNAUTHENTICATED, "unauthenticated", detail, [FieldViolation("Authorization", rule, detail)]
    )


def _decode_failure(exc: jwt.PyJWTError) -> DomainError:
    if isinstance(exc, jwt.ExpiredSignatureError):
        return _unauthenticated("The bearer token has expired", "token-expired")
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return _unauthenticated(f"The bearer token lacks the required claim {exc.claim!r}", "claim-required")
    if isinstance(exc, jwt.InvalidSignatureError):
        return _unauthenticated(f"The bearer token is not valid: {exc}", "token-signature")
    if isinstance(exc, jwt.InvalidIssuerError):
        return _unauthenticated(f"The bearer token is not valid: {exc}", "token-issuer")
    if isinstance(exc, jwt.InvalidAudienceError):
        return _unauthenticated(f"The bearer token is not valid: {exc}", "token-audience")
    if isinstance(exc, jwt.ImmatureSignatureError):
        return _unauthenticated(f"The bearer token is not valid yet: {exc}", "token-not-yet-valid")
    if isinstance(exc, jwt.InvalidIssuedAtError) or (isinstance(exc, jwt.DecodeError) and "claim" in str(exc)):
        # e.g. "Expiration Time claim (exp) must be an integer."
        return _unauthenticated(f"The bearer token is not valid: {exc}", "claim-invalid")
    if isinstance(exc, jwt.DecodeError):
        return _unauthenticated("The bearer token is malformed", "token-malformed")
    return _unauthenticated(f"The bearer token is not valid: {exc}")


_SIGNATURE_ONLY: jwt.types.Options = {
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
}


def _check_numeric_dates(claims: Mapping[str, object]) -> None:
    """``iat``, ``exp`` and ``nbf``, when present, are finite JSON numbers (RFC 7519 NumericDate); else
    401 ``claim-invalid``."""
    for name in NUMERIC_DATE_CLAIMS:
        if name not in claims:
            continue
        value = claims[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise _unauthenticated(f"The bearer token's {name} claim is not a number", "claim-invalid")


class TokenVerifier:
    """Verifies bearer tokens; ``max_lifetime`` bounds ``exp - iat``, ``leeway`` the clock skew; the last
    ``cache_size`` accepted tokens are answered from memory until they expire (0: never)."""

    def __init__(
        self,
        keys: Mapping[str, SecretStr],
        issuer: str,
        audience: str,
        *,
        max_lifetime: timedelta = MAX_LIFETIME,
        leeway: timedelta = LEEWAY,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        if not keys:
            raise ValueError("at least one JWT key is required")
        self._keys = {kid: k.get_secret_value() for kid, k in keys.items()}
        self._issuer = issuer
        self._audience = audience
        self._max_lifetime = max_lifetime
        self._leeway = leeway
        self._cache_size = cache_size
        # sha256(token) -> (principal, exp); oldest first (insertion order), refreshed on use.
        self._accepted: dict[bytes, tuple[Principal, float]] = {}

    def verify(self, token: str) -> Principal:
        """The caller of a bearer token; raises ``DomainError`` (401, rule named) for any broken rule."""
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        if (known := self._accepted.pop(digest, None)) is not None and known[1] > time.time():
            self._accepted[digest] = known  # the most recently used last
            return known[0]
        principal, expires = self._verify(token)
        if self._cache_size > 0:
            while len(self._accepted) >= self._cache_size:
                del self._accepted[next(iter(self._accepted))]
            self._accepted[digest] = (principal, expires)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        """Every check of the token; its principal and ``exp``."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise _unauthenticated("The bearer token is malformed", "token-malformed") from None
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise _unauthenticated("The bearer token names an unknown key", "token-key-unknown")
        try:
            # The signature first, and the dates' types before PyJWT reads them: it converts with int(), so
            # "1796..." (a string) or true would pass, and an infinite exp would overflow.
            _check_numeric_dates(jwt.decode(token, key, algorithms=[ALGORITHM], options=_SIGNATURE_ONLY))
            # exp is checked without leeway (an expired token stays expired); iat gets the leeway below.
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": list(REQUIRED_CLAIMS), "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise _decode_failure(exc) from None
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.strip():
            raise _unauthenticated("The bearer token's sub claim is empty", "claim-sub-empty")
        try:
            issued = int(claims["iat"])
        except (TypeError, ValueError, OverflowError):
            raise _unauthenticated("The bearer token's iat claim is not a number", "claim-invalid") from None
        if issued > datetime.now(UTC).timestamp() + self._leeway.total_seconds():
            raise _unauthenticated("The bearer token was issued in the future (iat)", "token-issued-in-future")
        # PyJWT checked that exp converts to int and is not past; the lifetime is ours to bound.
        lifetime = int(claims["exp"]) - issued
        if lifetime > self._max_lifetime.total_seconds():
            hours = self._max_lifetime.total_seconds() / 3600
            raise _unauthenticated(f"The bearer token lives longer than {hours:g} hours (exp - iat)", "token-lifetime")
        # As PyJWT read it: int(exp), expired once exp <= now.
        return _principal_from_claims(claims), float(int(claims["exp"]))


class _IdentityClaims(BaseModel):
    """The text claims a principal is built from, under the rules every input obeys (``vikar_shared.types``):
    ``sub`` a non-blank single line of at most 254 characters (no NUL, no control characters), ``email``
    an address by the shared e-mail rule when present (its normalised ASCII form is what the principal
    carries)."""

    model_config = ConfigDict(extra="ignore")
    sub: Annotated[StrictStr, SingleLine(EMAIL_MAX)]
    email: Email | None = None


def _principal_from_claims(claims: Mapping[str, object]) -> Principal:
    """The caller a verified token names. Raises ``DomainError`` ``unauthenticated`` (401) when a claim is
    missing, empty or malformed (a ``sub`` holding NUL or a line break, an unknown role, a bad id)."""
    try:
        identity = _IdentityClaims.model_validate({"sub": claims.get("sub"), "email": claims.get("email") or None})
        role = Role(str(claims["role"]))
        company = claims.get("company_id")
        municipality = claims.get("municipality_id")
        principal = Principal(
            subject=identity.sub,
            role=role,
            company_id=UUID(str(company)) if company else None,
            municipality_id=UUID(str(municipality)) if municipality else None,
            email=identity.email,
        )
    except (ValueError, KeyError):  # pydantic's ValidationError is a ValueError
        raise _unauthenticated("The bearer token carries invalid claims", "claim-invalid") from None
    if role is Role.COMPANY_APPROVER and principal.company_id is None:
        raise _unauthenticated("A company approver token must name its company_id", "claim-required")
    if role is Role.MUNICIPALITY and principal.municipality_id is None:
        raise _unauthenticated("A municipality token must name its municipality_id", "claim-required")
    return principal


def mint_token(
    *,
    secret: str,
    kid: str,
    subject: str,
    role: Role,
    issuer: str = "vikarmodel",
    audience: str = "vikarmodel",
    company_id: UUID | None = None,
    municipality_id: UUID | None = None,
    email: str | None = None,
    ttl: timedelta = timedelta(hours=8),
    now: datetime | None = None,
    max_ttl: timedelta | None = MAX_LIFETIME,
) -> str:
    """A signed bearer token. ``ttl`` may not exceed ``max_ttl`` (the services' default 12 h bound) and
    ``subject`` must not be blank; raises ``ValueError`` otherwise. ``max_ttl=None`` turns both checks
    off: only for tests that need a token the services must refuse."""
    if max_ttl is not None and ttl > max_ttl:
        raise ValueError(f"a token may live at most {max_ttl}; asked for {ttl}")
    if max_ttl is not None and not subject.strip():
        raise ValueError("a token needs a non-empty subject")
    issued = now or datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": subject,
        "role": role.value,
        "iss": issuer,
        "aud": audience,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
    if company_id:
        claims["company_id"] = str(company_id)
    if municipality_id:
        claims["municipality_id"] = str(municipality_id)
    if email:
        claims["email"] = email
    return jwt.encode(claims, secret, algorithm=ALGORITHM, headers={"kid": kid})
