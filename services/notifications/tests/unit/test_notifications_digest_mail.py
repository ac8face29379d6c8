"""Issue 14 (part A): the consultant digest mail in Danish and English, and its stable idempotency key."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from notifications.digest.mail import plan_digest_mail
from notifications.digest.models import (
    Digest,
    FollowUpLine,
    OpeningLine,
    PendingLine,
    QuietPlacement,
    digest_event_id,
)
from notifications.directory.models import StaffMember
from notifications.emails.models import EmailKind, MailContext

CONTEXT = MailContext(portal_base_url="https://portal.example.dk", message_id_domain="vikarmodel.dk")
DIGEST = Digest(
    consultant_id="anna",
    week="2026-W49",
    follow_ups=[FollowUpLine("Mette Jensen", "Bager Hansen", "follow_up_day_30", date(2026, 11, 25), True)],
    openings=[OpeningLine("Bager Hansen", "kitchen help", date(2026, 12, 1))],
    pending=[PendingLine("Ole Hansen", "2026-W45", 225, 12, datetime(2026, 11, 6, 9, tzinfo=UTC))],
    quiet=[QuietPlacement("Sara Lund", None)],
)


def _anna(language: str) -> StaffMember:
    return StaffMember(uuid.uuid4(), "anna", "Anna Konsulent", "anna@vikar.example", "consultant", True, language)


def test_the_danish_digest_lists_each_part_and_says_why() -> None:
    mail = plan_digest_mail(DIGEST, _anna("da"), digest_event_id("anna", "2026-W49"), CONTEXT)
    assert (mail.kind, mail.language, mail.recipient) == (EmailKind.CONSULTANT_DIGEST, "da", "anna@vikar.example")
    assert mail.subject == "Din uge hos Vikarmodellen: 2026-W49"
    assert mail.body.startswith("Hej Anna Konsulent,\n")
    assert "Mette Jensen hos Bager Hansen: opfølgning dag 30 senest onsdag 25. november 2026 (overskredet)" in mail.body
    assert "Bager Hansen: kitchen help (frist tirsdag 1. december 2026)" in mail.body
    assert "Ole Hansen, uge 2026-W45: 3:45 timer (225 minutter), 12 arbejdsdage" in mail.body
    assert "Sara Lund (ingen timer endnu)" in mail.body
    assert "fordi du er konsulent hos Vikarmodellen" in mail.body
    assert mail.html_body is not None and '<html lang="da">' in mail.html_body
    assert "<li>Sara Lund (ingen timer endnu)</li>" in mail.html_body


def test_the_english_digest_and_empty_parts() -> None:
    empty = Digest("anna", "2026-W49", [], [], [], [])
    mail = plan_digest_mail(empty, _anna("en"), digest_event_id("anna", "2026-W49"), CONTEXT)
    assert mail.subject == "Your week at Vikarmodellen: 2026-W49"
    assert mail.body.count("None.") == 4
    assert "because you are a consultant at Vikarmodellen" in mail.body


def test_the_event_id_is_stable_per_consultant_week_and_occasion() -> None:
    weekly = digest_event_id("anna", "2026-W49")
    assert weekly == digest_event_id("anna", "2026-W49", "weekly")
    assert weekly != digest_event_id("bo", "2026-W49") != digest_event_id("anna", "2026-W50")
    assert weekly != digest_event_id("anna", "2026-W49", "2026-12-02")
    first = plan_digest_mail(DIGEST, _anna("da"), weekly, CONTEXT)
    again = plan_digest_mail(DIGEST, _anna("da"), weekly, CONTEXT)
    assert first.message_id == again.message_id


def test_the_digest_is_signed_with_the_configured_agency_name() -> None:
    context = MailContext("https://portal.example.dk", "vikarmodel.dk", agency_name="Jobbro Vikar")
    mail = plan_digest_mail(DIGEST, _anna("en"), digest_event_id("anna", "2026-W49"), context)
    assert mail.subject == "Your week at Jobbro Vikar: 2026-W49"
    assert "because you are a consultant at Jobbro Vikar" in mail.body
    assert mail.html_body is not None and "consultant at Jobbro Vikar" in mail.html_body
