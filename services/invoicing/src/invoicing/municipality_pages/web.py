"""What every municipality page request needs: the settings, the logged-in municipality user (the page session
of the one identity, ``vikar_shared.identity.pages``), the language (the origin's one ``vikar_lang`` cookie,
``vikar_shared.web.language``), and the pages' expected failures as pages (the shared ones, and the framework's
errors under ``/municipality``, are ``vikar_shared.web.site``'s)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import Response

from invoicing.config import InvoicingSettings
from invoicing.municipality_pages import service
from invoicing.municipality_pages.i18n import Translator
from invoicing.municipality_pages.models import (
    AS_OF_RANGE,
    MAX_PAGE,
    AsOfInvalidError,
    NoAccessError,
    PageNumberError,
)
from invoicing.municipality_pages.pages import PROGRESS_PATH, SITE, STATEMENTS_PATH
from vikar_shared.auth.principal import Principal
from vikar_shared.errors import Category, DomainError
from vikar_shared.identity.pages import PageSessionRequiredError, authenticate, login_url
from vikar_shared.identity.tokens import PageSession
from vikar_shared.web.language import remember_language, session_locale
from vikar_shared.web.pages import redirect
from vikar_shared.web.site import Endpoint, install_page_error_pages
from vikar_shared.web.site import ends_on_a_page as site_ends_on_a_page

# An example date the "invalid date" page shows.
EXAMPLE_DATE = date(2026, 12, 1)


def settings_of(request: Request) -> InvoicingSettings:
    settings: InvoicingSettings = request.app.state.settings
    return settings


@dataclass(frozen=True)
class Visit:
    """A request of a logged-in municipality user: the verified page session, the principal it acts as, the
    language."""

    page: PageSession
    principal: Principal
    t: Translator


async def open_visit(conn: asyncpg.Connection, request: Request, now: datetime) -> Visit:
    """The logged-in municipality user of ``request``. Raises PageSessionRequiredError (no, a forged or an ended
    session: to /auth/login; an expired one: to /auth/refresh) or NoAccessError (another role's session)."""
    keys = settings_of(request).identity_verify_keys
    page = await authenticate(request, conn, now=now, verify_keys=keys, next_after_post=PROGRESS_PATH)
    # ``?lang=``, else the language chosen in this session, else the token's; error pages follow it.
    locale = session_locale(request, page.session_id, page.lang)
    request.state.page_locale = locale
    return Visit(page, service.principal_of(page), Translator(locale))


def session_page(request: Request, visit: Visit, template: str, *, status: int = 200, **context: Any) -> Response:
    """``template`` for the logged-in user (the navigation and logout button), keeping a ``?lang=`` choice."""
    response = SITE.render(
        request, template, visit.t, status=status, email=visit.page.subject, csrf_token=visit.page.csrf, **context
    )
    return remember_language(
        response, request, forced_secure=settings_of(request).portal_cookie_secure, session_id=visit.page.session_id
    )


def install_municipality_error_pages(app: FastAPI) -> None:
    """Errors the framework raises under ``/municipality`` end on the municipality's HTML page; every other path
    keeps the handlers installed before."""
    install_page_error_pages(app, SITE)


def _expected(request: Request, exc: Exception) -> Response | None:
    """The pages' expected failures as pages (None: the shared ones of ``vikar_shared.web.site``)."""
    if isinstance(exc, PageSessionRequiredError):
        # Not logged in, or the token expired or ended: to the identity owner first.
        return redirect(exc.location)
    if isinstance(exc, NoAccessError):
        login = (login_url(PROGRESS_PATH), "log_in_again")
        return SITE.message(request, "no_access_title", "no_access_text", status=403, link=login)
    if isinstance(exc, PageNumberError):
        title, text = "page_invalid_title", "page_invalid_text"
        link = (STATEMENTS_PATH, "back_to_statements")
        return SITE.message(request, title, text, status=422, link=link, params={"max": MAX_PAGE})
    if isinstance(exc, AsOfInvalidError):
        # The rule the API's parser names: date-format or date-out-of-range (each its own text).
        first, last = AS_OF_RANGE
        params = {"example": EXAMPLE_DATE.isoformat(), "first": first.isoformat(), "last": last.isoformat()}
        text = "as_of_out_of_range_text" if exc.rule == "date-out-of-range" else "as_of_invalid_text"
        return SITE.message(request, "as_of_invalid_title", text, status=422, link=SITE.home, params=params)
    if isinstance(exc, DomainError) and exc.code == "as-of-future":
        params = {"today": getattr(request.state, "agency_today", "")}
        return SITE.message(
            request, "as_of_future_title", "as_of_future_text", status=422, link=SITE.home, params=params
        )
    if isinstance(exc, DomainError) and exc.code == "municipality-not-found":
        link = (STATEMENTS_PATH, "back_to_statements")
        return SITE.message(request, "municipality_unknown_title", "municipality_unknown_text", status=404, link=link)
    if isinstance(exc, DomainError) and exc.category is Category.NOT_FOUND:
        # Another municipality's statement, a draft, an unknown or malformed id: the same page, nothing given away.
        link = (STATEMENTS_PATH, "back_to_statements")
        return SITE.message(request, "not_found_title", "not_found_text", status=404, link=link)
    return None


def ends_on_a_page(endpoint: Endpoint) -> Endpoint:
    """The pages' expected failures as pages; any other refusal is the site's page with the problem's status,
    anything unexpected a 500 page quoting the correlation id (``PageSite.failure_page``)."""
    return site_ends_on_a_page(SITE, _expected)(endpoint)
