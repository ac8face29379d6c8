"""The invoices pages on the shared web layer (:mod:`vikar_shared.web.site`): templates in
``invoicing/templates/portal/`` over the portal's shared base (``vikar/portal.html``, its navigation), the
headers every page carries, message and error pages. The prefix is ``/portal/invoices`` (the one origin sends
it to invoicing, the rest of ``/portal/`` to timesheet); the stylesheet is ``/portal/invoices/static/vikar.css``."""

from __future__ import annotations

from pathlib import Path

from invoicing.portal.i18n import Translator
from vikar_shared.web.pages import make_environment
from vikar_shared.web.site import PageSite

__all__ = ["LIST_PATH", "PREFIX", "SITE", "TEMPLATES"]

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PREFIX = "/portal/invoices"
LIST_PATH = PREFIX

SITE = PageSite(
    name="portal-invoices",
    prefix=PREFIX,
    environment=make_environment([TEMPLATES]),
    translator=Translator,
    message_template="portal/invoices_message.html",
    home=(LIST_PATH, "back_to_invoices"),
    defaults={"session": None, "csrf_token": None, "flash": None, "nav": "invoices"},
)
