"""The message catalogue mechanism every page and mail uses: Danish (the default) and English.

A catalogue is a plain, typed mapping ``{key: {"da": text, "en": text}}`` with ``str.format``
placeholders. Each service keeps one catalogue module for its own words and merges
:data:`LAYOUT_CATALOGUE` (the words of the shared layout) into it, or :data:`PAGE_CATALOGUE` (the layout's
and the shared message and error pages' words, :mod:`vikar_shared.web.site`). A missing key is a KeyError at
render time, and :func:`catalogue_problems` (run by each service's tests) finds a text missing in one
language or placeholders that differ between the two, so a string in one language only does not ship.

:class:`Translator` is what templates call ``t``: ``t("key", name=...)`` for a text, ``t.plural(...)``
for counts, and the formatters of :mod:`vikar_shared.web.formatting` in the page's language.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from vikar_shared.web import formatting

DEFAULT_LOCALE = "da"
LOCALES = ("da", "en")

Catalogue = Mapping[str, Mapping[str, str]]

LAYOUT_CATALOGUE: dict[str, dict[str, str]] = {
    "app_name": {"da": "Vikarmodellen", "en": "Vikarmodellen"},
    "skip_to_content": {"da": "Spring til indhold", "en": "Skip to content"},
    "main_navigation": {"da": "Hovedmenu", "en": "Main menu"},
    "logout": {"da": "Log ud", "en": "Log out"},
    "logged_in_as": {"da": "Logget ind som {email}", "en": "Logged in as {email}"},
    "other_language": {"da": "English", "en": "Dansk"},
    "other_language_code": {"da": "en", "en": "da"},
    "week_label": {"da": "Uge {week}, {year}", "en": "Week {week}, {year}"},
}

MESSAGE_CATALOGUE: dict[str, dict[str, str]] = {
    # The words of the message and error pages every page site shows (vikar_shared.web.site); each site adds
    # its own ``page_not_found_text`` (where to go instead) and the link texts of its pages.
    "csrf_title": {"da": "Handlingen blev afvist", "en": "Action refused"},
    "csrf_text": {
        "da": "Formularen var forældet eller kom ikke fra denne side. Gå tilbage, genindlæs siden, og prøv igen.",
        "en": "The form was out of date or did not come from this site. Go back, reload the page and try again.",
    },
    "form_invalid_title": {"da": "Formularen kunne ikke bruges", "en": "The form could not be used"},
    "form_invalid_text": {
        "da": "Formularen var ufuldstændig eller ændret, så der er ikke gjort noget. Åbn siden igen, og prøv igen.",
        "en": "The form was incomplete or altered, so nothing was done. Open the page again and try again.",
    },
    "query_repeated_title": {"da": "Adressen kunne ikke bruges", "en": "The address could not be used"},
    "query_repeated_text": {
        "da": "Adressen nævner den samme oplysning flere gange (fx to sidenumre), så siden ved ikke, hvilken den "
        "skal vise. Åbn siden fra menuen igen.",
        "en": "The address names the same setting more than once (e.g. two page numbers), so the page cannot tell "
        "which to show. Open the page from the menu again.",
    },
    "page_not_found_title": {"da": "Siden findes ikke", "en": "Page not found"},
    "method_not_allowed_title": {"da": "Siden kan ikke bruges sådan", "en": "This page cannot be used like that"},
    "method_not_allowed_text": {
        "da": "Siden findes, men kun til en knap eller en formular på en af vores sider. Der er ikke gjort noget.",
        "en": "The page exists, but only for a button or a form on one of our pages. Nothing was done.",
    },
    "error_title": {"da": "Noget gik galt", "en": "Something went wrong"},
    "error_text": {
        "da": "Handlingen kunne ikke gennemføres, og der er ikke ændret noget. Prøv igen om lidt.",
        "en": "The action could not be completed and nothing was changed. Try again in a moment.",
    },
    "error_reference": {
        "da": "Oplys denne reference, hvis du kontakter os: {reference}",
        "en": "Quote this reference if you contact us: {reference}",
    },
}

PAGE_CATALOGUE: dict[str, dict[str, str]] = {**LAYOUT_CATALOGUE, **MESSAGE_CATALOGUE}
"""What a page site's catalogue starts from: ``CATALOGUE = {**PAGE_CATALOGUE, "page_not_found_text": ..., ...}``."""

