"""Turns an outbox row into the RFC 5322 message that goes over SMTP."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from notifications.emails.models import AttachmentRef, OutgoingEmail


def build_message(
    email: OutgoingEmail,
    sender: str,
    *,
    now: datetime,
    documents: Sequence[tuple[AttachmentRef, bytes]] = (),
) -> EmailMessage:
    """``now`` (aware, the app's clock) becomes the Date header; ``documents`` (the row's attachments, fetched
    just now) are attached with their file name and media type. Raises ValueError for content no header
    can carry (e.g. a malformed address)."""
    message = EmailMessage()
    message["From"] = sender
    # An Address object, not a formatted string: the header policy then quotes or encodes the name as a whole, so
    # a name with a comma and a non-ASCII letter ("Aalborg Kommune, Jobcenter økonomi") stays one mailbox on the
    # wire (formataddr's string was folded into two). An unusable address raises ValueError.
    message["To"] = Address(display_name=email.recipient_name, addr_spec=email.recipient)
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(now)
    # Tells mail servers and out-of-office responders not to answer a machine.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Vikar-Event-Id"] = str(email.event_id)
    message.set_content(email.body, charset="utf-8")
    if email.html_body is not None:
        message.add_alternative(email.html_body, subtype="html", charset="utf-8")
    for ref, content in documents:
        maintype, _, subtype = ref.media_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream", filename=ref.filename)
    # Last: set_content/add_attachment move or drop every Content-* header set before them.
    message["Content-Language"] = email.language
    return message
