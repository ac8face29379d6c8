"""Rendering portal pages on the shared web layer (:mod:`vikar_shared.web`): the portal's templates over
the shared layout, the headers every portal response carries, redirects, the stylesheet's address."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from timesheet.portal.i18n import Translator
from timesheet.portal.models import MAX_ENTRIES_PER_ACTION
from vikar_shared.web.pages import SECURITY_HEADERS, make_environment, new_form_key, redirect, render_page

__all__ = ["PREFIX", "SECURITY_HEADERS", "TEMPLATES", "redirect", "render"]

PACKAGE = Path(__file__).resolve().parents[1]
TEMPLATES = PACKAGE / "templates"
# The portal's pages live under this prefix behind the one origin; its stylesheet is /portal/static/vikar.css.
PREFIX = "/portal"

_environment = make_environment([TEMPLATES])


def render(request: Request, template: str, t: Translator, *, status: int = 200, **context: Any) -> HTMLResponse:
    return render_page(
        _environment,
        request,
        template,
        t,
        static_prefix=PREFIX,
        status=status,
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
