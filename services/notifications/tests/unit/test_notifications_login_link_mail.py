"""The login-link e-mail: Danish by default, English on request, the link, its expiry on Danish time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from notifications.emails.models import EmailKind, MailContext, message_id_for
from notifications.login_links.login_mail import plan_login_email, render_body, render_subject
from notifications.login_links.models import Addressee, LoginLink

EVENT = uuid.UUID("33333333-3333-3333-3333-333333333333")
LINK = "https://portal.example.dk/portal/login/abc123"
CONTEXT = MailContext(portal_base_url="https://portal.example.dk", message_id_domain="vikarmodel.dk")


def _link(locale: str = "da", expires_at: datetime = datetime(2026, 11, 27, 13, 20, tzinfo=UTC)) -> LoginLink:
    return LoginLink(EVENT, uuid.uuid4(), "bo@bager.dk", LINK, expires_at, locale)


def test_danish_mail_greets_names_the_company_and_gives_the_link_and_its_copenhagen_expiry() -> None:
    body = render_body(_link(), Addressee("Bo Hansen", "Bager Hansen ApS"))

    assert render_subject(_link()) == "Dit login-link til Vikarmodellen"
    assert body == (
        "Hej Bo Hansen,\n"
        "\n"
        "Her er dit link til at logge ind og godkende timer for Bager Hansen ApS:\n"
        "\n"
        "https://portal.example.dk/portal/login/abc123\n"
        "\n"
        "Linket virker til kl. 14:20 (dansk tid), og det kan kun bruges én gang.\n"
        "Har du ikke bedt om linket, kan du se bort fra denne e-mail. Del det ikke med andre.\n"
        "\n"
        "Med venlig hilsen\n"
        "Vikarmodellen\n"
    )


def test_english_mail_on_request_and_summer_time_is_respected() -> None:
    link = _link("en", datetime(2026, 7, 1, 8, 5, tzinfo=UTC))

    body = render_body(link, Addressee("Bo Hansen", "Bager Hansen ApS"))

    assert render_subject(link) == "Your login link for Vikarmodellen"
    assert body.startswith("Hello Bo Hansen,\n\nHere is your link to log in and approve hours for Bager Hansen ApS:\n")
    assert "The link works until 10:05 (Danish time) and can be used once." in body


def test_an_unknown_locale_falls_back_to_danish() -> None:
    assert render_subject(_link("fr")) == "Dit login-link til Vikarmodellen"


def test_unknown_names_give_a_plain_greeting_and_no_company() -> None:
    body = render_body(_link(), Addressee(None, None))

    assert body.startswith("Hej,\n\nHer er dit link til at logge ind og godkende timer:\n\n" + LINK + "\n")


def test_names_cannot_inject_lines() -> None:
    body = render_body(_link(), Addressee("Bo\nBcc: x@evil.example", "Bager\r\nHansen"))

    assert body.splitlines()[0] == "Hej Bo Bcc: x@evil.example,"
    assert "for Bager Hansen:" in body


def test_planned_email_is_a_login_link_with_a_deterministic_message_id() -> None:
    planned = plan_login_email(_link(), Addressee("Bo Hansen", None), CONTEXT)

    assert planned.kind is EmailKind.LOGIN_LINK
    assert (planned.event_id, planned.recipient, planned.recipient_name) == (EVENT, "bo@bager.dk", "Bo Hansen")
    assert planned.message_id == message_id_for(EVENT, "bo@bager.dk", "vikarmodel.dk")
    assert LINK in planned.body


def test_a_link_is_expired_from_its_expiry_instant_on() -> None:
    link = _link()
    assert not link.expired(datetime(2026, 11, 27, 13, 19, 59, tzinfo=UTC))
    assert link.expired(datetime(2026, 11, 27, 13, 20, tzinfo=UTC))
