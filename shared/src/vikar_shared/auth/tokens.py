"""Bearer JWTs: HS256, verified against configured keys chosen by the token's ``kid``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

import jwt
from pydantic import BaseModel, ConfigDict, SecretStr, StrictStr

from vikar_shared.auth.principal import Principal, Role
from vikar_shared.errors import Category, DomainError
from vikar_shared.types.text import EMAIL_MAX, SingleLine

ALGORITHM = "HS256"


def _unauthenticated(detail: str) -> DomainError:
    return DomainError(Category.UNAUTHENTICATED, "unauthenticated", detail)


class TokenVerifier:
    def __init__(self, keys: Mapping[str, SecretStr], issuer: str, audience: str) -> None:
        if not keys:
            raise ValueError("at least one JWT key is required")
        self._keys = {kid: k.get_secret_value() for kid, k in keys.items()}
        self._issuer = issuer
        self._audience = audience

    def verify(self, token: str) -> Principal:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise _unauthenticated("The bearer token is malformed") from None
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise _unauthenticated("The bearer token names an unknown key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "role"]},
            )
        except jwt.ExpiredSignatureError:
            raise _unauthenticated("The bearer token has expired") from None
        except jwt.PyJWTError as exc:
            raise _unauthenticated(f"The bearer token is not valid: {exc}") from None
        return _principal_from_claims(claims)


class _IdentityClaims(BaseModel):
    """The text claims a principal is built from, under the rules every input obeys (``vikar_shared.types``):
    ``sub`` a non-blank single line of at most 254 characters (no NUL, no control characters), ``email``
    likewise when present."""

    model_config = ConfigDict(extra="ignore")
    sub: Annotated[StrictStr, SingleLine(EMAIL_MAX)]
    email: Annotated[StrictStr, SingleLine(EMAIL_MAX)] | None = None


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
        raise _unauthenticated("The bearer token carries invalid claims") from None
    if role is Role.COMPANY_APPROVER and principal.company_id is None:
        raise _unauthenticated("A company approver token must name its company_id")
    if role is Role.MUNICIPALITY and principal.municipality_id is None:
        raise _unauthenticated("A municipality token must name its municipality_id")
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
) -> str:
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
