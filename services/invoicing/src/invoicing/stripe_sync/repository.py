"""SQL of the Stripe sync: the only writer of ``stripe_syncs`` after the issuing transaction's trigger queued a
row (migration ``20261202_10_payments_and_stripe.sql``), of ``stripe_customers`` and of ``stripe_tax_rates``
(``20261202_20_stripe_sync.sql``). Every function runs in the caller's transaction; none calls Stripe."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from invoicing.stripe_sync.models import SyncState


@dataclass(frozen=True, slots=True)
class SyncRow:
    """One ``stripe_syncs`` row: a document on its way to Stripe (``document_type`` invoice | credit_note)."""

    invoice_id: UUID
    document_type: str
    state: SyncState
    stripe_invoice_id: str | None
    stripe_credit_note_id: str | None
    attempts: int
    last_error: str | None
    due_at: datetime
    synced_at: datetime | None


_COLUMNS = """invoice_id, document_type, state, stripe_invoice_id, stripe_credit_note_id, attempts, last_error,
              due_at, synced_at"""


def _row(record: asyncpg.Record) -> SyncRow:
    values = dict(record)
    values["state"] = SyncState(values["state"])
    return SyncRow(**values)


async def claim_due(conn: asyncpg.Connection) -> SyncRow | None:
    """The document due longest (not synced, ``due_at <= now()``: the database's time, like the trigger that
    queued it), locked for this transaction; other workers skip it (``for update skip locked``)."""
    record = await conn.fetchrow(
        f"""select {_COLUMNS} from stripe_syncs where state <> 'stripe_synced' and due_at <= now()
            order by due_at, invoice_id limit 1 for update skip locked"""
    )
    return None if record is None else _row(record)


async def get(conn: asyncpg.Connection, invoice_id: UUID) -> SyncRow | None:
    record = await conn.fetchrow(f"select {_COLUMNS} from stripe_syncs where invoice_id = $1", invoice_id)
    return None if record is None else _row(record)


async def mark_pending(conn: asyncpg.Connection, invoice_id: UUID, *, lease: timedelta) -> int:
    """``stripe_pending``, one attempt more, not due again before ``lease`` has passed (unless recorded first);
    answers the attempts counted now."""
    attempts: int = await conn.fetchval(
        """update stripe_syncs set state = 'stripe_pending', attempts = attempts + 1, due_at = now() + $2,
                  updated_at = now()
           where invoice_id = $1 returning attempts""",
        invoice_id,
        lease,
    )
    return attempts


async def store_stripe_invoice(conn: asyncpg.Connection, invoice_id: UUID, stripe_invoice_id: str) -> None:
    """Remembers the Stripe invoice created for our invoice (before it is finalized), so no later attempt
    creates or searches it again."""
    await conn.execute(
        "update stripe_syncs set stripe_invoice_id = $2, updated_at = now() where invoice_id = $1",
        invoice_id,
        stripe_invoice_id,
    )


async def mark_synced(
    conn: asyncpg.Connection,
    invoice_id: UUID,
    *,
    stripe_invoice_id: str | None,
    stripe_credit_note_id: str | None,
) -> None:
    await conn.execute(
        """update stripe_syncs set state = 'stripe_synced', stripe_invoice_id = coalesce($2, stripe_invoice_id),
                  stripe_credit_note_id = coalesce($3, stripe_credit_note_id), last_error = null, synced_at = now(),
                  updated_at = now()
           where invoice_id = $1""",
        invoice_id,
        stripe_invoice_id,
        stripe_credit_note_id,
    )


async def mark_failed(conn: asyncpg.Connection, invoice_id: UUID, *, error: str, delay: timedelta) -> datetime:
    """``stripe_failed`` with the error, due again after ``delay``; answers when."""
    due: datetime = await conn.fetchval(
        """update stripe_syncs set state = 'stripe_failed', last_error = $2, due_at = now() + $3, updated_at = now()
           where invoice_id = $1 returning due_at""",
        invoice_id,
        error,
        delay,
    )
    return due


async def wait(conn: asyncpg.Connection, invoice_id: UUID, *, reason: str, delay: timedelta) -> None:
    """Back to ``issued``, due again at ``due_at``, with the reason (a credit note whose invoice is not on
    Stripe yet): not a failure, no attempt counted."""
    await conn.execute(
        """update stripe_syncs set state = 'issued', last_error = $2, due_at = now() + $3, updated_at = now()
           where invoice_id = $1""",
        invoice_id,
        reason,
        delay,
    )


async def customer_of(conn: asyncpg.Connection, company_id: UUID) -> str | None:
    found: str | None = await conn.fetchval(
        "select stripe_customer_id from stripe_customers where company_id = $1", company_id
    )
    return found


async def store_customer(conn: asyncpg.Connection, company_id: UUID, stripe_customer_id: str) -> str:
    """Stores the company's Stripe customer unless one is stored (a concurrent worker); answers the stored one."""
    stored: str = await conn.fetchval(
        """insert into stripe_customers (company_id, stripe_customer_id) values ($1, $2)
           on conflict (company_id) do update set stripe_customer_id = stripe_customers.stripe_customer_id
           returning stripe_customer_id""",
        company_id,
        stripe_customer_id,
    )
    return stored


async def tax_rate(conn: asyncpg.Connection, rate_key: str) -> str | None:
    found: str | None = await conn.fetchval(
        "select stripe_tax_rate_id from stripe_tax_rates where rate_key = $1", rate_key
    )
    return found


async def store_tax_rate(conn: asyncpg.Connection, rate_key: str, stripe_tax_rate_id: str) -> str:
    """Stores the tax rate created under ``rate_key`` unless one is stored; answers the stored one."""
    stored: str = await conn.fetchval(
        """insert into stripe_tax_rates (rate_key, stripe_tax_rate_id) values ($1, $2)
           on conflict (rate_key) do update set stripe_tax_rate_id = stripe_tax_rates.stripe_tax_rate_id
           returning stripe_tax_rate_id""",
        rate_key,
        stripe_tax_rate_id,
    )
    return stored
