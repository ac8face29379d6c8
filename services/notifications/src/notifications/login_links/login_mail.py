"""The login-link e-mail in Danish or English: who it is for, the link, until when it works. An approver's
link logs in to approve hours for a company; a municipality user's (issue 12) to see the municipality's
co-financing statements and progress. Text and HTML parts (``templates/mail/login_link.txt|html``), the agency's
name and a footer saying why the recipient gets it (issue 14).

Both parts hold only :data:`SECRET_PLACEHOLDER` on a line of its own where the link goes; the link itself stays
sealed in the outbox row and the sender puts it in when it builds the message (:func:`with_secret` in the text,
:func:`with_html_secret`, escaped, in the HTML)."""

from __future__ import annotations

from notifications.emails.footer import agency_of, footer
from notifications.emails.models import (
    SECRET_PLACEHOLDER,
    EmailKind,
    MailContext,
    PlannedEmail,
    SealedSecret,
    message_id_for,
    single_line,
)
from notifications.emails.templates import MAIL
from notifications.login_links.models import Addressee, LoginLink
from vikar_shared.clock import AGENCY_TIMEZONE
from vikar_shared.events.timesheet import login_link_seal_context

# For rendering without a service's settings (tests, previews): the default agency name.
DEFAULT_CONTEXT = MailContext(portal_base_url="", message_id_domain="vikarmodel.dk")

_TEXT = {
    "da": {
        "subject": "Dit login-link til Vikarmodellen",
        "subject_for": "Dit login-link til Vikarmodellen: {name}",
        "greeting": "Hej {name},",
        "greeting_unnamed": "Hej,",
        "intro": "Her er dit link til at logge ind og godkende timer for {company}:",
        "intro_unnamed": "Her er dit link til at logge ind og godkende timer:",
        "municipality_intro": "Her er dit link til at logge ind og se kommunens medfinansieringsopgørelser og "
        "fremdrift for {municipality}:",
        "municipality_intro_unnamed": "Her er dit link til at logge ind og se kommunens "
        "medfinansieringsopgørelser og fremdrift:",
        "validity": "Linket virker til kl. {time} (dansk tid), og det kan kun bruges én gang.",
        "ignore": "Har du ikke bedt om linket, kan du se bort fra denne e-mail. Del det ikke med andre.",
        "reason": "du har bedt om et login-link",
    },
    "en": {
        "subject": "Your login link for Vikarmodellen",
        "subject_for": "Your login link for Vikarmodellen: {name}",
        "greeting": "Hello {name},",
        "greeting_unnamed": "Hello,",
        "intro": "Here is your link to log in and approve hours for {company}:",
        "intro_unnamed": "Here is your link to log in and approve hours:",
        "municipality_intro": "Here is your link to log in and see the municipality's co-financing statements "
        "and progress for {municipality}:",
        "municipality_intro_unnamed": "Here is your link to log in and see the municipality's co-financing "
        "statements and progress:",
        "validity": "The link works until {time} (Danish time) and can be used once.",
        "ignore": "If you did not ask for it, you can ignore this e-mail. Do not share the link.",
        "reason": "you asked for a login link",
    },
}


def render_subject(link: LoginLink, addressee: Addressee) -> str:
    """The subject names what the link logs in for (the company, or the municipality) when it is known: one address
    may be an approver and a municipality user, or a user of two municipalities, and gets a mail for each."""
    text = _TEXT[link.language]
    name = single_line(addressee.company_name or "")
    return text["subject_for"].format(name=name) if name else text["subject"]


def _values(link: LoginLink, addressee: Addressee, context: MailContext) -> dict[str, str]:
    text = _TEXT[link.language]
    name = single_line(addressee.approver_name or "")
    company = single_line(addressee.company_name or "")
    expires = link.expires_at.astimezone(AGENCY_TIMEZONE)
    if link.for_municipality:
        intro = (
            text["municipality_intro"].format(municipality=company) if company else text["municipality_intro_unnamed"]
        )
    else:
        intro = text["intro"].format(company=company) if company else text["intro_unnamed"]
    agency = agency_of(context)
    return {
        "greeting": text["greeting"].format(name=name) if name else text["greeting_unnamed"],
        "agency": agency,
        "intro": intro,
        "validity": text["validity"].format(time=f"{expires:%H:%M}"),
        "ignore": text["ignore"],
        "footer": footer(agency, text["reason"], link.language),
    }


def render_body(
    link: LoginLink, addressee: Addressee, link_line: str = SECRET_PLACEHOLDER, context: MailContext = DEFAULT_CONTEXT
) -> str:
    """The text part with ``link_line`` where the link goes: the placeholder when planned (the row never holds
    the link), the opened link only in the message the sender builds."""
    values = _values(link, addressee, context)
    return MAIL.text_part("mail/login_link.txt", locale=link.language, link_line=link_line, **values)


def render_html(link: LoginLink, addressee: Addressee, context: MailContext = DEFAULT_CONTEXT) -> str:
    """The HTML part (values escaped) with the placeholder on a line of its own where the link goes; the sender
    fills it (:func:`with_html_secret`). Never rendered with the link: the stored part holds only the placeholder."""
    values = _values(link, addressee, context)
    return MAIL.html_part(
        "mail/login_link.html",
        locale=link.language,
        subject=render_subject(link, addressee),
        link_line=SECRET_PLACEHOLDER,
        **values,
    )


def plan_login_email(link: LoginLink, addressee: Addressee, context: MailContext) -> PlannedEmail:
    return PlannedEmail(
        kind=EmailKind.LOGIN_LINK,
        event_id=link.event_id,
        recipient=link.email,
        recipient_name=single_line(addressee.approver_name or ""),
        subject=render_subject(link, addressee),
        body=render_body(link, addressee, context=context),
        html_body=render_html(link, addressee, context),
        language=link.language,
        message_id=message_id_for(link.event_id, link.email, context.message_id_domain),
        secret=SealedSecret(
            sealed=link.sealed_link, context=login_link_seal_context(link.email), expires_at=link.expires_at
        ),
    )
