"""SMTP delivery, and the one error type the sender needs to decide between retry and give up."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Protocol

import aiosmtplib
from pydantic import SecretStr


class MailDeliveryError(Exception):
    """The message was not accepted. ``permanent``: trying again cannot help (5xx, unusable address).
    ``address_refused``: the recipient's address is at fault (the server refused it at RCPT, or it cannot be
    written for SMTP); only then is the address marked failing. A refused login (535), a message too large (552)
    or content refused (554) is permanent for the mail but says nothing about the address."""

    def __init__(self, reason: str, *, permanent: bool, address_refused: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.address_refused = address_refused


class Mailer(Protocol):
    async def send(self, message: EmailMessage, recipient: str) -> None: ...


def _is_permanent(exc: aiosmtplib.SMTPException) -> bool:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(500 <= r.code < 600 for r in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return 500 <= exc.code < 600
    return False


@dataclass(frozen=True)
class SmtpMailer:
    host: str
    port: int
    sender: str
    timeout_seconds: float
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = False

    async def send(self, message: EmailMessage, recipient: str) -> None:
        envelope_from = parseaddr(self.sender)[1] or self.sender
        try:
            await aiosmtplib.send(
                message,
                sender=envelope_from,
                recipients=[recipient],
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password.get_secret_value() if self.password else None,
                start_tls=self.starttls,
                timeout=self.timeout_seconds,
            )
        except aiosmtplib.SMTPException as exc:
            permanent = _is_permanent(exc)
            refused = permanent and isinstance(exc, aiosmtplib.SMTPRecipientsRefused)
            raise MailDeliveryError(
                f"{type(exc).__name__}: {exc}", permanent=permanent, address_refused=refused
            ) from exc
        except (OSError, TimeoutError) as exc:
            raise MailDeliveryError(f"{type(exc).__name__}: {exc}", permanent=False) from exc
        except UnicodeEncodeError as exc:  # an address plain SMTP cannot carry: no retry can help
            raise MailDeliveryError(
                f"address not sendable without SMTPUTF8: {exc}", permanent=True, address_refused=True
            ) from exc
