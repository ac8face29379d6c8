"""The login-link e-mail: Danish by default, English on request, the link, its expiry on Danish time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from notifications.emails.models import (
    SECRET_PLACEHOLDER,
    EmailKind,
    MailContext,
    message_id_for,
    with_html_secret,
    with_secret,
)
from notifications.login_links.login_mail import plan_login_email, render_body, render_html, render_subject
from notifications.login_links.models import Addressee, LoginLink
from vikar_shared.events.timesheet import login_link_seal_context
from vikar_shared.sealing import SealingKeys, dev_sealing_keys

EVENT = uuid.UUID("33333333-3333-3333-3333-333333333333")
LINK = "https://portal.example.dk/portal/login/abc123"
CONTEXT = MailContext(portal_base_url="https://portal.example.dk", message_id_domain="vikarmodel.dk")
KEYS = SealingKeys(dev_sealing_keys())


def _link(locale: str = "da", expires_at: datetime = datetime(2026, 11, 27, 13, 20, tzinfo=UTC)) -> LoginLink:
    sealed = KEYS.seal(LINK, context=login_link_seal_context("bo@bager.dk"))
    return LoginLink(EVENT, uuid.uuid4(), "bo@bager.dk", sealed, expires_at, locale)


def test_danish_mail_greets_names_the_company_and_gives_the_link_and_its_copenhagen_expiry() -> None:
    body = render_body(_link(), Addressee("Bo Hansen", "Bager Hansen ApS"), LINK)

    assert render_subject(_link(), Addressee("Bo Hansen", "Bager Hansen ApS")) == (
        "Dit login-link til Vikarmodellen: Bager Hansen ApS"
    )
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
        "Du får denne mail fra Vikarmodellen, fordi du har bedt om et login-link.\n"
        "\n"
        "Med venlig hilsen\n"
        "Vikarmodellen\n"
    )


def test_english_mail_on_request_and_summer_time_is_respected() -> None:
    link = _link("en", datetime(2026, 7, 1, 8, 5, tzinfo=UTC))

    body = render_body(link, Addressee("Bo Hansen", "Bager Hansen ApS"), LINK)

    assert render_subject(link, Addressee("Bo Hansen", "Bager Hansen ApS")) == (
        "Your login link for Vikarmodellen: Bager Hansen ApS"
    )
    assert body.startswith("Hello Bo Hansen,\n\nHere is your link to log in and approve hours for Bager Hansen ApS:\n")
    assert "The link works until 10:05 (Danish time) and can be used once." in body


def test_an_unknown_locale_falls_back_to_danish() -> None:
    assert render_subject(_link("fr"), Addressee(None, None)) == "Dit login-link til Vikarmodellen"


def test_unknown_names_give_a_plain_greeting_and_no_company() -> None:
    body = render_body(_link(), Addressee(None, None), LINK)

    assert body.startswith("Hej,\n\nHer er dit link til at logge ind og godkende timer:\n\n" + LINK + "\n")


def test_names_cannot_inject_lines() -> None:
    body = render_body(_link(), Addressee("Bo\nBcc: x@evil.example", "Bager\r\nHansen"))

    assert body.splitlines()[0] == "Hej Bo Bcc: x@evil.example,"
    assert "for Bager Hansen:" in body


def test_planned_email_is_a_login_link_with_a_deterministic_message_id_and_the_link_still_sealed() -> None:
    link = _link()
    planned = plan_login_email(link, Addressee("Bo Hansen", None), CONTEXT)

    assert planned.kind is EmailKind.LOGIN_LINK
    assert (planned.event_id, planned.recipient, planned.recipient_name) == (EVENT, "bo@bager.dk", "Bo Hansen")
    assert planned.message_id == message_id_for(EVENT, "bo@bager.dk", "vikarmodel.dk")
    # What goes into the outbox row: a placeholder in the body, the link sealed beside it.
    assert LINK not in planned.body and "abc123" not in repr(planned)
    assert SECRET_PLACEHOLDER in planned.body.splitlines()
    assert planned.secret is not None
    assert planned.secret.sealed == link.sealed_link
    assert planned.secret.expires_at == link.expires_at
    opened = KEYS.open(planned.secret.sealed, context=planned.secret.context)
    assert with_secret(planned.body, opened) == render_body(link, Addressee("Bo Hansen", None), LINK)
    # The HTML part too holds only the placeholder, on a line of its own; the sender puts the link in, escaped.
    assert planned.html_body is not None and planned.html_body == render_html(link, Addressee("Bo Hansen", None))
    assert LINK not in planned.html_body and SECRET_PLACEHOLDER in planned.html_body.splitlines()
    filled = with_html_secret(planned.html_body, opened)
    assert f'<a href="{LINK}">{LINK}</a>' in filled.splitlines()
    assert SECRET_PLACEHOLDER not in filled


def test_only_a_whole_placeholder_line_receives_the_secret() -> None:
    body = render_body(_link(), Addressee(f"Eve {SECRET_PLACEHOLDER}", None))

    filled = with_secret(body, LINK)

    assert filled.count(LINK) == 1
    assert filled.splitlines()[0] == f"Hej Eve {SECRET_PLACEHOLDER},"
    with pytest.raises(ValueError, match="no place"):
        with_secret("Hej,\n\nno link here\n", LINK)


def test_a_link_is_expired_from_its_expiry_instant_on() -> None:
    link = _link()
    assert not link.expired(datetime(2026, 11, 27, 13, 19, 59, tzinfo=UTC))
    assert link.expired(datetime(2026, 11, 27, 13, 20, tzinfo=UTC))


# --- Issue 12: a municipality user's link ------------------------------------------------------------------


def _municipality_link(locale: str = "da") -> LoginLink:
    sealed = KEYS.seal(LINK, context=login_link_seal_context("mette@aalborg.dk"))
    return LoginLink(
        EVENT,
        None,
        "mette@aalborg.dk",
        sealed,
        datetime(2026, 11, 27, 13, 20, tzinfo=UTC),
        locale,
        role="municipality",
        municipality_name="Aalborg Kommune",
        person_name="Mette Jensen",
    )


def test_a_municipality_users_danish_mail_speaks_of_statements_and_progress_not_hours() -> None:
    link = _municipality_link()

    body = render_body(link, Addressee("Mette Jensen", "Aalborg Kommune"), LINK)

    # One address may be an approver too, or a user of two municipalities: the subject tells the mails apart.
    assert render_subject(link, Addressee("Mette Jensen", "Aalborg Kommune")) == (
        "Dit login-link til Vikarmodellen: Aalborg Kommune"
    )
    assert body.splitlines()[:3] == [
        "Hej Mette Jensen,",
        "",
        "Her er dit link til at logge ind og se kommunens medfinansieringsopgørelser og fremdrift for Aalborg Kommune:",
    ]
    # The rest (the link, its expiry, the warning, the signature) is the approver's mail word for word.
    approvers = render_body(_link(), Addressee("Bo Hansen", "Bager Hansen ApS"), LINK)
    assert body.splitlines()[3:] == approvers.splitlines()[3:]
    assert "godkende timer" not in body


def test_a_municipality_users_english_mail_and_without_names() -> None:
    link = _municipality_link("en")

    named = render_body(link, Addressee("Mette Jensen", "Aalborg Kommune"), LINK)
    unnamed = render_body(link, Addressee(None, None), LINK)

    assert render_subject(link, Addressee(None, None)) == "Your login link for Vikarmodellen"
    assert named.startswith(
        "Hello Mette Jensen,\n\nHere is your link to log in and see the municipality's co-financing statements "
        "and progress for Aalborg Kommune:\n"
    )
    assert unnamed.startswith(
        "Hello,\n\nHere is your link to log in and see the municipality's co-financing statements and progress:\n"
    )
    assert "approve hours" not in named + unnamed
    da = render_body(_municipality_link(), Addressee(None, None), LINK)
    assert da.startswith(
        "Hej,\n\nHer er dit link til at logge ind og se kommunens medfinansieringsopgørelser og fremdrift:\n"
    )


def test_a_municipality_users_planned_mail_is_addressed_by_name_and_keeps_the_link_sealed() -> None:
    link = _municipality_link()

    planned = plan_login_email(link, Addressee("Mette\nJensen", "Aalborg Kommune"), CONTEXT)

    assert (planned.recipient, planned.recipient_name) == ("mette@aalborg.dk", "Mette Jensen")
    assert LINK not in planned.body and SECRET_PLACEHOLDER in planned.body.splitlines()
    assert "fremdrift for Aalborg Kommune:" in planned.body


# --- Issue 14: HTML part, the agency's name, the footer --------------------------------------------------------


def test_english_mail_has_an_html_part_and_a_footer_naming_the_agency() -> None:
    link = _link("en")
    context = MailContext("https://portal.example.dk", "vikarmodel.dk", agency_name="Jobbro Vikar")

    planned = plan_login_email(link, Addressee("Bo Hansen", "Bager Hansen ApS"), context)

    assert planned.language == "en"
    assert "You receive this mail from Jobbro Vikar because you asked for a login link.\n" in planned.body
    assert planned.html_body is not None
    assert '<html lang="en">' in planned.html_body
    assert "<title>Your login link for Vikarmodellen: Bager Hansen ApS</title>" in planned.html_body
    assert "Here is your link to log in and approve hours for Bager Hansen ApS:" in planned.html_body
    assert "The link works until 14:20 (Danish time) and can be used once." in planned.html_body
    assert "You receive this mail from Jobbro Vikar because you asked for a login link." in planned.html_body


def test_danish_html_part_escapes_names_and_the_filled_link() -> None:
    planned = plan_login_email(_link(), Addressee("Bo <b>", "Bager & Søn"), CONTEXT)

    assert planned.language == "da"
    assert planned.html_body is not None
    assert "Hej Bo &lt;b&gt;," in planned.html_body and "Bager &amp; Søn" in planned.html_body
    assert "Du får denne mail fra Vikarmodellen, fordi du har bedt om et login-link." in planned.html_body
    hostile = 'https://portal.example.dk/portal/login/x?a=1&b="><script>'
    filled = with_html_secret(planned.html_body, hostile)
    assert "<script>" not in filled
    assert '<a href="https://portal.example.dk/portal/login/x?a=1&amp;b=&quot;&gt;&lt;script&gt;">' in filled


def test_a_name_holding_the_placeholder_never_receives_the_link_in_the_html_part() -> None:
    html = render_html(_link(), Addressee(f"Eve {SECRET_PLACEHOLDER}", None))

    filled = with_html_secret(html, LINK)

    assert filled.count(LINK) == 2  # href and text of the one link
    assert f"Hej Eve {SECRET_PLACEHOLDER}," in filled
    with pytest.raises(ValueError, match="no place"):
        with_html_secret("<p>no link here</p>", LINK)
