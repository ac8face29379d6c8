"""The municipality pages on the shared web layer (:mod:`vikar_shared.web.site`): templates in
``invoicing/templates/municipality/`` over their own base (``municipality/base.html``: the shared layout with the
pages' navigation, the logged-in user and the logout button), the headers every page carries, message and error
pages. The prefix is ``/municipality`` (the one origin sends it to invoicing); the stylesheet is
``/municipality/static/vikar.css``."""

from __future__ import annotations

from pathlib import Path

from invoicing.municipality_pages.i18n import Translator
from vikar_shared.web.pages import make_environment
from vikar_shared.web.site import PageSite

__all__ = ["PREFIX", "PROGRESS_PATH", "SITE", "STATEMENTS_PATH", "TEMPLATES"]

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PREFIX = "/municipality"
PROGRESS_PATH = f"{PREFIX}/progress"
STATEMENTS_PATH = f"{PREFIX}/statements"

SITE = PageSite(
    name="municipality",
    prefix=PREFIX,
    environment=make_environment([TEMPLATES]),
    translator=Translator,
    message_template="municipality/message.html",
    home=(PROGRESS_PATH, "back_to_progress"),
    defaults={"email": None, "csrf_token": None, "nav": None},
)
