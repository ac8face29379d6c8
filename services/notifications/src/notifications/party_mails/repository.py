"""All SQL of the parties' mails: events waiting for their recipients, payment reminders per invoice, paid invoices."""

from __future__ import annotations

import json
import uuid

import asyncpg

from notifications.party_mails.models import Waiting


async def lock_municipality(conn: asyncpg.Connection, municipality_id: uuid.UUID) -> None:
    """Serialises, per municipality, a statement arriving and the municipality's contacts arriving (the two
    consumers that can complete a waiting statement), as ``companies.reads.lock_company`` does per company."""
    await conn.execute(
        "select pg_advisory_xact_lock(hashtextextended('notifications.municipality:' || $1::uuid::text, 0))",
        municipality_id,
    )


async def insert_waiting(conn: asyncpg.Connection, waiting: Waiting) -> None:
    await conn.execute(
        """insert into party_mails_waiting (event_id, event_type, party, party_id, invoice_id, data)
           values ($1, $2, $3, $4, $5, $6::jsonb) on conflict (event_id) do nothing""",
        waiting.event_id,
        waiting.event_type,
        waiting.party,
        waiting.party_id,
        waiting.invoice_id,
        json.dumps(waiting.data),
    )


async def waiting_for(conn: asyncpg.Connection, party: str, party_id: uuid.UUID) -> list[Waiting]:
    rows = await conn.fetch(
        """select event_id, event_type, party, party_id, invoice_id, data from party_mails_waiting
           where party = $1 and party_id = $2 order by received_at, event_id""",
        party,
        party_id,
    )
    return [
        Waiting(
            event_id=r["event_id"],
            event_type=r["event_type"],
            party=r["party"],
            party_id=r["party_id"],
            invoice_id=r["invoice_id"],
            data=json.loads(r["data"]) if isinstance(r["data"], str) else dict(r["data"]),
        )
        for r in rows
    ]


async def delete_waiting(conn: asyncpg.Connection, event_ids: list[uuid.UUID]) -> None:
    await conn.execute("delete from party_mails_waiting where event_id = any($1::uuid[])", event_ids)


async def drop_waiting_reminders(conn: asyncpg.Connection, invoice_id: uuid.UUID) -> int:
    status = await conn.execute(
        "delete from party_mails_waiting where invoice_id = $1 and event_type = 'invoicing.payment_reminder_issued'",
        invoice_id,
    )
    return int(status.rsplit(" ", 1)[-1])


async def record_reminder(conn: asyncpg.Connection, event_id: uuid.UUID, invoice_id: uuid.UUID) -> None:
    await conn.execute(
        "insert into payment_reminder_mails (event_id, invoice_id) values ($1, $2) on conflict do nothing",
        event_id,
        invoice_id,
    )


async def reminder_events(conn: asyncpg.Connection, invoice_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await conn.fetch("select event_id from payment_reminder_mails where invoice_id = $1", invoice_id)
    return [r["event_id"] for r in rows]


async def record_settled(conn: asyncpg.Connection, invoice_id: uuid.UUID, how: str) -> None:
    await conn.execute(
        "insert into settled_invoices (invoice_id, how) values ($1, $2) on conflict do nothing", invoice_id, how
    )


async def is_settled(conn: asyncpg.Connection, invoice_id: uuid.UUID) -> bool:
    return bool(await conn.fetchval("select exists (select 1 from settled_invoices where invoice_id = $1)", invoice_id))
