"""SQL of the Stripe webhooks: the only writer of ``stripe_webhook_events`` (the inbox) and
``stripe_voided_invoices`` (migration ``20261202_30_stripe_webhooks.sql``). Reads ``invoices`` (the ledger's)
and ``stripe_syncs`` (the Stripe sync's) with selects only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from invoicing.stripe_webhooks.models import Handled, InboxState, Outcome, WebhookEvent


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One stored event as the job and finance see it (the payload only where the job needs it)."""

    event_id: str
    event_type: str
    stripe_object_id: str | None
    stripe_created_at: datetime
    received_at: datetime
    state: InboxState
    outcome: str | None
    invoice_id: UUID | None
    invoice_number: str | None
    attempts: int
    last_error: str | None
    processed_at: datetime | None


@dataclass(frozen=True, slots=True)
class OurInvoice:
    """An issued invoice of ours, as the webhook job needs it."""

    invoice_id: UUID
    company_id: UUID
    number: str


async def insert_event(conn: asyncpg.Connection, event: WebhookEvent, payload: dict[str, Any]) -> bool:
    """Stores the event in the inbox; False when an event with its id is there already (stored nothing)."""
    stored = await conn.fetchval(
        """insert into stripe_webhook_events (event_id, event_type, stripe_object_id, stripe_created_at, livemode,
                                              payload)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (event_id) do nothing
           returning true""",
        event.event_id,
        event.event_type,
        event.object_id,
        event.created,
        event.livemode,
        payload,
    )
    return bool(stored)


async def claim_due(conn: asyncpg.Connection) -> tuple[str, dict[str, Any], int] | None:
    """The oldest due ``received`` row (event id, payload, attempts so far), locked for this transaction
    (``for update skip locked``: several workers share the inbox, none takes a row another holds). Due is
    the database's time, as the retry delays are."""
    row = await conn.fetchrow(
        """select event_id, payload, attempts from stripe_webhook_events
           where state = 'received' and due_at <= now()
           order by due_at, received_at, event_id limit 1
           for update skip locked"""
    )
    if row is None:
        return None
    return row["event_id"], row["payload"], row["attempts"]


async def finish(conn: asyncpg.Connection, event_id: str, handled: Handled) -> None:
    """The row's new state; ``processed_at`` is the database's time, like ``received_at``."""
    await conn.execute(
        """update stripe_webhook_events set state = $2, outcome = $3, invoice_id = $4, processed_at = now()
           where event_id = $1""",
        event_id,
        handled.state.value,
        handled.outcome.value,
        handled.invoice_id,
    )


async def retry_later(conn: asyncpg.Connection, event_id: str, error: str, delay: timedelta) -> None:
    """One more failed attempt: tried again after ``delay``; ``error``: the error's class, nothing else."""
    await conn.execute(
        """update stripe_webhook_events set attempts = attempts + 1, last_error = $2, due_at = now() + $3
           where event_id = $1 and state = 'received'""",
        event_id,
        error,
        delay,
    )


async def flag_failed(conn: asyncpg.Connection, event_id: str, error: str) -> None:
    """A failure no retry cures: flagged for finance with ``outcome`` error and the error's class."""
    await conn.execute(
        """update stripe_webhook_events set attempts = attempts + 1, last_error = $2, state = 'flagged',
                  outcome = $3, processed_at = now()
           where event_id = $1 and state = 'received'""",
        event_id,
        error,
        Outcome.ERROR.value,
    )


async def attempts(conn: asyncpg.Connection, event_id: str) -> int:
    found: int | None = await conn.fetchval("select attempts from stripe_webhook_events where event_id = $1", event_id)
    return found or 0


async def list_events(conn: asyncpg.Connection, *, flagged: bool | None, limit: int, offset: int) -> list[InboxRow]:
    """Inbox rows, newest first: the flagged ones (``flagged`` true), the others (false), or all (None)."""
    rows = await conn.fetch(
        """select e.event_id, e.event_type, e.stripe_object_id, e.stripe_created_at, e.received_at, e.state,
                  e.outcome, e.invoice_id, i.number as invoice_number, e.attempts, e.last_error, e.processed_at
           from stripe_webhook_events e left join invoices i on i.invoice_id = e.invoice_id
           where $1::boolean is null or (e.state = 'flagged') = $1
           order by e.received_at desc, e.event_id limit $2 offset $3""",
        flagged,
        limit,
        offset,
    )
    return [InboxRow(**{**dict(r), "state": InboxState(r["state"])}) for r in rows]


