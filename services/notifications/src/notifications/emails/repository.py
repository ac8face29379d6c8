"""All SQL of the mail outbox."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from notifications.emails.models import (
    AddressFailure,
    AttachmentRef,
    EmailKind,
    EmailRecord,
    EmailStatus,
    OutgoingEmail,
    PlannedEmail,
    SealedSecret,
)
from vikar_shared.sealing import Sealed

_RECORD_COLUMNS = """id, kind, event_id, recipient, recipient_name, subject, body, message_id, status, attempts,
                     last_error, next_attempt_at, created_at, sent_at, language, attachments"""


async def insert_planned(conn: asyncpg.Connection, emails: Sequence[PlannedEmail]) -> int:
    """Adds e-mails to the outbox; one that exists for (event, recipient) is left alone. Returns how many are new."""
    if not emails:
        return 0
    status = await conn.execute(
        """insert into outgoing_emails (kind, event_id, recipient, recipient_name, subject, body, message_id,
                                        sealed_secret, secret_context, secret_expires_at, html_body, language,
                                        attachments)
           select k, e, r, n, s, b, m, sealed::jsonb, c, x, h, l, a::jsonb
           from unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                       $8::text[], $9::text[], $10::timestamptz[], $11::text[], $12::text[], $13::text[])
                as t(k, e, r, n, s, b, m, sealed, c, x, h, l, a)
           on conflict (event_id, recipient) do nothing""",
        [e.kind.value for e in emails],
        [e.event_id for e in emails],
        [e.recipient for e in emails],
        [e.recipient_name for e in emails],
        [e.subject for e in emails],
        [e.body for e in emails],
        [e.message_id for e in emails],
        [e.secret.sealed.model_dump_json() if e.secret else None for e in emails],
        [e.secret.context if e.secret else None for e in emails],
        [e.secret.expires_at if e.secret else None for e in emails],
        [e.html_body for e in emails],
        [e.language for e in emails],
        [json.dumps([a.as_json() for a in e.attachments]) for e in emails],
    )
    return int(status.rsplit(" ", 1)[-1])


async def claim_next_due(conn: asyncpg.Connection, now: datetime) -> OutgoingEmail | None:
    """Locks the oldest due pending e-mail; SKIP LOCKED lets several sender replicas work side by side.
    A sealed secret counts as expired at ``now`` (the app's clock, which set its expiry); retries are due
    by the database's time (``next_attempt_at`` is set from it too)."""
    row = await conn.fetchrow(
        """select id, event_id, recipient, recipient_name, subject, body, message_id, attempts,
                  sealed_secret, secret_context, secret_expires_at, secret_expires_at <= $1 as secret_expired,
                  html_body, language, attachments
           from outgoing_emails
           where status = 'pending' and next_attempt_at <= now()
           order by next_attempt_at, id
           limit 1
           for update skip locked""",
        now,
    )
    if row is None:
        return None
    return OutgoingEmail(
        id=row["id"],
        event_id=row["event_id"],
        recipient=row["recipient"],
        recipient_name=row["recipient_name"],
        subject=row["subject"],
        body=row["body"],
        message_id=row["message_id"],
        attempts=row["attempts"],
        secret=(
            None
            if row["sealed_secret"] is None
            else SealedSecret(
                sealed=Sealed.model_validate(row["sealed_secret"]),
                context=row["secret_context"],
                expires_at=row["secret_expires_at"],
            )
        ),
        secret_expired=bool(row["secret_expired"]),
        html_body=row["html_body"],
        language=row["language"],
        attachments=tuple(AttachmentRef(**a) for a in _json(row["attachments"])),
    )


def _json(value: object) -> list[dict[str, str]]:
    loaded = json.loads(value) if isinstance(value, str) else value
    assert isinstance(loaded, list)
    return [dict(a) for a in loaded]


async def mark_sent(conn: asyncpg.Connection, email_id: int, attempts: int) -> None:
    # The body never held the secret (only its placeholder); the sealed copy has served and goes now.
    await conn.execute(
        """update outgoing_emails set status = 'sent', sent_at = now(), attempts = $2, last_error = null,
                  sealed_secret = null, secret_context = null
           where id = $1""",
        email_id,
        attempts,
    )


async def purge_expired_secrets(conn: asyncpg.Connection, now: datetime) -> int:
    """Fails every pending e-mail whose sealed secret expired before it could be sent, deleting the sealed
    copy (a late link could only disappoint); returns how many."""
    status = await conn.execute(
        """update outgoing_emails
           set status = 'failed', sealed_secret = null, secret_context = null,
               last_error = 'the link expired before the e-mail could be sent'
           where sealed_secret is not null and secret_expires_at <= $1""",
        now,
    )
    return int(status.rsplit(" ", 1)[-1])


async def record_failure(
    conn: asyncpg.Connection,
    email_id: int,
    *,
    attempts: int,
    error: str,
    status: EmailStatus,
    retry_in_seconds: float,
) -> None:
    # Given up: a sealed secret in the row has no use left and is deleted with the attempt.
    await conn.execute(
        """update outgoing_emails
           set attempts = $2, last_error = $3, status = $4, next_attempt_at = now() + make_interval(secs => $5),
               sealed_secret = case when $4 = 'failed' then null else sealed_secret end,
               secret_context = case when $4 = 'failed' then null else secret_context end
           where id = $1""",
        email_id,
        attempts,
        error,
        status.value,
        retry_in_seconds,
    )


def _record(row: asyncpg.Record) -> EmailRecord:
    return EmailRecord(
        id=row["id"],
        kind=row["kind"],
        event_id=row["event_id"],
        recipient=row["recipient"],
        recipient_name=row["recipient_name"],
        subject=row["subject"],
        body=row["body"],
        message_id=row["message_id"],
        status=EmailStatus(row["status"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        next_attempt_at=row["next_attempt_at"],
        created_at=row["created_at"],
        sent_at=row["sent_at"],
        language=row["language"],
        attachments=tuple(a["filename"] for a in _json(row["attachments"])),
    )


async def list_emails(
    conn: asyncpg.Connection,
    status: EmailStatus | None,
    limit: int,
    *,
    recipient: str | None = None,
    event_id: uuid.UUID | None = None,
    kinds: Sequence[EmailKind] | None = None,
) -> list[EmailRecord]:
    rows = await conn.fetch(
        f"""select {_RECORD_COLUMNS} from outgoing_emails
            where ($1::text is null or status = $1::text)
              and ($3::text is null or recipient = $3::text)
              and ($4::uuid is null or event_id = $4::uuid)
              and ($5::text[] is null or kind = any($5::text[]))
            order by id desc limit $2""",
        status.value if status is not None else None,
        limit,
        recipient,
        event_id,
        None if kinds is None else [k.value for k in kinds],
    )
    return [_record(r) for r in rows]


async def cancel_pending(conn: asyncpg.Connection, event_ids: Sequence[uuid.UUID], reason: str) -> int:
    if not event_ids:
        return 0
    status = await conn.execute(
        """update outgoing_emails set status = 'cancelled', last_error = $2
           where event_id = any($1::uuid[]) and status = 'pending'""",
        list(event_ids),
        reason,
    )
    return int(status.rsplit(" ", 1)[-1])


async def mark_address_failing(conn: asyncpg.Connection, address: str, error: str, email_id: int) -> None:
    await conn.execute(
        """insert into email_address_failures (address, last_error, last_email_id) values ($1, $2, $3)
           on conflict (address) do update
           set last_error = excluded.last_error, failed_at = now(), last_email_id = excluded.last_email_id,
               failures = email_address_failures.failures + 1""",
        address,
        error,
        email_id,
    )


async def clear_address_failure(conn: asyncpg.Connection, address: str) -> None:
    await conn.execute("delete from email_address_failures where address = $1", address)


async def failing_addresses(conn: asyncpg.Connection, limit: int) -> list[AddressFailure]:
    rows = await conn.fetch(
        """select address, last_error, failed_at, failures, last_email_id from email_address_failures
           order by failed_at desc, address limit $1""",
        limit,
    )
    return [
        AddressFailure(
            address=r["address"],
            last_error=r["last_error"],
            failed_at=r["failed_at"],
            failures=r["failures"],
            last_email_id=r["last_email_id"],
        )
        for r in rows
    ]


async def get_email(conn: asyncpg.Connection, email_id: int) -> EmailRecord | None:
    row = await conn.fetchrow(f"select {_RECORD_COLUMNS} from outgoing_emails where id = $1", email_id)
    return None if row is None else _record(row)
