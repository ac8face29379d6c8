"""The login-link e-mail in Danish or English: who it is for, the link, until when it works. An approver's
link logs in to approve hours for a company; a municipality user's (issue 12) to see the municipality's
co-financing statements and progress."""

from __future__ import annotations

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
    },
}


def render_subject(link: LoginLink, addressee: Addressee) -> str:
    """The subject names what the link logs in for (the company, or the municipality) when it is known: one address
    may be an approver and a municipality user, or a user of two municipalities, and gets a mail for each."""
    text = _TEXT[link.language]
    name = single_line(addressee.company_name or "")
    return text["subject_for"].format(name=name) if name else text["subject"]


def render_body(link: LoginLink, addressee: Addressee, link_line: str = SECRET_PLACEHOLDER) -> str:
    """The body with ``link_line`` where the link goes: the placeholder when planned (the row never holds
    the link), the opened link only in the message the sender builds."""
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
    return MAIL.text_part(
        "mail/login_link.txt",
        greeting=text["greeting"].format(name=name) if name else text["greeting_unnamed"],
        locale=link.language,
        intro=intro,
        link_line=link_line,
        validity=text["validity"].format(time=f"{expires:%H:%M}"),
        ignore=text["ignore"],
    )


def plan_login_email(link: LoginLink, addressee: Addressee, context: MailContext) -> PlannedEmail:
    return PlannedEmail(
        kind=EmailKind.LOGIN_LINK,
        event_id=link.event_id,
        recipient=link.email,
        recipient_name=single_line(addressee.approver_name or ""),
        subject=render_subject(link, addressee),
        body=render_body(link, addressee),
        message_id=message_id_for(link.event_id, link.email, context.message_id_domain),
        secret=SealedSecret(
            sealed=link.sealed_link, context=login_link_seal_context(link.email), expires_at=link.expires_at
        ),
    )
