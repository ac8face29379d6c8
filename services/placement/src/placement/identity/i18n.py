"""Every word the login pages show, in Danish (the default) and English, on the shared catalogue mechanism
(:mod:`vikar_shared.web.i18n`: the layout's and the shared message pages' words, ``PAGE_CATALOGUE``): the
texts of the portal's login pages (timesheet/portal/i18n.py before issue 7), so approvers see the same
words where they log in; since issue 12 municipality users log in here too, so the words name both.

A missing key is a KeyError at render time; ``catalogue_problems`` (run by the unit tests) finds a text in
one language only or placeholders that differ, and the tests render every page in both languages."""

from __future__ import annotations

from vikar_shared.web.i18n import PAGE_CATALOGUE
from vikar_shared.web.i18n import Translator as BaseTranslator

CATALOGUE: dict[str, dict[str, str]] = {
    **PAGE_CATALOGUE,
    "login_title": {"da": "Log ind", "en": "Log in"},
    "login_intro": {
        "da": "Skriv den e-mailadresse, jeres virksomhed eller kommune har givet Vikarmodellen. Vi sender dig et "
        "link, du kan logge ind med.",
        "en": "Enter the e-mail address your company or municipality gave Vikarmodellen. We will send you a link "
        "to log in with.",
    },
    "email_label": {"da": "E-mailadresse", "en": "E-mail address"},
    "send_link": {"da": "Send login-link", "en": "Send login link"},
    "email_invalid": {"da": "Skriv en gyldig e-mailadresse.", "en": "Enter a valid e-mail address."},
    "check_email_title": {"da": "Tjek din e-mail", "en": "Check your e-mail"},
    # Counts agree in number (t.plural: ``<key>_one`` for exactly one; the message pages choose it by ``count``).
    "check_email_text": {
        "da": "Hvis adressen tilhører en godkender hos en af vores virksomheder eller en bruger hos en af vores "
        "kommuner, har vi sendt et login-link til den. Linket virker i {count} minutter og kan kun bruges én "
        "gang.",
        "en": "If the address belongs to an approver at one of our companies or a user at one of our "
        "municipalities, we have sent a login link to it. The link works for {count} minutes and can be used "
        "once.",
    },
    "check_email_text_one": {
        "da": "Hvis adressen tilhører en godkender hos en af vores virksomheder eller en bruger hos en af vores "
        "kommuner, har vi sendt et login-link til den. Linket virker i {count} minut og kan kun bruges én "
        "gang.",
        "en": "If the address belongs to an approver at one of our companies or a user at one of our "
        "municipalities, we have sent a login link to it. The link works for {count} minute and can be used "
        "once.",
    },
    "check_email_spam": {
        "da": "Kommer der ikke noget, så kig i spam-mappen, eller bed om et nyt link.",
        "en": "If nothing arrives, look in your spam folder or ask for a new link.",
    },
    "rate_limited_title": {"da": "For mange forsøg", "en": "Too many attempts"},
    "rate_limited_text": {
        "da": "Der er bedt om for mange login-links på kort tid. Vent {count} sekunder, og prøv igen.",
        "en": "Too many login links were asked for in a short time. Wait {count} seconds and try again.",
    },
    "rate_limited_text_one": {
        "da": "Der er bedt om for mange login-links på kort tid. Vent {count} sekund, og prøv igen.",
        "en": "Too many login links were asked for in a short time. Wait {count} second and try again.",
    },
    "logged_out": {"da": "Du er logget ud.", "en": "You are logged out."},
    "confirm_title": {"da": "Bekræft login", "en": "Confirm log-in"},
    "confirm_text": {
        "da": "Tryk på knappen for at logge ind som {email}.",
        "en": "Press the button to log in as {email}.",
    },
    "confirm_button": {"da": "Log ind", "en": "Log in"},
    "link_expired_title": {"da": "Linket er udløbet", "en": "The link has expired"},
    "link_expired_text": {
        "da": "Et login-link virker kun i {count} minutter. Bed om et nyt.",
        "en": "A login link only works for {count} minutes. Ask for a new one.",
    },
    "link_expired_text_one": {
        "da": "Et login-link virker kun i {count} minut. Bed om et nyt.",
        "en": "A login link only works for {count} minute. Ask for a new one.",
    },
    "link_used_title": {"da": "Linket er allerede brugt", "en": "The link has already been used"},
    "link_used_text": {
        "da": "Et login-link kan kun bruges én gang. Bed om et nyt, hvis du vil logge ind igen.",
        "en": "A login link can only be used once. Ask for a new one to log in again.",
    },
    "link_unknown_title": {"da": "Ugyldigt link", "en": "Invalid link"},
    "link_unknown_text": {
        "da": "Linket virker ikke. Kopiér hele linket fra e-mailen, eller bed om et nyt.",
        "en": "The link does not work. Copy the whole link from the e-mail, or ask for a new one.",
    },
    "request_new_link": {"da": "Bed om et nyt link", "en": "Ask for a new link"},
    "identity_name": {"da": "Log ind", "en": "Log in"},
    "page_not_found_text": {
        "da": "Den side findes ikke. Gå til login.",
        "en": "That page does not exist. Go to log-in.",
    },
    "back_to_login": {"da": "Til login", "en": "To log-in"},
}


class Translator(BaseTranslator):
    """The login pages' words (and the shared formats) in one locale."""

    catalogue = CATALOGUE
