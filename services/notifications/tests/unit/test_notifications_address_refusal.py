"""Only a refusal of the recipient's address marks the address failing (issue 14 review): an SMTP 5xx for the
login, the message size or its content fails the mail for good but says nothing about the address."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import aiosmtplib
import pytest

from notifications.emails.mailer import MailDeliveryError, SmtpMailer

MAILER = SmtpMailer(host="127.0.0.1", port=1, sender="Vikarmodellen <noreply@vikarmodel.dk>", timeout_seconds=1)


async def _refused_with(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> MailDeliveryError:
    async def send(*args: Any, **kwargs: Any) -> None:
        raise error

    monkeypatch.setattr(aiosmtplib, "send", send)
    with pytest.raises(MailDeliveryError) as raised:
        await MAILER.send(EmailMessage(), "bogholderi@bager.example")
    return raised.value


@pytest.mark.parametrize(
    ("error", "permanent", "address_refused"),
    [
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(550, "5.1.1 no such mailbox", "bogholderi@bager.example")]
            ),
            True,
            True,
        ),
        (
            aiosmtplib.SMTPRecipientsRefused(
                [aiosmtplib.SMTPRecipientRefused(450, "4.2.1 try later", "bogholderi@bager.example")]
            ),
            False,
            False,
        ),
        (aiosmtplib.SMTPAuthenticationError(535, "5.7.8 bad credentials"), True, False),
        (aiosmtplib.SMTPDataError(552, "5.3.4 message too big"), True, False),
        (aiosmtplib.SMTPDataError(554, "5.7.1 content refused"), True, False),
        (aiosmtplib.SMTPServerDisconnected("gone"), False, False),
        (UnicodeEncodeError("ascii", "æ", 0, 1, "not ascii"), True, True),
    ],
)
async def test_only_a_refused_recipient_is_the_address_s_fault(
    monkeypatch: pytest.MonkeyPatch, error: BaseException, permanent: bool, address_refused: bool
) -> None:
    refused = await _refused_with(monkeypatch, error)
    assert (refused.permanent, refused.address_refused) == (permanent, address_refused)
