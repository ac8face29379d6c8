"""The login pages' cookies and the CSRF check of their forms (on :mod:`vikar_shared.web`).

- ``vikar_session`` (the access token; ``Path=/``, ``SameSite=Lax``: every service on the origin reads it)
  and ``vikar_refresh`` (the refresh secret; ``Path=/auth/``, ``SameSite=Lax``: only placement sees it;
  Lax, not Strict, so that a link into the portal opened from a mail still reaches ``/auth/refresh`` with
  it: see the README's Identity section);
- ``vikar_auth_csrf`` (the pre-login double-submit token, ``Path=/auth/``, a browser-session cookie);
- the chosen language is the origin's one ``vikar_lang`` (``Path=/``, :mod:`vikar_shared.web.language`).

All HttpOnly, and Secure whenever the page came over https (``cookie_secure`` forces it)."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request, Response
from starlette.datastructures import FormData

from placement.config import PlacementSettings
from placement.identity.models import Opened
from vikar_shared.identity.tokens import (
    COOKIE_NAME,
    REFRESH_COOKIE_NAME,
    InvalidPageSessionError,
    PageSession,
    verify_page_session,
)
from vikar_shared.web import forms, language
from vikar_shared.web.cookies import clear_page_cookie, set_page_cookie
from vikar_shared.web.csrf import FIELD, CsrfRejectedError, double_submit_ok, reusable_token, same_token

__all__ = ["CSRF_FIELD", "FormInvalidError"]

PRE_LOGIN_COOKIE = "vikar_auth_csrf"
REFRESH_PATH = "/auth/"
CSRF_FIELD = FIELD
FORM_FIELDS = 8
FormInvalidError = forms.FormInvalidError


# --- Cookies ---------------------------------------------------------------------------------------


def set_session_cookies(
    response: Response, request: Request, settings: PlacementSettings, opened: Opened, now: datetime
) -> None:
    """The access token in ``vikar_session`` (Path=/, Lax: every service on the origin reads it) and, for
    a new session, the refresh secret in ``vikar_refresh`` (Path=/auth/, Lax: only placement sees it, and
    it is sent on a top-level navigation from another site, such as a link in a mail). Both cookies last
    as long as the session; the access token inside expires after 5 minutes."""
    max_age = max(1, int((opened.session.expires_at - now).total_seconds()))
    forced = settings.cookie_secure
    set_page_cookie(
        response, request, COOKIE_NAME, opened.access_token, max_age=max_age, path="/", forced_secure=forced
    )
    if opened.refresh_secret is not None:
        secret = opened.refresh_secret
        set_page_cookie(
            response, request, REFRESH_COOKIE_NAME, secret, max_age=max_age, path=REFRESH_PATH, forced_secure=forced
        )


def clear_session_cookies(response: Response, request: Request, settings: PlacementSettings) -> None:
    forced = settings.cookie_secure
    clear_page_cookie(response, request, COOKIE_NAME, path="/", forced_secure=forced)
    clear_page_cookie(response, request, REFRESH_COOKIE_NAME, path=REFRESH_PATH, forced_secure=forced)


def remember_language(response: Response, request: Request, settings: PlacementSettings) -> Response:
    """Keeps a language chosen with ``?lang=`` in the origin's ``vikar_lang`` (no session named: the login
    pages have none; a session's own language is its token's ``lang``)."""
    return language.remember_language(response, request, forced_secure=settings.cookie_secure)


def refresh_secret_of(request: Request) -> str | None:
    return request.cookies.get(REFRESH_COOKIE_NAME) or None


def access_session_of(request: Request, settings: PlacementSettings, now: datetime) -> PageSession | None:
    """The verified access cookie (``vikar_session``), or None when there is none or it does not verify."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    try:
        return verify_page_session(token, public_keys_pem=settings.identity_verify_keys, now=now)
    except InvalidPageSessionError:
        return None


# --- Forms and CSRF --------------------------------------------------------------------------------


async def read_form(request: Request) -> FormData:
    """The posted form (at most :data:`FORM_FIELDS` fields, no file), else FormInvalidError (a 422 page)."""
    return await forms.read_form(request, max_fields=FORM_FIELDS)


form_field = forms.form_field


def pre_login_token(request: Request) -> tuple[str, bool]:
    """The browser's pre-login CSRF token (double submit), and whether it is new (so must be set)."""
    return reusable_token(request.cookies.get(PRE_LOGIN_COOKIE))


def keep_pre_login_token(
    response: Response, request: Request, settings: PlacementSettings, token: str, is_new: bool
) -> None:
    if is_new:
        forced = settings.cookie_secure
        set_page_cookie(
            response, request, PRE_LOGIN_COOKIE, token, max_age=None, path=REFRESH_PATH, forced_secure=forced
        )


def check_pre_login_form(request: Request, submitted: str | None) -> None:
    """The form's token equals the pre-login cookie (double submit), else CsrfRejectedError (a 403 page)."""
    if not double_submit_ok(request.cookies.get(PRE_LOGIN_COOKIE), submitted):
        raise CsrfRejectedError()


def check_session_form(expected: str, submitted: str | None) -> None:
    """The form's token is the session's CSRF value (constant time), else CsrfRejectedError."""
    if not same_token(expected, submitted):
        raise CsrfRejectedError()
