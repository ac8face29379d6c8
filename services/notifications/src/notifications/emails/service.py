"""Use cases of the mail outbox: deliver the next due e-mail, and let admins look at what was sent."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

import asyncpg

from notifications.emails import repository
from notifications.emails.mailer import MailDeliveryError, Mailer
from notifications.emails.message import build_message
from notifications.emails.models import (
    EmailRecord,
    EmailStatus,
    OutgoingEmail,
    PlannedEmail,
    RetryPolicy,
    with_secret,
)
from vikar_shared.clock import SYSTEM_CLOCK, Clock
from vikar_shared.errors import not_found
from vikar_shared.metrics import counter
from vikar_shared.sealing import SealError, SealingKeys
from vikar_shared.types.text import email_key

log = logging.getLogger(__name__)

MAILS = counter(
    "vikar_mails_total",
    "E-mails by outcome: sent (accepted by SMTP), retry (an attempt failed, tried again later), failed (given up).",
    ["outcome"],
)


def _opened(email: OutgoingEmail, keys: SealingKeys | None) -> OutgoingEmail:
    """The e-mail with its sealed secret opened into the body, in memory only (never stored, never logged).
    Raises MailDeliveryError (permanent) when the secret expired or cannot be opened here."""
    if email.secret is None:
        return email
    if email.secret_expired:
        raise MailDeliveryError("the link expired before the e-mail could be sent", permanent=True)
    if keys is None:
        raise MailDeliveryError("no sealing keys are configured to open the link", permanent=True)
    try:
        secret = keys.open(email.secret.sealed, context=email.secret.context)
    except SealError as exc:  # names the key id at most
        raise MailDeliveryError(f"the sealed link cannot be opened: {exc}", permanent=True) from None
    return replace(email, body=with_secret(email.body, secret))


async def deliver_next(
    conn: asyncpg.Connection,
    mailer: Mailer,
    sender: str,
    policy: RetryPolicy,
    keys: SealingKeys | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> bool:
    """Claims one due e-mail, sends it and records the outcome on ``conn``; False when none was due.

    The row stays locked while SMTP runs and is marked sent in the same transaction, so a second
    sender never picks it up. Only a crash after the SMTP server accepted and before the commit
    sends it again (with the same Message-ID).

    An e-mail with a sealed secret (a login link) is opened with ``keys`` just to build the message; one
    whose secret expired, or that ``keys`` cannot open, fails at once. Once sent or failed for good, the
    row's sealed copy is deleted. ``clock`` (the app's) dates the message and decides whether a sealed
    secret expired."""
    email = await repository.claim_next_due(conn, clock.now())
    if email is None:
        return False
    attempts = email.attempts + 1
    try:
        email = _deliverable(email)
        try:
            message = build_message(_opened(email, keys), sender, now=clock.now())
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
        MAILS.labels(outcome="failed" if gives_up else "retry").inc()
        log.warning(
            "e-mail not delivered",
            extra={"fields": {"email_id": email.id, "attempt": attempts, "gave_up": gives_up, "error": str(exc)}},
        )
        return True
    await repository.mark_sent(conn, email.id, attempts)
    MAILS.labels(outcome="sent").inc()
    log.info("e-mail sent", extra={"fields": {"email_id": email.id, "event_id": str(email.event_id)}})
    return True


def _deliverable(email: OutgoingEmail) -> OutgoingEmail:
    """The e-mail addressed in the one ASCII form (``vikar_shared.types.text.email_key``), which plain SMTP
    (no SMTPUTF8) carries: an address stored before that rule in full-width letters is sent to its ASCII
    twin; one that has no ASCII form (``æøå@example.com``) fails for good, saying why. Raises
    ``MailDeliveryError`` (permanent)."""
    recipient = email_key(email.recipient)
    if not recipient.isascii():
        raise MailDeliveryError(
            f"the address {email.recipient!r} has no ASCII form; it cannot be sent without SMTPUTF8", permanent=True
        )
    return email if recipient == email.recipient else replace(email, recipient=recipient)


async def purge_expired_secrets(conn: asyncpg.Connection, *, clock: Clock = SYSTEM_CLOCK) -> int:
    """Fails pending e-mails whose sealed link expired by ``clock`` (e.g. waiting for a retry), deleting the
    sealed copy."""
    purged = await repository.purge_expired_secrets(conn, clock.now())
    if purged:
        log.warning("e-mails with an expired link given up", extra={"fields": {"count": purged}})
    return purged


async def enqueue(conn: asyncpg.Connection, emails: Sequence[PlannedEmail]) -> int:
    """Adds the planned e-mails to the outbox; one that exists for (event, recipient) is left alone.
    Returns how many are new."""
    return await repository.insert_planned(conn, emails)


async def list_emails(conn: asyncpg.Connection, status: EmailStatus | None, limit: int) -> list[EmailRecord]:
    return await repository.list_emails(conn, status, limit)


async def get_email(conn: asyncpg.Connection, email_id: int) -> EmailRecord:
    email = await repository.get_email(conn, email_id)
    if email is None:
        raise not_found("email")
    return email
