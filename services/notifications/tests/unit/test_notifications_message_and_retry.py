import uuid
from datetime import UTC, datetime

from notifications.emails.message import build_message
from notifications.emails.models import OutgoingEmail, RetryPolicy


def test_message_carries_the_stored_message_id_subject_and_plain_utf8_body() -> None:
    email = OutgoingEmail(
        id=1,
        event_id=uuid.uuid4(),
        recipient="anne@example.dk",
        recipient_name="Anne Jensen",
        subject="Timer venter på godkendelse: Mette Hansen",
        body="Hej Anne,\n  I alt  4:30\n",
        message_id="<abc@vikarmodel.dk>",
        attempts=0,
    )
    message = build_message(email, "Vikarmodellen <noreply@vikarmodel.dk>", now=datetime(2026, 1, 12, tzinfo=UTC))
    assert message["Message-ID"] == "<abc@vikarmodel.dk>"
    assert message["To"] == "Anne Jensen <anne@example.dk>"
    assert message["Subject"] == "Timer venter på godkendelse: Mette Hansen"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == "Hej Anne,\n  I alt  4:30\n"


def test_retry_backoff_doubles_up_to_the_cap_and_gives_up_after_max_attempts() -> None:
    policy = RetryPolicy(max_attempts=4, base_seconds=30, max_seconds=100)
    assert [policy.delay_after(n) for n in (1, 2, 3, 4)] == [30, 60, 100, 100]
    assert not policy.gives_up_after(3)
    assert policy.gives_up_after(4)


def test_a_name_with_a_comma_and_non_ascii_letters_stays_one_mailbox_on_the_wire() -> None:
    # A statement contact "Aalborg Kommune, Jobcenter økonomi": formataddr's string was folded on the wire into two
    # mailboxes ("Aalborg Kommune" without an address, and "Jobcenter økonomi <…>"), so mail clients showed no To.
    from email import message_from_bytes, policy

    email = OutgoingEmail(
        id=1,
        event_id=uuid.uuid4(),
        recipient="oekonomi@jobcenter-aalborg.example",
        recipient_name="Aalborg Kommune, Jobcenter økonomi",
        subject="Opgørelse S-2026-000001 fra Vikarmodellen",
        body="Hej\n",
        message_id="<abc@vikarmodel.dk>",
        attempts=0,
    )
    message = build_message(email, "Vikarmodellen <noreply@vikarmodel.dk>", now=datetime(2026, 1, 12, tzinfo=UTC))
    received = message_from_bytes(message.as_bytes(policy=policy.SMTP), policy=policy.default)
    [mailbox] = received["To"].addresses
    assert (mailbox.display_name, mailbox.addr_spec) == (
        "Aalborg Kommune, Jobcenter økonomi",
        "oekonomi@jobcenter-aalborg.example",
    )
