"""CSRF protection of every portal form.

Logged in: the session's own random token, in a hidden field, must come back with every POST.
Before login (the e-mail form, the link confirmation) there is no session, so the token is a random
cookie that the form must echo (double submit): another site can make a browser post, but cannot
read or set the cookie, and SameSite=Lax keeps the cookie off its cross-site POSTs anyway."""

from __future__ import annotations

from fastapi import Request, Response

from timesheet.config import TimesheetSettings
from timesheet.portal.models import CsrfRejectedError, PortalSession, new_secret, same_secret
from timesheet.portal.sessions import set_cookie

FIELD = "csrf_token"
PRE_LOGIN_COOKIE = "vikar_portal_csrf"


def check_session_form(session: PortalSession, submitted: str | None) -> None:
    if not same_secret(session.csrf_token, submitted):
        raise CsrfRejectedError()


def check_pre_login_form(request: Request, submitted: str | None) -> None:
    cookie = request.cookies.get(PRE_LOGIN_COOKIE)
    if not cookie or not same_secret(cookie, submitted):
        raise CsrfRejectedError()


def pre_login_token(request: Request) -> tuple[str, bool]:
    """The browser's pre-login token, and whether it is new (and so must be set as a cookie)."""
    existing = request.cookies.get(PRE_LOGIN_COOKIE)
    if existing and 20 <= len(existing) <= 128:
        return existing, False
    return new_secret(), True


def keep_pre_login_token(
    response: Response, request: Request, settings: TimesheetSettings, token: str, is_new: bool
) -> None:
    if is_new:
        set_cookie(response, request, settings, PRE_LOGIN_COOKIE, token, max_age=None)
