"""FastAPI dependencies: who is calling, and may their role use this endpoint at all."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from vikar_shared.auth.principal import Principal, Role
from vikar_shared.auth.tokens import TokenVerifier
from vikar_shared.errors import Category, DomainError, FieldViolation, forbidden

_bearer = HTTPBearer(
    auto_error=False, description="A JWT minted by the agency's identity provider (vikar-token in development)"
)


async def authenticated(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        detail = "A bearer token is required"
        raise DomainError(
            Category.UNAUTHENTICATED,
            "unauthenticated",
            detail,
            [FieldViolation("Authorization", "token-required", detail)],
        )
    verifier: TokenVerifier = request.app.state.verifier
    return verifier.verify(credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(authenticated)]


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    allowed = frozenset(roles)

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise forbidden(f"Role {principal.role.value} may not do this")
        return principal

    # Read by the OpenAPI post-processing (vikar_shared.http.openapi) to document the 403 and its roles.
    dependency.allowed_roles = allowed  # type: ignore[attr-defined]
    return dependency
