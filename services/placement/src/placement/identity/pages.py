"""Rendering the login pages: the Jinja2 environment, the headers every page carries, the visitor's
language, the login policy from the settings, and failures that end on a page (cookies: ``cookies.py``).

Kept small on purpose: the shared web layer (issue 7 item 5) will give the layout, the catalogue
machinery and the cookie helpers; until then this mirrors the portal's."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from placement.config import PlacementSettings
from placement.identity.cookies import LANGUAGE_COOKIE, FormInvalidError
from placement.identity.i18n import Translator
from placement.identity.models import (
    DEFAULT_LOCALE,
    Backoff,
    CsrfRejectedError,
    LoginPolicy,
    rate_limit_client,
    supported,
)
from vikar_shared.logging import correlation_id_var
from vikar_shared.sealing import SealingKeys

log = logging.getLogger(__name__)

_environment = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

# No script at all, styles only from ourselves, forms only to ourselves, never framed; login links
# carry a token in the path, so no Referer may leak it; nothing is cached.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


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


def visitor_locale(request: Request) -> str:
    """``?lang=``, else the language a form posted, else the language cookie, else Danish."""
    return (
        supported(request.query_params.get("lang"))
        or getattr(request.state, "identity_locale", None)
        or supported(request.cookies.get(LANGUAGE_COOKIE))
        or DEFAULT_LOCALE
    )


def _switch_url(request: Request, locale: str) -> str:
    return f"{request.url.path}?{request.url.include_query_params(lang=locale).query}"


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    t = Translator(visitor_locale(request))
    other = t("other_language_code")
    html = _environment.get_template(template).render(
        t=t, locale=t.locale, other_locale=other, switch_url=_switch_url(request, other), **context
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def message_page(
    request: Request,
    title: str,
    text: str,
    *,
    status: int,
    link: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
    extra: str | None = None,
    reference: str | None = None,
    **params: object,
) -> Response:
    response = render(
        request,
        "identity/message.html",
        status=status,
        title=title,
        text=text,
        link=link,
        extra=extra,
        reference=reference,
        params=params,
    )
    response.headers.update(headers or {})
    return response


def redirect(url: str) -> Response:
    # 303: after a POST the browser follows with a GET, so reloading never re-sends the form.
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def login_url(next_path: str | None = None, **query: str) -> str:
    params = {**({"next": next_path} if next_path else {}), **query}
    return "/auth/login" + (f"?{urlencode(params)}" if params else "")


# --- Failures end on a page ------------------------------------------------------------------------

Endpoint = Callable[..., Awaitable[Response]]


def ends_on_a_page(endpoint: Endpoint) -> Endpoint:
    """Expected failures become pages in the visitor's language; an unexpected one is logged once with
    the correlation id and answered with a 500 page quoting it (the transaction was rolled back)."""

    @functools.wraps(endpoint)
    async def on_a_page(*args: Any, **kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        back = (login_url(), "back_to_login")
        try:
            return await endpoint(*args, **kwargs)
        except CsrfRejectedError:
            return message_page(request, "csrf_title", "csrf_text", status=403)
        except FormInvalidError:
            return message_page(request, "form_invalid_title", "form_invalid_text", status=422, link=back)
        except Exception as exc:
            log.exception("unhandled error in identity %s %s", request.method, request.url.path, exc_info=exc)
            reference = correlation_id_var.get() or ""
            return message_page(request, "error_title", "error_text", status=500, link=back, reference=reference)

    return on_a_page
