"""What every portal request needs: the settings, the logged-in visit (the page session of the one identity,
``vikar_shared.identity.pages``), the language, form fields, and turning the portal's expected failures
into pages (the clock is ``vikar_shared.http.deps.Now``)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, cast
from uuid import UUID

import asyncpg
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from timesheet.config import TimesheetSettings
from timesheet.entries.models import Entry
from timesheet.portal import service
from timesheet.portal.i18n import DEFAULT_LOCALE, Translator, supported
from timesheet.portal.models import (
    FORM_OWN_FIELDS,
    MAX_ENTRIES_PER_ACTION,
    CsrfRejectedError,
    NoAccessError,
    PortalSession,
)
from timesheet.portal.pages import redirect as see_other
from timesheet.portal.pages import render
from timesheet.portal.sessions import LANGUAGE_COOKIE, chosen_language, language_cookie_value, set_cookie
from vikar_shared.errors import Category, DomainError, not_found
from vikar_shared.http.problems import STATUS_BY_CATEGORY
from vikar_shared.identity.pages import PageSessionRequiredError, authenticate, login_url
from vikar_shared.identity.tokens import PageSession
from vikar_shared.logging import correlation_id_var

log = logging.getLogger(__name__)

LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
MAX_VERSION = 2**31 - 1


def settings_of(request: Request) -> TimesheetSettings:
    settings: TimesheetSettings = request.app.state.settings
    return settings


Settings = Annotated[TimesheetSettings, Depends(settings_of)]


@dataclass(frozen=True)
class Visit:
    """A request of a logged-in approver: the verified page session, the portal's view of it, the language."""

    page: PageSession
    session: PortalSession
    t: Translator


def anonymous_locale(request: Request) -> str:
    return (
        supported(request.query_params.get("lang"))
        or getattr(request.state, "portal_locale", None)
        or supported(chosen_language(request)[0])
        or DEFAULT_LOCALE
    )


def session_locale(request: Request, page: PageSession) -> str:
    """``?lang=``, else the language chosen on the portal in this session, else the token's ``lang``."""
    chosen, in_session = chosen_language(request)
    return (
        supported(request.query_params.get("lang"))
        or (supported(chosen) if in_session == str(page.session_id) else None)
        or supported(page.lang)
        or DEFAULT_LOCALE
    )


async def open_visit(
    conn: asyncpg.Connection, request: Request, now: datetime, *, back: str = "/portal/pending"
) -> Visit:
    """The logged-in approver of ``request`` (``vikar_shared.identity.pages.authenticate``, then the
    companies read model). Raises PageSessionRequiredError (to /auth/login or /auth/refresh; a POST comes back
    to ``back`` and decides nothing) or NoAccessError."""
    settings = settings_of(request)
    page = await authenticate(request, conn, now=now, verify_keys=settings.identity_verify_keys, next_after_post=back)
    locale = session_locale(request, page)
    request.state.portal_locale = locale
    session = await service.approver_of(conn, page, locale)
    return Visit(page, session, Translator(locale))


def form_field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def parse_entry_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise not_found("entry") from None


class FormInvalidError(Exception):
    """A form field the portal's own pages always fill is missing or malformed (a stale, edited or forged
    form): answered with a 422 page, and nothing is done. Never a silently skipped check."""


class FormTooLargeError(Exception):
    """A form naming more entries than one portal action takes (``MAX_ENTRIES_PER_ACTION``): answered with
    a 413 page telling the approver to approve week by week or entry by entry; nothing is done."""


async def read_form(request: Request, *, entries: int = 0) -> FormData:
    """The posted form, parsed with room for ``entries`` entries (two fields each: ``entry_id``,
    ``version``) besides the form's own fields. More fields than that is FormTooLargeError; a body the
    parser refuses otherwise (malformed multipart, a file, a part too large) is FormInvalidError. Either
    ends on a portal page, never on the framework's problem+json."""
    try:
        return await request.form(max_fields=FORM_OWN_FIELDS + 2 * entries, max_files=0)
    except StarletteHTTPException as exc:
        if entries and str(exc.detail).startswith("Too many fields"):
            raise FormTooLargeError() from exc
        raise FormInvalidError("form") from exc


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
    """Keeps a language chosen with ``?lang=`` (for this session when logged in)."""
    chosen = supported(request.query_params.get("lang"))
    if chosen is not None:
        value = language_cookie_value(chosen, session.session_id if session is not None else None)
        set_cookie(response, request, settings, LANGUAGE_COOKIE, value, max_age=LANGUAGE_COOKIE_SECONDS)
    return response


