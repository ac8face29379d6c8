"""What every portal request needs: the settings, the logged-in visit (the page session of the one identity,
``vikar_shared.identity.pages``), the language (the origin's one ``vikar_lang`` cookie,
``vikar_shared.web.language``), form fields, and turning the portal's expected failures into pages (the
shared ones, and the framework's errors under ``/portal``, are ``vikar_shared.web.site``'s; the clock is
``vikar_shared.http.deps.Now``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from timesheet.config import TimesheetSettings
from timesheet.entries.models import Entry
from timesheet.portal import service
from timesheet.portal.i18n import Translator
from timesheet.portal.models import (
    FORM_OWN_FIELDS,
    MAX_ENTRIES_PER_ACTION,
    CsrfRejectedError,
    NoAccessError,
    PortalSession,
)
from timesheet.portal.pages import SITE, render
from timesheet.portal.pages import redirect as see_other
from vikar_shared.errors import Category, DomainError, not_found
from vikar_shared.identity.pages import PageSessionRequiredError, authenticate, login_url
from vikar_shared.identity.tokens import PageSession
from vikar_shared.web import forms
from vikar_shared.web.forms import FormInvalidError, form_field
from vikar_shared.web.language import remember_language as keep_language
from vikar_shared.web.language import session_locale
from vikar_shared.web.site import Endpoint, install_page_error_pages
from vikar_shared.web.site import ends_on_a_page as site_ends_on_a_page

__all__ = ["FormInvalidError", "form_field"]

MAX_VERSION = 2**31 - 1


def settings_of(request: Request) -> TimesheetSettings:
    settings: TimesheetSettings = request.app.state.settings
    return settings


async def _settings(request: Request) -> TimesheetSettings:
    # async: a plain def dependency would run in FastAPI's thread pool, a thread hand-off per request.
    return settings_of(request)


Settings = Annotated[TimesheetSettings, Depends(_settings)]


@dataclass(frozen=True)
class Visit:
    """A request of a logged-in approver: the verified page session, the portal's view of it, the language."""

    page: PageSession
    session: PortalSession
    t: Translator


async def open_visit(
    conn: asyncpg.Connection, request: Request, now: datetime, *, back: str = "/portal/pending"
) -> Visit:
    """The logged-in approver of ``request`` (``vikar_shared.identity.pages.authenticate``, then the
    companies read model). Raises PageSessionRequiredError (to /auth/login or /auth/refresh; a POST comes back
    to ``back`` and decides nothing) or NoAccessError."""
    settings = settings_of(request)
    page = await authenticate(request, conn, now=now, verify_keys=settings.identity_verify_keys, next_after_post=back)
    # ``?lang=``, else the language chosen in this session, else the token's ``lang``; error pages of this
    # request follow it (``request.state.page_locale``).
    locale = session_locale(request, page.session_id, page.lang)
    request.state.page_locale = locale
    session = await service.approver_of(conn, page, locale)
    return Visit(page, session, Translator(locale))


def parse_entry_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise not_found("entry") from None


class FormTooLargeError(Exception):
    """A form naming more entries than one portal action takes (``MAX_ENTRIES_PER_ACTION``): answered with
    a 413 page telling the approver to approve week by week or entry by entry; nothing is done."""


async def read_form(request: Request, *, entries: int = 0) -> FormData:
    """The posted form, parsed with room for ``entries`` entries (two fields each: ``entry_id``,
    ``version``) besides the form's own fields. More fields than that is FormTooLargeError; a body the
    parser refuses otherwise (malformed multipart, a file, a part too large) is FormInvalidError. Either
    ends on a portal page, never on the framework's problem+json."""
    try:
        return await forms.read_form(request, max_fields=FORM_OWN_FIELDS + 2 * entries)
    except FormInvalidError as exc:
        refused = exc.__cause__
        detail = str(refused.detail) if isinstance(refused, StarletteHTTPException) else ""
        if entries and detail.startswith("Too many fields"):
            raise FormTooLargeError() from refused
        raise


