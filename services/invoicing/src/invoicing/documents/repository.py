"""SQL of invoice documents: the only writer of ``invoice_documents`` and ``invoice_documents_due`` (whose
rows the issuing transaction adds through a trigger, migration ``20261201_40_invoice_documents.sql``). Reads
``invoices``, ``invoice_lines``, ``invoice_entries``, ``invoice_adjustments`` (the ledger's) and the view
``ledger_items`` (accrued lines and bill adjustments)."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import asyncpg

from invoicing.documents.models import BookkeepingDocument, EntryDetail, InvoiceDocument


async def claim_due(conn: asyncpg.Connection) -> UUID | None:
    """The invoice whose document is due longest, locked for this transaction; other workers skip it."""
    invoice_id: UUID | None = await conn.fetchval(
        """select invoice_id from invoice_documents_due where due_at <= now()
           order by due_at, invoice_id limit 1 for update skip locked"""
    )
    return invoice_id


async def store(conn: asyncpg.Connection, document: InvoiceDocument) -> bool:
    """Stores the document unless one is stored already (then nothing changes); True when stored now."""
    status = await conn.execute(
        """insert into invoice_documents (invoice_id, media_type, content, sha256, size_bytes, renderer, rendered_at)
           values ($1, $2, $3, $4, $5, $6, $7) on conflict (invoice_id) do nothing""",
        document.invoice_id,
        document.media_type,
        document.content,
        document.sha256,
        len(document.content),
        document.renderer,
        document.rendered_at,
    )
    return bool(status == "INSERT 0 1")


async def has_document(conn: asyncpg.Connection, invoice_id: UUID) -> bool:
    found = await conn.fetchval("select exists (select 1 from invoice_documents where invoice_id = $1)", invoice_id)
    return bool(found)


async def done(conn: asyncpg.Connection, invoice_id: UUID) -> None:
    await conn.execute("delete from invoice_documents_due where invoice_id = $1", invoice_id)


async def retry_later(conn: asyncpg.Connection, invoice_id: UUID, error: str, delay: timedelta) -> None:
    await conn.execute(
        """update invoice_documents_due set attempts = attempts + 1, last_error = $2, due_at = now() + $3
           where invoice_id = $1""",
        invoice_id,
        error,
        delay,
    )


async def attempts(conn: asyncpg.Connection, invoice_id: UUID) -> int:
    found: int | None = await conn.fetchval(
        "select attempts from invoice_documents_due where invoice_id = $1", invoice_id
    )
    return found or 0


async def get_document(conn: asyncpg.Connection, invoice_id: UUID) -> InvoiceDocument | None:
    row = await conn.fetchrow(
        """select invoice_id, media_type, content, sha256, renderer, rendered_at
           from invoice_documents where invoice_id = $1""",
        invoice_id,
    )
    return None if row is None else InvoiceDocument(**dict(row))


async def entry_details(conn: asyncpg.Connection, invoice_id: UUID, *, sign: int = 1) -> list[EntryDetail]:
    """The items behind the document's lines (``ledger_items``: accrued entries and the adjustments of an
    adjustment line), by line, work date and item id. The citizen as the line states it (frozen on the
    document); minutes, rate and amount as accrued or adjusted (lines are never re-priced), times ``sign``: -1
    for a credit note, whose lines state the negated (positive) sums of the items it credits."""
    rows = await conn.fetch(
        """select coalesce(ie.position, ia.position) as position, li.item_id as entry_id, li.work_date,
                  l.citizen_id, l.citizen_name, li.minutes * $2 as minutes, li.rate_ore_per_hour,
                  li.amount_ore * $2 as amount_ore
           from ledger_items li
                left join invoice_entries ie on li.kind = 'entry' and ie.entry_id = li.item_id
                left join invoice_adjustments ia on li.kind = 'adjustment' and ia.adjustment_id = li.item_id
                join invoice_lines l on l.invoice_id = li.document_id
                                    and l.position = coalesce(ie.position, ia.position)
           where li.document_id = $1
           order by 1, li.work_date, li.item_id""",
        invoice_id,
        sign,
    )
    return [EntryDetail(**dict(r)) for r in rows]


async def bookkeeping_documents(conn: asyncpg.Connection, first: date, last: date) -> list[BookkeepingDocument]:
    """The issued invoices and credit notes with an issue date from ``first`` to ``last`` (inclusive), by
    number, one per document and VAT rate (a document has one rate): amounts as each states them."""
    rows = await conn.fetch(
        """select i.number, i.issue_date, i.due_date, i.document_type = 'credit_note' as is_credit_note,
                  i.buyer ->> 'name' as buyer_name, i.buyer ->> 'cvr' as buyer_cvr, i.net_ore, i.vat_rate_percent,
                  i.vat_ore, i.total_ore, i.currency,
                  (select c.number from invoices c where c.invoice_id = i.credits_invoice_id) as credits_number
           from invoices i
           where i.status = 'issued' and i.issue_date between $1 and $2
           order by i.number""",
        first,
        last,
    )
    return [BookkeepingDocument(**dict(r)) for r in rows]
