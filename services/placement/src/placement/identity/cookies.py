"""The login pages' cookies and the CSRF check of their forms.

- ``vikar_session`` (the access token; ``Path=/``, ``SameSite=Lax``: every service on the origin reads it)
  and ``vikar_refresh`` (the refresh secret; ``Path=/auth/``, ``SameSite=Strict``: only placement sees it);
- ``vikar_lang`` (the chosen language, ``Path=/``) and ``vikar_auth_csrf`` (the pre-login double-submit
  token, ``Path=/auth/``).

All HttpOnly, and Secure whenever the page came over https (``cookie_secure`` forces it)."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request, Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from placement.config import PlacementSettings
from placement.identity.models import CsrfRejectedError, Opened, new_secret, same_secret, supported
from vikar_shared.identity.tokens import (
    COOKIE_NAME,
    REFRESH_COOKIE_NAME,
    InvalidPageSessionError,
    PageSession,
    verify_page_session,
)

LANGUAGE_COOKIE = "vikar_lang"
PRE_LOGIN_COOKIE = "vikar_auth_csrf"
REFRESH_PATH = "/auth/"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
CSRF_FIELD = "csrf_token"
FORM_FIELDS = 8


# --- Cookies ---------------------------------------------------------------------------------------


def _secure(request: Request, settings: PlacementSettings) -> bool:
    if settings.cookie_secure is not None:
        return settings.cookie_secure
    return request.url.scheme == "https"


def _set(
    response: Response,
    request: Request,
    settings: PlacementSettings,
    name: str,
    value: str,
    *,
    max_age: int | None,
    path: str,
    samesite: str = "lax",
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        secure=_secure(request, settings),
        httponly=True,
        samesite=samesite,  # type: ignore[arg-type]
    )


def set_session_cookies(
    response: Response, request: Request, settings: PlacementSettings, opened: Opened, now: datetime
) -> None:
    """The access token in ``vikar_session`` (Path=/, Lax: every service on the origin reads it) and, for
    a new session, the refresh secret in ``vikar_refresh`` (Path=/auth/, Strict: only placement sees it).
    Both cookies last as long as the session; the access token inside expires after 5 minutes."""
    max_age = max(1, int((opened.session.expires_at - now).total_seconds()))
    _set(response, request, settings, COOKIE_NAME, opened.access_token, max_age=max_age, path="/")
    if opened.refresh_secret is not None:
        _set(
            response,
            request,
            settings,
            REFRESH_COOKIE_NAME,
            opened.refresh_secret,
            max_age=max_age,
            path=REFRESH_PATH,
            samesite="strict",
        )


def clear_session_cookies(response: Response, request: Request, settings: PlacementSettings) -> None:
    secure = _secure(request, settings)
    response.delete_cookie(COOKIE_NAME, path="/", secure=secure, httponly=True, samesite="lax")
    response.delete_cookie(REFRESH_COOKIE_NAME, path=REFRESH_PATH, secure=secure, httponly=True, samesite="strict")


def remember_language(response: Response, request: Request, settings: PlacementSettings) -> Response:
    chosen = supported(request.query_params.get("lang"))
    if chosen is not None:
        _set(response, request, settings, LANGUAGE_COOKIE, chosen, max_age=LANGUAGE_COOKIE_SECONDS, path="/")
    return response


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


class FormInvalidError(Exception):
    """A body the form parser refuses (malformed, a file, too many fields): a 422 page, nothing done."""


async def read_form(request: Request) -> FormData:
    try:
        return await request.form(max_fields=FORM_FIELDS, max_files=0)
    except StarletteHTTPException as exc:
        raise FormInvalidError("form") from exc


def form_field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def pre_login_token(request: Request) -> tuple[str, bool]:
    """The browser's pre-login CSRF token (double submit), and whether it is new (so must be set)."""
    existing = request.cookies.get(PRE_LOGIN_COOKIE)
    if existing and 20 <= len(existing) <= 128:
        return existing, False
    return new_secret(), True


def keep_pre_login_token(
    response: Response, request: Request, settings: PlacementSettings, token: str, is_new: bool
) -> None:
    if is_new:
        _set(response, request, settings, PRE_LOGIN_COOKIE, token, max_age=None, path=REFRESH_PATH)


def check_pre_login_form(request: Request, submitted: str | None) -> None:
    cookie = request.cookies.get(PRE_LOGIN_COOKIE)
    if not cookie or not same_secret(cookie, submitted):
        raise CsrfRejectedError()


def check_session_form(expected: str, submitted: str | None) -> None:
    if not same_secret(expected, submitted):
        raise CsrfRejectedError()