def parse_version(raw: str | None) -> int:
    """A version from a hidden form field: ASCII digits, 1..2^31-1; anything else is FormInvalidError."""
    if raw is None or not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        raise FormInvalidError("version")
    value = int(raw)
    if not 1 <= value <= MAX_VERSION:
        raise FormInvalidError("version")
    return value


def parse_seen(form: FormData) -> list[tuple[UUID, int]]:
    """The entries a bulk form showed, each with the version shown: ``entry_id`` and ``version`` fields,
    paired in order. Unequal counts or a malformed version are FormInvalidError; a malformed id is 404."""
    ids = [v for v in form.getlist("entry_id") if isinstance(v, str)]
    versions = [v for v in form.getlist("version") if isinstance(v, str)]
    if len(ids) != len(versions) or len(ids) != len(form.getlist("entry_id")):
        raise FormInvalidError("version")
    return [(parse_entry_id(i), parse_version(v)) for i, v in zip(ids, versions, strict=True)]


def remember_language(
    response: Response, request: Request, settings: TimesheetSettings, session: PortalSession | None = None
) -> Response:
    """Keeps a language chosen with ``?lang=`` (for this session when logged in) in ``vikar_lang``."""
    session_id = session.session_id if session is not None else None
    return keep_language(response, request, forced_secure=settings.portal_cookie_secure, session_id=session_id)


def install_portal_error_pages(app: FastAPI) -> None:
    """Errors the framework raises on a portal path (``/portal...``) end on the portal's HTML page; on
    every other path the handlers installed before (the shared problem+json) answer as they did."""
    install_page_error_pages(app, SITE)


def _expected(request: Request, exc: Exception) -> Response | None:
    """The portal's expected failures as pages (None: the shared ones of ``vikar_shared.web.site``)."""
    back = ("/portal/pending", "look_again")
    if isinstance(exc, PageSessionRequiredError):
        # Not logged in, or the token expired or ended: to the identity owner first; nothing was done.
        return see_other(exc.location)
    if isinstance(exc, NoAccessError):
        login = (login_url("/portal/pending"), "log_in_again")
        return SITE.message(request, "no_access_title", "no_access_text", status=403, link=login)
    if isinstance(exc, CsrfRejectedError):
        return SITE.message(request, "csrf_title", "csrf_text", status=403)
    if isinstance(exc, FormInvalidError):
        return SITE.message(request, "form_invalid_title", "form_invalid_text", status=422, link=back)
    if isinstance(exc, FormTooLargeError):
        limit = {"max": MAX_ENTRIES_PER_ACTION}
        return SITE.message(request, "too_many_title", "too_many_text", status=413, link=back, params=limit)
    if isinstance(exc, DomainError):
        if exc.category is Category.VALIDATION:
            # An idempotency key that is malformed or was used for another form.
            return SITE.message(request, "form_invalid_title", "form_invalid_text", status=422, link=SITE.home)
        if exc.code == "idempotency-key-in-flight":
            return SITE.message(request, "in_flight_title", "in_flight_text", status=409, link=SITE.home)
        if exc.category is Category.NOT_FOUND:
            return SITE.message(request, "not_found_title", "not_found_text", status=404, link=SITE.home)
    return None


def ends_on_a_page(endpoint: Endpoint) -> Endpoint:
    """Turns the portal's expected failures into pages (the API's problem+json is for machines); any other
    refusal is the portal's page with the problem's status, anything unexpected a 500 page quoting the
    correlation id (``vikar_shared.web.site.PageSite.failure_page``)."""
    return site_ends_on_a_page(SITE, _expected)(endpoint)


def session_page(
    request: Request, settings: TimesheetSettings, visit: Visit, template: str, *, status: int = 200, **context: Any
) -> Response:
    response = render(
        request,
        template,
        visit.t,
        status=status,
        session=visit.session,
        csrf_token=visit.session.csrf_token,
        **context,
    )
    return remember_language(response, request, settings, visit.session)


def entry_words(t: Translator, entry: Entry) -> dict[str, str | int]:
    return {"hours": t.hours(entry.minutes), "citizen": entry.citizen_name, "date": t.day(entry.work_date)}
