"""The login pages on the shared web layer (:mod:`vikar_shared.web.site`): their templates over the shared
layout, the headers every page carries, message and error pages, redirects; the login policy from the
settings. The stylesheet is ``/auth/static/vikar.css``; the language is the origin's one ``vikar_lang``
cookie (:mod:`vikar_shared.web.language`); cookies: ``cookies.py``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from placement.config import PlacementSettings
from placement.identity.i18n import Translator
from placement.identity.models import Backoff, LoginPolicy, rate_limit_client
from vikar_shared.sealing import SealingKeys
from vikar_shared.web.pages import SECURITY_HEADERS, make_environment, redirect
from vikar_shared.web.site import Endpoint, PageSite, install_page_error_pages
from vikar_shared.web.site import ends_on_a_page as site_ends_on_a_page

__all__ = ["PREFIX", "SECURITY_HEADERS", "SITE", "redirect", "render"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
# The login pages live under this prefix behind the one origin; their stylesheet is /auth/static/vikar.css.
PREFIX = "/auth"
LOGIN_PATH = f"{PREFIX}/login"

SITE = PageSite(
    name="identity",
    prefix=PREFIX,
    environment=make_environment([TEMPLATES]),
    translator=Translator,
    message_template="identity/message.html",
    home=(LOGIN_PATH, "back_to_login"),
)


def settings_of(request: Request) -> PlacementSettings:
    settings: PlacementSettings = request.app.state.settings
    return settings


Settings = Annotated[PlacementSettings, Depends(settings_of)]


def login_policy(settings: PlacementSettings) -> LoginPolicy:
    base = timedelta(seconds=settings.login_backoff_seconds)
    cap = timedelta(seconds=settings.login_backoff_max_seconds)
    return LoginPolicy(
        link_ttl=timedelta(minutes=settings.login_link_minutes),
        window=timedelta(minutes=settings.login_window_minutes),
        per_email=Backoff(free=settings.login_free_per_email, base=base, cap=cap),
        per_client=Backoff(free=settings.login_free_per_client, base=base, cap=cap),
        session_ttl=settings.session_ttl,
    )


def login_link_sealer(request: Request) -> SealingKeys:
    """The keys login links are sealed with, built once per app from its settings."""
    sealer: SealingKeys | None = getattr(request.app.state, "login_link_sealer", None)
    if sealer is None:
        sealer = settings_of(request).login_link_sealer()
        request.app.state.login_link_sealer = sealer
    return sealer


def client_address(request: Request) -> str:
    """The client the rate limit counts: the TCP peer, or the address a configured trusted proxy
    forwarded (``trusted_proxies``, applied by uvicorn's ProxyHeadersMiddleware before we get here);
    an IPv6 client counts by its /64."""
    return rate_limit_client(request.client.host) if request.client is not None else "unknown"


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A login page in the visitor's language (``vikar_shared.web.language.visitor_locale``)."""
    return SITE.render(request, template, status=status, **context)


def login_url(next_path: str | None = None, **query: str) -> str:
    params = {**({"next": next_path} if next_path else {}), **query}
    return LOGIN_PATH + (f"?{urlencode(params)}" if params else "")


def ends_on_a_page(endpoint: Endpoint) -> Endpoint:
    """Failures become pages in the visitor's language (``vikar_shared.web.site``): a CSRF refusal 403, a
    form the parser refuses 422 (with a link to the login), an unexpected one logged once with the
    correlation id and a 500 page quoting it (the transaction was rolled back)."""
    return site_ends_on_a_page(SITE)(endpoint)


def install_identity_error_pages(app: FastAPI) -> None:
    """What the framework raises under ``/auth/`` (an unknown page, a method not allowed, a body it cannot
    parse) is a login-site page in the visitor's language, not the API's problem+json."""
    install_page_error_pages(app, SITE)
