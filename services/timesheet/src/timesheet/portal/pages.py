"""Rendering portal pages: the Jinja2 environment, the headers every portal response carries, redirects."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from timesheet.portal.i18n import Translator
from timesheet.portal.models import MAX_ENTRIES_PER_ACTION

PACKAGE = Path(__file__).resolve().parents[1]
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    # A misspelt variable fails the render (and the tests) instead of printing nothing.
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

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


def language_switch_url(request: Request, locale: str) -> str:
    query = request.url.include_query_params(lang=locale).query
    return f"{request.url.path}?{query}"


def new_form_key() -> str:
    """A fresh Idempotency-Key for one rendered form (its hidden ``idempotency_key`` field)."""
    return secrets.token_urlsafe(18)


def render(request: Request, template: str, t: Translator, *, status: int = 200, **context: Any) -> HTMLResponse:
    other = t("other_language_code")
    html = _environment.get_template(template).render(
        t=t,
        locale=t.locale,
        other_locale=other,
        switch_url=language_switch_url(request, other),
        **{
            "session": None,
            "csrf_token": None,
            "flash": None,
            "nav": None,
            "form_key": new_form_key,
            # The most entries one approve button may name (the pending page offers none beyond it).
            "max_per_action": MAX_ENTRIES_PER_ACTION,
            **context,
        },
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def redirect(url: str) -> Response:
    # 303: after a POST the browser follows with a GET, so reloading never re-sends the form.
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)
