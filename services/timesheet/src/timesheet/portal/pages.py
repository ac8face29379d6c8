"""The portal's pages on the shared web layer (:mod:`vikar_shared.web.site`): its templates over the shared
layout, the headers every portal response carries, message and error pages, redirects; the stylesheet is
``/portal/static/vikar.css``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from timesheet.portal.i18n import Translator
from timesheet.portal.models import MAX_ENTRIES_PER_ACTION
from vikar_shared.web.pages import SECURITY_HEADERS, make_environment, new_form_key, redirect
from vikar_shared.web.site import PageSite

__all__ = ["PREFIX", "SECURITY_HEADERS", "SITE", "TEMPLATES", "redirect", "render"]

PACKAGE = Path(__file__).resolve().parents[1]
TEMPLATES = PACKAGE / "templates"
# The portal's pages live under this prefix behind the one origin; its stylesheet is /portal/static/vikar.css.
PREFIX = "/portal"

SITE = PageSite(
    name="portal",
    prefix=PREFIX,
    environment=make_environment([TEMPLATES]),
    translator=Translator,
    message_template="portal/message.html",
    home=("/portal/pending", "back_to_pending"),
    defaults={
        "session": None,
        "csrf_token": None,
        "flash": None,
        "nav": None,
        "form_key": new_form_key,
        # The most entries one approve button may name (the pending page offers none beyond it).
        "max_per_action": MAX_ENTRIES_PER_ACTION,
    },
    status_messages={413: ("too_many_title", "too_many_text", {"max": MAX_ENTRIES_PER_ACTION})},
)


def render(request: Request, template: str, t: Translator, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A portal page in ``t``'s language (``session``, ``csrf_token``, ``flash``, ``nav`` default to None)."""
    return SITE.render(request, template, t, status=status, **context)