def message_page(
    request: Request,
    title: str,
    text: str,
    *,
    status: int,
    link: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
    **params: object,
) -> Response:
    t = Translator(anonymous_locale(request))
    response = render(request, "portal/message.html", t, status=status, title=title, text=text, link=link, **params)
    response.headers.update(headers or {})
    return response


def is_portal(request: Request) -> bool:
    return request.url.path == "/portal" or request.url.path.startswith("/portal/")


def framework_error_page(request: Request, status: int, headers: dict[str, str] | None = None) -> Response:
    """The portal's page for an error the framework raises before or outside a portal endpoint (an
    unknown page, a method not allowed, a body it cannot parse): HTML in the visitor's language, with
    the framework's status; the API's problem+json is for machines."""
    back = ("/portal/pending", "back_to_pending")
    if status in (404, 405):
        return message_page(
            request, "page_not_found_title", "page_not_found_text", status=status, link=back, headers=headers
        )
    if status == 413:
        return message_page(
            request, "too_many_title", "too_many_text", status=status, link=back, params={"max": MAX_ENTRIES_PER_ACTION}
        )
    if 400 <= status < 500:
        return message_page(request, "form_invalid_title", "form_invalid_text", status=status, link=back)
    return message_page(request, "error_title", "error_text", status=status, link=back)


Handler = Callable[[Request, Exception], Awaitable[Response]]


def install_portal_error_pages(app: FastAPI) -> None:
    """Errors the framework raises on a portal path (``/portal...``) end on the portal's HTML page; on
    every other path the handlers installed before (the shared problem+json) answer as they did."""
    api_http = cast(Handler, app.exception_handlers[StarletteHTTPException])
    api_validation = cast(Handler, app.exception_handlers[RequestValidationError])

    async def http_error(request: Request, exc: Exception) -> Response:
        if not is_portal(request) or not isinstance(exc, StarletteHTTPException):
            response: Response = await api_http(request, exc)
            return response
        return framework_error_page(request, exc.status_code, getattr(exc, "headers", None))

    async def validation_error(request: Request, exc: Exception) -> Response:
        if not is_portal(request):
            response: Response = await api_validation(request, exc)
            return response
        return framework_error_page(request, 422)

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)


Endpoint = Callable[..., Awaitable[Response]]


def ends_on_a_page(endpoint: Endpoint) -> Endpoint:
    """Turns the portal's expected failures into pages (the API's problem+json is for machines)."""

    @functools.wraps(endpoint)
    async def guarded(*args: Any, **kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        try:
            return await endpoint(*args, **kwargs)
        except PageSessionRequiredError as exc:
            # Not logged in, or the token expired or ended: to the identity owner first; nothing was done.
            return see_other(exc.location)
        except NoAccessError:
            login = (login_url("/portal/pending"), "log_in_again")
            return message_page(request, "no_access_title", "no_access_text", status=403, link=login)
        except CsrfRejectedError:
            return message_page(request, "csrf_title", "csrf_text", status=403)
        except FormInvalidError:
            back = ("/portal/pending", "look_again")
            return message_page(request, "form_invalid_title", "form_invalid_text", status=422, link=back)
        except FormTooLargeError:
            back = ("/portal/pending", "look_again")
            limit = {"max": MAX_ENTRIES_PER_ACTION}
            return message_page(request, "too_many_title", "too_many_text", status=413, link=back, params=limit)
        except DomainError as exc:
            back = ("/portal/pending", "back_to_pending")
            if exc.category is Category.VALIDATION:
                # An idempotency key that is malformed or was used for another form.
                return message_page(request, "form_invalid_title", "form_invalid_text", status=422, link=back)
            if exc.code == "idempotency-key-in-flight":
                return message_page(request, "in_flight_title", "in_flight_text", status=409, link=back)
            if exc.category is not Category.NOT_FOUND:
                raise
            return message_page(request, "not_found_title", "not_found_text", status=404, link=back)

    @functools.wraps(endpoint)
    async def on_a_page(*args: Any, **kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        try:
            return await guarded(*args, **kwargs)
        except StarletteHTTPException:
            raise  # answered with the portal's page by install_portal_error_pages
        except DomainError as exc:
            # Any other refusal the services raise: the portal's page with the problem's status.
            back = ("/portal/pending", "back_to_pending")
            status = STATUS_BY_CATEGORY[exc.category]
            return message_page(request, "error_title", "error_text", status=status, link=back)
        except Exception as exc:
            # Unexpected: logged once with the correlation id, answered with the portal's page (which
            # quotes the id), never the API's problem+json; the transaction was rolled back.
            log.exception("unhandled error in portal %s %s", request.method, request.url.path, exc_info=exc)
            back = ("/portal/pending", "back_to_pending")
            reference = correlation_id_var.get() or ""
            return message_page(request, "error_title", "error_text", status=500, link=back, reference=reference)

    return on_a_page


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
