"""Use cases of the mail outbox: deliver the next due e-mail, and let admins look at what was sent."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import replace

import asyncpg

from notifications.emails import repository
from notifications.emails.documents import DocumentFetcher
from notifications.emails.mailer import MailDeliveryError, Mailer
from notifications.emails.message import build_message
from notifications.emails.models import (
    AddressFailure,
    AttachmentRef,
    EmailKind,
    EmailRecord,
    EmailStatus,
    OutgoingEmail,
    PlannedEmail,
    RetryPolicy,
    normalise_address,
    with_html_secret,
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
    html_body = None if email.html_body is None else with_html_secret(email.html_body, secret)
    return replace(email, body=with_secret(email.body, secret), html_body=html_body)


async def deliver_next(
    conn: asyncpg.Connection,
    mailer: Mailer,
    sender: str,
    policy: RetryPolicy,
    keys: SealingKeys | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
    documents: DocumentFetcher | None = None,
) -> bool:
    """Claims one due e-mail, sends it and records the outcome on ``conn``; False when none was due.

    The row stays locked while SMTP runs and is marked sent in the same transaction, so a second
    sender never picks it up. Only a crash after the SMTP server accepted and before the commit
    sends it again (with the same Message-ID).

    An e-mail with a sealed secret (a login link) is opened with ``keys`` just to build the message; one
    whose secret expired, or that ``keys`` cannot open, fails at once. Once sent or failed for good, the
    row's sealed copy is deleted. ``clock`` (the app's) dates the message and decides whether a sealed
    secret expired.

    Attachments (issue 14) are fetched with ``documents`` just before sending, held in memory only: a fetch that
    may succeed later (5xx, timeout, the document still being rendered) is retried with the policy's backoff, a
    refused one (403, 404) fails the mail for good naming the attachment. A cancelled mail is never claimed. An
    address the SMTP server refuses for good at RCPT (5xx) or that cannot be addressed is marked failing (another
    permanent refusal, e.g. 535 login or 552 size, fails the mail only)
    (:func:`failing_addresses`); a later mail sent to it clears the mark."""
    email = await repository.claim_next_due(conn, clock.now())
    if email is None:
        return False
    attempts = email.attempts + 1
    try:
        email = _deliverable(email)
        fetched = await _fetch_all(email.attachments, documents)
        try:
            message = build_message(_opened(email, keys), sender, now=clock.now(), documents=fetched)
        except ValueError as exc:
            raise MailDeliveryError(f"message cannot be built: {exc}", permanent=True) from exc
        await mailer.send(message, email.recipient)
    except MailDeliveryError as exc:
        gives_up = exc.permanent or policy.gives_up_after(attempts)
        if exc.permanent and exc.address_refused:
            await repository.mark_address_failing(conn, email.recipient, str(exc)[:2000], email.id)
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
    await repository.clear_address_failure(conn, email.recipient)
    MAILS.labels(outcome="sent").inc()
    log.info("e-mail sent", extra={"fields": {"email_id": email.id, "event_id": str(email.event_id)}})
    return True


async def _fetch_all(
    refs: Sequence[AttachmentRef], documents: DocumentFetcher | None
) -> list[tuple[AttachmentRef, bytes]]:
    """Each attachment's document, fetched now (in memory only). Raises ``MailDeliveryError``."""
    if not refs:
        return []
    if documents is None:
        raise MailDeliveryError("the mail has attachments but no document fetcher is configured", permanent=True)
    return [(ref, await documents.fetch(ref)) for ref in refs]


def _deliverable(email: OutgoingEmail) -> OutgoingEmail:
    """The e-mail addressed in the one ASCII form (``vikar_shared.types.text.email_key``), which plain SMTP
    (no SMTPUTF8) carries: an address stored before that rule in full-width letters is sent to its ASCII
    twin; one that has no ASCII form (``æøå@example.com``) fails for good, saying why. Raises
    ``MailDeliveryError`` (permanent)."""
    recipient = email_key(email.recipient)
    if not recipient.isascii():
        raise MailDeliveryError(
            f"the address {email.recipient!r} has no ASCII form; it cannot be sent without SMTPUTF8",
            permanent=True,
            address_refused=True,
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


async def list_emails(
    conn: asyncpg.Connection,
    status: EmailStatus | None,
    limit: int,
    *,
    recipient: str | None = None,
    event_id: uuid.UUID | None = None,
    kinds: Sequence[EmailKind] | None = None,
) -> list[EmailRecord]:
    """The mail log, newest first: ``recipient`` (normalised), ``event_id`` (the triggering event) and ``kinds``
    (None: every kind) narrow it."""
    return await repository.list_emails(
        conn,
        status,
        limit,
        recipient=None if recipient is None else normalise_address(recipient),
        event_id=event_id,
        kinds=kinds,
    )


async def cancel_pending(conn: asyncpg.Connection, event_ids: Sequence[uuid.UUID], reason: str) -> int:
    """Withdraws the mails of ``event_ids`` not sent yet (status ``cancelled``, ``reason`` as their last error);
    one being sent right now is waited for and then left as it ended. Returns how many were cancelled."""
    return await repository.cancel_pending(conn, event_ids, reason)


async def failing_addresses(conn: asyncpg.Connection, limit: int) -> list[AddressFailure]:
    """Addresses whose last mail failed for good (SMTP 5xx, unusable), most recent first."""
    return await repository.failing_addresses(conn, limit)


async def get_email(conn: asyncpg.Connection, email_id: int) -> EmailRecord:
    email = await repository.get_email(conn, email_id)
    if email is None:
        raise not_found("email")
    return email