PAGER_CATALOGUE: dict[str, dict[str, str]] = {
    # The words of a paged list's navigation (``vikar/pager.html``).
    "pages_navigation": {"da": "Sider", "en": "Pages"},
    "previous_page": {"da": "Forrige side", "en": "Previous page"},
    "next_page": {"da": "Næste side", "en": "Next page"},
    "page_of": {"da": "Side {page}", "en": "Page {page}"},
    "more_pages": {"da": "Hver side viser højst {size}.", "en": "Each page shows at most {size}."},
}
"""What a page site with a paged list adds to its catalogue (invoicing's invoices, the municipality's statements)."""

PORTAL_CATALOGUE: dict[str, dict[str, str]] = {
    # The company approval portal's shared words (``vikar/portal.html``: its navigation across the services
    # that serve it, and the refusal of a session that is not a listed approver's), over PAGE_CATALOGUE.
    **PAGE_CATALOGUE,
    "portal_name": {"da": "Godkendelse af timer", "en": "Hour approval"},
    "nav_pending": {"da": "Til godkendelse", "en": "To approve"},
    "nav_history": {"da": "Historik", "en": "History"},
    "nav_invoices": {"da": "Fakturaer", "en": "Invoices"},
    "no_access_title": {"da": "Ingen adgang", "en": "No access"},
    "no_access_text": {
        "da": "Du er ikke (længere) godkender hos denne virksomhed. Log ind igen med det link, virksomheden "
        "har givet dig adgang med.",
        "en": "You are not (or no longer) an approver at this company. Log in again with the link your company "
        "gave you access with.",
    },
    "log_in_again": {"da": "Log ind igen", "en": "Log in again"},
}
"""What a portal page site's catalogue starts from (timesheet's hours, invoicing's invoices)."""


def supported(locale: str | None) -> str | None:
    """``locale`` if it is one of :data:`LOCALES`, else None."""
    return locale if locale in LOCALES else None


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def catalogue_problems(catalogue: Catalogue) -> list[str]:
    """What is wrong with a catalogue, one line each (empty: nothing): a key without a text in every
    locale, an empty text, or placeholders that differ between the locales."""
    found: list[str] = []
    for key, texts in catalogue.items():
        if set(texts) != set(LOCALES):
            found.append(f"{key}: locales {sorted(texts)}, expected {sorted(LOCALES)}")
            continue
        if not all(texts.values()):
            found.append(f"{key}: an empty text")
        if len({frozenset(_placeholders(t)) for t in texts.values()}) > 1:
            found.append(f"{key}: the placeholders differ between the locales")
    return found


@dataclass(frozen=True)
class Translator:
    """The words and formats of one locale. Subclass with ``catalogue = {**LAYOUT_CATALOGUE, ...}``."""

    locale: str
    catalogue: ClassVar[Catalogue] = LAYOUT_CATALOGUE

    def __call__(self, key: str, **params: object) -> str:
        text = self.catalogue[key][self.locale]
        return text.format(**params) if params else text

    def plural(self, key: str, count: int, **params: object) -> str:
        """``key`` for any count but one, ``key_one`` (when the catalogue has it) for exactly one."""
        chosen = f"{key}_one" if count == 1 and f"{key}_one" in self.catalogue else key
        return self(chosen, count=count, **params)

    def message(self, key: str, params: Mapping[str, Any]) -> str:
        """A stored one-shot message; one with a ``count`` agrees in number."""
        if "count" in params:
            rest = {k: v for k, v in params.items() if k != "count"}
            return self.plural(key, int(params["count"]), **rest)
        return self(key, **params)

    def day(self, when: date) -> str:
        """``mandag 16. november`` / ``Monday 16 November``."""
        return formatting.day(when, self.locale)

    def short_day(self, when: date) -> str:
        """``man. 16.11.`` / ``Mon 16/11``."""
        return formatting.short_day(when, self.locale)

    def full_date(self, when: date) -> str:
        """``27. november 2026`` / ``27 November 2026``."""
        return formatting.full_date(when, self.locale)

    def month(self, first: date) -> str:
        """``marts 2026`` / ``March 2026``."""
        return formatting.month(first, self.locale)

    def instant(self, moment: datetime) -> str:
        """``16. november 2026 kl. 14:05`` / ``16 November 2026, 14:05`` on the agency's clock."""
        return formatting.instant(moment, self.locale)

    def hours(self, minutes: int) -> str:
        """``135`` → ``2:15``."""
        return formatting.hours_minutes(minutes)

    def kroner(self, ore: int) -> str:
        """``123456`` → ``1.234,56 kr.`` / ``DKK 1,234.56`` (a no-break space; :func:`formatting.kroner`)."""
        return formatting.kroner(ore, self.locale)

    def week(self, when: date) -> str:
        """The ISO week a date falls in: ``Uge 47, 2026`` / ``Week 47, 2026``."""
        year, week = formatting.iso_week(when)
        return self("week_label", week=week, year=year)
