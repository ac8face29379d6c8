"""Use cases of the mail outbox: deliver the next due e-mail, and let admins look at what was sent."""

from __future__ import annotations

import logging

import asyncpg

from notifications.emails import repository
from notifications.emails.mailer import MailDeliveryError, Mailer
from notifications.emails.message import build_message
from notifications.emails.models import EmailRecord, EmailStatus, RetryPolicy
from vikar_shared.errors import not_found

log = logging.getLogger(__name__)


async def deliver_next(conn: asyncpg.Connection, mailer: Mailer, sender: str, policy: RetryPolicy) -> bool:
    """Claims one due e-mail, sends it and records the outcome on ``conn``; False when none was due.

    The row stays locked while SMTP runs and is marked sent in the same transaction, so a second
    sender never picks it up. Only a crash after the SMTP server accepted and before the commit
    sends it again (with the same Message-ID)."""
    email = await repository.claim_next_due(conn)
    if email is None:
        return False
    attempts = email.attempts + 1
    try:
        try:
            message = build_message(email, sender)
        except ValueError as exc:
            raise MailDeliveryError(f"message cannot be built: {exc}", permanent=True) from exc
        await mailer.send(message, email.recipient)
    except MailDeliveryError as exc:
        gives_up = exc.permanent or policy.gives_up_after(attempts)
        await repository.record_failure(
            conn,
            email.id,
            attempts=attempts,
            error=str(exc)[:2000],
            status=EmailStatus.FAILED if gives_up else EmailStatus.PENDING,
            retry_in_seconds=0.0 if gives_up else policy.delay_after(attempts),
        )
        log.warning(
            "e-mail not delivered",
            extra={"fields": {"email_id": email.id, "attempt": attempts, "gave_up": gives_up, "error": str(exc)}},
        )
        return True
    await repository.mark_sent(conn, email.id, attempts)
    log.info("e-mail sent", extra={"fields": {"email_id": email.id, "event_id": str(email.event_id)}})
    return True


async def list_emails(conn: asyncpg.Connection, status: EmailStatus | None, limit: int) -> list[EmailRecord]:
    return await repository.list_emails(conn, status, limit)


async def get_email(conn: asyncpg.Connection, email_id: int) -> EmailRecord:
    email = await repository.get_email(conn, email_id)
    if email is None:
        raise not_found("email")
    return email
