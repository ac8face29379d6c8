"""What every invoices page request needs: the settings, the logged-in approver (the page session of the one
identity, ``vikar_shared.identity.pages``, then invoicing's companies read model), the language (the origin's
one ``vikar_lang`` cookie, ``vikar_shared.web.language``), and the pages' expected failures as pages (the
shared ones, and the framework's errors under ``/portal/invoices``, are ``vikar_shared.web.site``'s)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from invoicing.config import InvoicingSettings
from invoicing.portal import service
from invoicing.portal.i18n import Translator
from invoicing.portal.models import MAX_PAGE, NoAccessError, PageNumberError
from invoicing.portal.pages import LIST_PATH, SITE
from vikar_shared.errors import Category, DomainError
from vikar_shared.identity.approvers import ApproverSession
from vikar_shared.identity.pages import PageSessionRequiredError, authenticate, login_url
from vikar_shared.identity.tokens import PageSession
from vikar_shared.web.language import remember_language, session_locale
from vikar_shared.web.pages import redirect
from vikar_shared.web.site import Endpoint, install_page_error_pages
from vikar_shared.web.site import ends_on_a_page as site_ends_on_a_page


def settings_of(request: Request) -> InvoicingSettings:
    settings: InvoicingSettings = request.app.state.settings
    return settings


async def _settings(request: Request) -> InvoicingSettings:
    # async: a plain def dependency would run in FastAPI's thread pool, a thread hand-off per request.
    return settings_of(request)


Settings = Annotated[InvoicingSettings, Depends(_settings)]


@dataclass(frozen=True)
class Visit:
    """A request of a logged-in approver: the verified page session, the approver it opens, the language."""

    page: PageSession
    session: ApproverSession
    t: Translator


async def open_visit(conn: asyncpg.Connection, request: Request, now: datetime) -> Visit:
    """The logged-in approver of ``request``. Raises PageSessionRequiredError (no, a forged or an ended
    session: to /auth/login; an expired one: to /auth/refresh) or NoAccessError."""
    settings = settings_of(request)
    keys = settings.identity_verify_keys
    page = await authenticate(request, conn, now=now, verify_keys=keys, next_after_post=LIST_PATH)
    # ``?lang=``, else the language chosen in this session, else the token's; error pages follow it.
    locale = session_locale(request, page.session_id, page.lang)
    request.state.page_locale = locale
    session = await service.approver_of(conn, page, locale)
    return Visit(page, session, Translator(locale))


def session_page(request: Request, visit: Visit, template: str, *, status: int = 200, **context: Any) -> Response:
    """``template`` for the logged-in approver (the navigation and logout button), keeping a ``?lang=`` choice."""
    response = SITE.render(
        request, template, visit.t, status=status, session=visit.session, csrf_token=visit.session.csrf_token, **context
    )
    return remember_language(
        response, request, forced_secure=settings_of(request).portal_cookie_secure, session_id=visit.session.session_id
    )


def install_portal_error_pages(app: FastAPI) -> None:
    """Errors the framework raises under ``/portal/invoices`` end on the portal's HTML page; every other path
    keeps the handlers installed before (the shared problem+json)."""
    install_page_error_pages(app, SITE)


def _expected(request: Request, exc: Exception) -> Response | None:
    """The invoices pages' expected failures as pages (None: the shared ones of ``vikar_shared.web.site``)."""
    if isinstance(exc, PageSessionRequiredError):
        # Not logged in, or the token expired or ended: to the identity owner first.
        return redirect(exc.location)
    if isinstance(exc, NoAccessError):
        login = (login_url(LIST_PATH), "log_in_again")
        return SITE.message(request, "no_access_title", "no_access_text", status=403, link=login)
    if isinstance(exc, PageNumberError):
        limit = {"max": MAX_PAGE}
        title, text = "page_invalid_title", "page_invalid_text"
        return SITE.message(request, title, text, status=422, link=SITE.home, params=limit)
    if isinstance(exc, DomainError) and exc.category is Category.NOT_FOUND:
        # Another company's invoice, a draft, an unknown or malformed id: the same page, nothing given away.
        return SITE.message(request, "not_found_title", "not_found_text", status=404, link=SITE.home)
    return None


def ends_on_a_page(endpoint: Endpoint) -> Endpoint:
    """The pages' expected failures as pages; any other refusal is the portal's page with the problem's
    status, anything unexpected a 500 page quoting the correlation id (``PageSite.failure_page``)."""
    return site_ends_on_a_page(SITE, _expected)(endpoint)
