"""Rendering HTML pages: the Jinja2 environment every service's pages share, the headers every page
carries, the language switch and redirects.

:func:`make_environment` loads a service's own templates first and then the shared ones under
``vikar/`` (``vikar/layout.html``: the base layout; ``vikar/mail/``: the mail bases). ``csrf_field(token)``
renders a form's hidden CSRF field. Templates get ``t`` (a :class:`~vikar_shared.web.i18n.Translator`),
``locale``, ``other_locale``, ``switch_url`` and ``static_prefix`` from :func:`render_page`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from vikar_shared.web import formatting
from vikar_shared.web.csrf import FIELD
from vikar_shared.web.i18n import Translator

# No script at all, styles only from ourselves, forms only to ourselves, never framed; login links
# carry a token in the path, so no Referer may leak it; pages hold personal data, so no caching.
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


def make_environment(template_dirs: Sequence[Path] = ()) -> Environment:
    """A Jinja2 environment over ``template_dirs`` (searched first) and the shared templates.

    Autoescaping is on for ``.html`` (off for a mail's ``.txt`` part); a misspelt variable fails the
    render (and the tests) instead of printing nothing. The formatters are filters too: ``hours``
    (minutes → ``h:mm``), ``kroner`` (øre → ``1.234,56 kr.``; ``|kroner("en")`` → ``DKK 1,234.56``; a page
    in the visitor's language uses ``t.kroner``), ``iso_week`` (date → ``(year, week)``).
    """
    env = Environment(
        loader=ChoiceLoader(
            [FileSystemLoader([str(d) for d in template_dirs]), PackageLoader("vikar_shared.web", "templates")]
        ),
        autoescape=select_autoescape(["html"], default_for_string=True, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(hours=formatting.hours_minutes, kroner=formatting.kroner, iso_week=formatting.iso_week)
    env.globals["csrf_field"] = csrf_field
    return env


def csrf_field(token: str) -> Markup:
    """The hidden field a form echoes its CSRF token in (:data:`vikar_shared.web.csrf.FIELD`), escaped."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, token)


def language_switch_url(request: Request, locale: str) -> str:
    """The same page in ``locale``: the path and query with ``lang`` set."""
    query = request.url.include_query_params(lang=locale).query
    return f"{request.url.path}?{query}"


def new_form_key() -> str:
    """A fresh Idempotency-Key for one rendered form (a hidden field)."""
    return secrets.token_urlsafe(18)


def render_page(
    environment: Environment,
    request: Request,
    template: str,
    t: Translator,
    *,
    static_prefix: str,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """``template`` rendered in ``t``'s language, with :data:`SECURITY_HEADERS`. ``static_prefix`` is the
    service's page prefix (``/portal``): the layout links ``{static_prefix}/static/vikar.css``."""
    other = t("other_language_code")
    html = environment.get_template(template).render(
        t=t,
        locale=t.locale,
        other_locale=other,
        switch_url=language_switch_url(request, other),
        static_prefix=static_prefix,
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def redirect(url: str) -> Response:
    """303 See Other: after a POST the browser follows with a GET, so reloading never re-sends the form."""
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)
