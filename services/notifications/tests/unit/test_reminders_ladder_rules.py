"""The reminder ladder's pure parts (issue 14, part C): which steps an age reaches, the settings' rules, the
mail's listing by ISO week and citizen in Danish and English (text and HTML), and its stable event id."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from notifications.directory.models import Recipient
from notifications.emails.models import EmailKind, MailContext
from notifications.reminders.mail import Addressee, ListedHours, ladder_event_id, plan_ladder_mail
from notifications.reminders.models import Ladder, Step, steps_reached
from notifications.reminders.service import checked_ladder
from vikar_shared.errors import DomainError

CONTEXT = MailContext(portal_base_url="https://portal.example.dk/", message_id_domain="vikarmodel.dk")
SLOT = datetime(2026, 4, 14, 5, tzinfo=UTC)
HOURS = [
    ListedHours("Mette Hansen", date(2026, 3, 24), 135),
    ListedHours("Ali Nielsen", date(2026, 4, 7), 240),
    ListedHours("Mette Hansen", date(2026, 3, 23), 450),
    ListedHours("Mette Hansen", date(2026, 3, 30), -30),
]


def test_steps_reached_by_age() -> None:
    ladder = Ladder(3, 5, 8)
    assert steps_reached(ladder, 2) == []
    assert steps_reached(ladder, 3) == [Step.REMINDER]
    assert steps_reached(ladder, 7) == [Step.REMINDER, Step.FOLLOW_UP]
    assert steps_reached(ladder, 30) == [Step.REMINDER, Step.FOLLOW_UP, Step.ESCALATION]
    assert steps_reached(Ladder(3, 5, 8, 10), 10)[-1] is Step.DEEMED_APPROVAL
    assert Step.ESCALATION.rank > Step.FOLLOW_UP.rank > Step.REMINDER.rank


def test_checked_ladder_takes_the_default_deemed_days_and_keeps_off_off() -> None:
    args = {"reminder": 2, "follow_up": 4, "escalation": 6, "default_deemed_days": 10}
    assert checked_ladder(deemed_approval=True, deemed_approval_working_days=None, **args) == Ladder(2, 4, 6, 10)
    assert checked_ladder(deemed_approval=False, deemed_approval_working_days=9, **args) == Ladder(2, 4, 6, None)
    with pytest.raises(DomainError) as raised:
        checked_ladder(deemed_approval=False, deemed_approval_working_days=0, **args)
    assert [(v.field, v.rule) for v in raised.value.violations] == [
        ("deemed_approval_working_days", "working-days-out-of-range")
    ]


def test_the_escalation_mail_lists_by_week_and_citizen_in_danish() -> None:
    company = uuid.uuid4()
    mail = plan_ladder_mail(
        step=Step.ESCALATION,
        days=8,
        company_id=company,
        company_name="Bager\nTest ApS",
        slot=SLOT,
        addressee=Addressee(Recipient("anna@example.dk", "Anna K", "da"), "consultant"),
        hours=HOURS,
        agency="Vikarmodellen",
        context=CONTEXT,
    )
    assert mail.kind is EmailKind.APPROVAL_ESCALATION and mail.language == "da"
    assert mail.subject == "Eskalering: timer hos Bager Test ApS er ikke godkendt"
    assert mail.event_id == ladder_event_id(company, Step.ESCALATION, SLOT)
    assert mail.body == (
        "Hej Anna K,\n\n"
        "Timer hos Bager Test ApS har ventet 8 arbejdsdage eller mere på godkendelse, trods påmindelser. Borgeren "
        "får løn for timerne; hjælp venligst med at få dem godkendt.\n\n"
        "Uge 13 (2026)\n"
        "  Mette Hansen\n"
        "    mandag 23. marts 2026  7:30\n"
        "    tirsdag 24. marts 2026  2:15\n"
        "    I alt  9:45\n\n"
        "Uge 14 (2026)\n"
        "  Mette Hansen\n"
        "    mandag 30. marts 2026  -0:30\n"
        "    I alt  -0:30\n\n"
        "Uge 15 (2026)\n"
        "  Ali Nielsen\n"
        "    tirsdag 7. april 2026  4:00\n"
        "    I alt  4:00\n\n"
        "Venter i alt: 13:15\n\n\n"
        "Godkend eller afvis timerne her:\n\n"
        "https://portal.example.dk/portal/pending\n\n"
        "Du får denne mail fra Vikarmodellen, fordi du er konsulent for en borger i job hos Bager Test ApS.\n\n"
        "Med venlig hilsen\nVikarmodellen\n"
    )
    assert mail.html_body is not None and '<html lang="da">' in mail.html_body
    assert '<th colspan="2" style="text-align: left; padding-top: 0.4em;">Mette Hansen</th>' in mail.html_body


def test_english_reminder_and_an_escaped_html_part() -> None:
    mail = plan_ladder_mail(
        step=Step.REMINDER,
        days=3,
        company_id=uuid.uuid4(),
        company_name="<b>Bake</b> & Co",
        slot=SLOT,
        addressee=Addressee(Recipient("jane@example.dk", "Jane", "en"), "approver"),
        hours=HOURS[:1],
        agency="Vikarmodellen",
        context=CONTEXT,
    )
    assert mail.language == "en" and mail.subject == "Reminder: hours await approval at <b>Bake</b> & Co"
    assert "Pending in all: 2:15" in mail.body and "Week 13 (2026)" in mail.body
    assert "because you approve hours for <b>Bake</b> & Co." in mail.body
    assert mail.html_body is not None and "&lt;b&gt;Bake&lt;/b&gt; &amp; Co" in mail.html_body
    assert "<b>Bake</b>" not in mail.html_body


def test_the_event_id_depends_on_the_instant_not_its_zone() -> None:
    company = uuid.uuid4()
    same = SLOT.astimezone(timezone(timedelta(hours=2)))
    assert ladder_event_id(company, Step.REMINDER, same) == ladder_event_id(company, Step.REMINDER, SLOT)
    assert ladder_event_id(company, Step.REMINDER, SLOT) != ladder_event_id(company, Step.FOLLOW_UP, SLOT)
