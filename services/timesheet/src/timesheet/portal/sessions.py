"""The portal's cookies: the session id, the chosen language and the pre-login CSRF token.

All are HttpOnly (no script reads them), SameSite=Lax (not sent on another site's POST), limited to
/portal, and Secure whenever the page came over https."""

from __future__ import annotations

from fastapi import Request, Response

from timesheet.config import TimesheetSettings

SESSION_COOKIE = "vikar_portal_session"
LANGUAGE_COOKIE = "vikar_portal_lang"
COOKIE_PATH = "/portal"


def secure_cookies(request: Request, settings: TimesheetSettings) -> bool:
    if settings.portal_cookie_secure is not None:
        return settings.portal_cookie_secure
    return request.url.scheme == "https"


def set_cookie(
    response: Response, request: Request, settings: TimesheetSettings, name: str, value: str, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        secure=secure_cookies(request, settings),
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, request: Request, settings: TimesheetSettings, name: str) -> None:
    response.delete_cookie(
        name, path=COOKIE_PATH, secure=secure_cookies(request, settings), httponly=True, samesite="lax"
    )


def session_id_of(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None