# --- our invoices -------------------------------------------------------------------------------------------


async def issued_invoice(conn: asyncpg.Connection, invoice_id: UUID) -> OurInvoice | None:
    """The issued invoice (not a credit note, not a draft) with that id."""
    row = await conn.fetchrow(
        """select invoice_id, company_id, number from invoices
           where invoice_id = $1 and status = 'issued' and document_type = 'invoice'""",
        invoice_id,
    )
    return None if row is None else OurInvoice(**dict(row))


async def invoice_of_stripe_invoice(conn: asyncpg.Connection, stripe_invoice_id: str) -> OurInvoice | None:
    """Our issued invoice the Stripe sync carried to Stripe as ``stripe_invoice_id`` (``stripe_syncs``)."""
    row = await conn.fetchrow(
        """select i.invoice_id, i.company_id, i.number from stripe_syncs s join invoices i using (invoice_id)
           where s.stripe_invoice_id = $1 and i.status = 'issued' and i.document_type = 'invoice'
           order by i.issued_at limit 1""",
        stripe_invoice_id,
    )
    return None if row is None else OurInvoice(**dict(row))


async def stripe_invoice_id_of(conn: asyncpg.Connection, invoice_id: UUID) -> str | None:
    """The Stripe invoice id the Stripe sync stored for our invoice (``stripe_syncs``), None while none is."""
    found: str | None = await conn.fetchval(
        "select stripe_invoice_id from stripe_syncs where invoice_id = $1", invoice_id
    )
    return found


async def is_our_credit_note(conn: asyncpg.Connection, credit_note_id: UUID, invoice_id: UUID) -> bool:
    """True when ``credit_note_id`` is an issued credit note of ours crediting ``invoice_id``."""
    found = await conn.fetchval(
        """select true from invoices where invoice_id = $1 and status = 'issued'
           and document_type = 'credit_note' and credits_invoice_id = $2""",
        credit_note_id,
        invoice_id,
    )
    return bool(found)


# --- voided invoices ----------------------------------------------------------------------------------------


async def claim_void(conn: asyncpg.Connection, invoice_id: UUID, reason: str, event_id: str) -> bool:
    """Marks the invoice voided by this event; False when a void was booked for it before (or is being
    booked by a concurrent transaction, which this one then waits for). Nothing credited yet: the caller
    books the credit note and :func:`set_void_credit`."""
    claimed = await conn.fetchval(
        """insert into stripe_voided_invoices (invoice_id, reason, credited_ore, event_id) values ($1, $2, 0, $3)
           on conflict (invoice_id) do nothing returning true""",
        invoice_id,
        reason,
        event_id,
    )
    return bool(claimed)


async def set_void_credit(conn: asyncpg.Connection, invoice_id: UUID, credit_note_id: UUID, credited_ore: int) -> None:
    await conn.execute(
        "update stripe_voided_invoices set credit_note_id = $2, credited_ore = $3 where invoice_id = $1",
        invoice_id,
        credit_note_id,
        credited_ore,
    )


async def books_a_stripe_void(conn: asyncpg.Connection, credit_note_id: UUID) -> bool:
    """True when ``credit_note_id`` is the credit note booked for an invoice voided in Stripe."""
    return bool(
        await conn.fetchval("select true from stripe_voided_invoices where credit_note_id = $1", credit_note_id)
    )


async def stripe_view_of(conn: asyncpg.Connection, number: str) -> asyncpg.Record | None:
    """An issued invoice by its number, with what Stripe would know of it (its Stripe invoice id, if synced)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        """select i.invoice_id, i.number, i.total_ore, i.currency, s.stripe_invoice_id
           from invoices i left join stripe_syncs s on s.invoice_id = i.invoice_id
           where i.number = $1 and i.status = 'issued' and i.document_type = 'invoice'""",
        number,
    )
    return row
