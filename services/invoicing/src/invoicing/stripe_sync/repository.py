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
    attempt: int,
    stripe_invoice_id: str | None,
    stripe_credit_note_id: str | None,
) -> bool:
    """``stripe_synced`` with the Stripe ids, if ``attempt`` is still the row's latest (a worker whose lease ran
    out and whose row another worker claimed since records nothing); True when recorded."""
    status = await conn.execute(
        """update stripe_syncs set state = 'stripe_synced', stripe_invoice_id = coalesce($3, stripe_invoice_id),
                  stripe_credit_note_id = coalesce($4, stripe_credit_note_id), last_error = null, synced_at = now(),
                  updated_at = now()
           where invoice_id = $1 and attempts = $2""",
        invoice_id,
        attempt,
        stripe_invoice_id,
        stripe_credit_note_id,
    )
    return bool(status == "UPDATE 1")


async def mark_failed(
    conn: asyncpg.Connection, invoice_id: UUID, *, attempt: int, error: str, delay: timedelta
) -> datetime | None:
    """``stripe_failed`` with the error, due again after ``delay``, if ``attempt`` is still the row's latest;
    answers when it is due again (None: not recorded, a later attempt holds the row)."""
    due: datetime | None = await conn.fetchval(
        """update stripe_syncs set state = 'stripe_failed', last_error = $3, due_at = now() + $4, updated_at = now()
           where invoice_id = $1 and attempts = $2 returning due_at""",
        invoice_id,
        attempt,
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


# One Stripe id per key, the first stored kept (a concurrent worker may have stored one): table, key, id column.
_KEPT = {
    "customer": ("stripe_customers", "company_id", "stripe_customer_id"),
    "tax_rate": ("stripe_tax_rates", "rate_key", "stripe_tax_rate_id"),
}


async def _stored_id(conn: asyncpg.Connection, kind: str, key: object) -> str | None:
    table, key_column, id_column = _KEPT[kind]
    found: str | None = await conn.fetchval(f"select {id_column} from {table} where {key_column} = $1", key)
    return found


async def _keep_id(conn: asyncpg.Connection, kind: str, key: object, stripe_id: str) -> str:
    table, key_column, id_column = _KEPT[kind]
    stored: str = await conn.fetchval(
        f"""insert into {table} ({key_column}, {id_column}) values ($1, $2)
            on conflict ({key_column}) do update set {id_column} = {table}.{id_column}
            returning {id_column}""",
        key,
        stripe_id,
    )
    return stored


async def customer_of(conn: asyncpg.Connection, company_id: UUID) -> str | None:
    """The company's Stripe customer id (``stripe_customers``), or None."""
    return await _stored_id(conn, "customer", company_id)


async def store_customer(conn: asyncpg.Connection, company_id: UUID, stripe_customer_id: str) -> str:
    """Stores the company's Stripe customer unless one is stored (a concurrent worker); answers the stored one."""
    return await _keep_id(conn, "customer", company_id, stripe_customer_id)


async def tax_rate(conn: asyncpg.Connection, rate_key: str) -> str | None:
    """The Stripe tax rate created under ``rate_key`` (``stripe_tax_rates``), or None."""
    return await _stored_id(conn, "tax_rate", rate_key)


async def store_tax_rate(conn: asyncpg.Connection, rate_key: str, stripe_tax_rate_id: str) -> str:
    """Stores the tax rate created under ``rate_key`` unless one is stored; answers the stored one."""
    return await _keep_id(conn, "tax_rate", rate_key, stripe_tax_rate_id)
