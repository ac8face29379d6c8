"""Turns an outbox row into the RFC 5322 message that goes over SMTP."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from notifications.emails.models import OutgoingEmail


def build_message(email: OutgoingEmail, sender: str, *, now: datetime) -> EmailMessage:
    """``now`` (aware, the app's clock) becomes the Date header. Raises ValueError for content no header
    can carry (e.g. a malformed address)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((email.recipient_name, email.recipient))
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(now)
    # Tells mail servers and out-of-office responders not to answer a machine.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Vikar-Event-Id"] = str(email.event_id)
    message["Content-Language"] = email.language
    message.set_content(email.body, charset="utf-8")
    if email.html_body is not None:
        message.add_alternative(email.html_body, subtype="html", charset="utf-8")
    return message
