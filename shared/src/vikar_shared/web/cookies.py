"""Setting and clearing the cookies of pages: always ``HttpOnly`` (no script reads them), ``SameSite=Lax``
unless said otherwise, and ``Secure`` whenever the page came over https (a service setting may force it
either way, e.g. behind a TLS-terminating proxy that is not in ``trusted_proxies``)."""

from __future__ import annotations

from typing import Literal

from fastapi import Request, Response

SameSite = Literal["lax", "strict", "none"]


def secure_cookies(request: Request, forced: bool | None) -> bool:
    """``forced`` when the service's setting says so, else whether ``request`` came over https."""
    if forced is not None:
        return forced
    return request.url.scheme == "https"


def set_page_cookie(
    response: Response,
    request: Request,
    name: str,
    value: str,
    *,
    max_age: int | None,
    path: str,
    forced_secure: bool | None,
    samesite: SameSite = "lax",
) -> None:
    """``Set-Cookie: name=value`` (``max_age`` seconds, or a browser-session cookie when None), HttpOnly."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        secure=secure_cookies(request, forced_secure),
        httponly=True,
        samesite=samesite,
    )


def clear_page_cookie(
    response: Response,
    request: Request,
    name: str,
    *,
    path: str,
    forced_secure: bool | None,
    samesite: SameSite = "lax",
) -> None:
    """Clears cookie ``name`` at ``path`` (the same attributes it was set with)."""
    response.delete_cookie(
        name, path=path, secure=secure_cookies(request, forced_secure), httponly=True, samesite=samesite
    )
