"""SQL of the statement documents (migration ``20261203_10_statements.sql``): the only writer of
``statement_documents``, ``statement_deliveries`` and (apart from the issuing trigger that queues a statement)
``statement_documents_due``. Reads ``municipality_terms`` for a draft's buyer, VAT and payment means and locks a
``statements`` row while a delivery is recorded (no update: issued statements are facts)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from invoicing.statement_documents.models import Delivery, DeliveryChannel, DocumentsDue, StatementDocument


async def claim_due(conn: asyncpg.Connection) -> UUID | None:
    """The statement whose documents are due longest, locked for this transaction; other workers skip it."""
    statement_id: UUID | None = await conn.fetchval(
        """select statement_id from statement_documents_due where due_at <= now()
           order by due_at, statement_id limit 1 for update skip locked"""
    )
    return statement_id


async def store(conn: asyncpg.Connection, document: StatementDocument) -> bool:
    """Stores the document unless one of its media type is stored already (then nothing changes); True when
    stored now."""
    status = await conn.execute(
        """insert into statement_documents (statement_id, media_type, content, sha256, size_bytes, renderer,
                                           rendered_at)
           values ($1, $2, $3, $4, $5, $6, $7) on conflict (statement_id, media_type) do nothing""",
        document.statement_id,
        document.media_type,
        document.content,
        document.sha256,
        len(document.content),
        document.renderer,
        document.rendered_at,
    )
    return bool(status == "INSERT 0 1")


async def stored_media_types(conn: asyncpg.Connection, statement_id: UUID) -> set[str]:
    rows = await conn.fetch("select media_type from statement_documents where statement_id = $1", statement_id)
    return {r["media_type"] for r in rows}


async def get_document(conn: asyncpg.Connection, statement_id: UUID, media_type: str) -> StatementDocument | None:
    row = await conn.fetchrow(
        """select statement_id, media_type, content, sha256, renderer, rendered_at
           from statement_documents where statement_id = $1 and media_type = $2""",
        statement_id,
        media_type,
    )
    return None if row is None else StatementDocument(**dict(row))


async def done(conn: asyncpg.Connection, statement_id: UUID) -> None:
    await conn.execute("delete from statement_documents_due where statement_id = $1", statement_id)


async def retry_later(conn: asyncpg.Connection, statement_id: UUID, error: str, delay: timedelta) -> None:
    await conn.execute(
        """update statement_documents_due set attempts = attempts + 1, last_error = $2, due_at = now() + $3
           where statement_id = $1""",
        statement_id,
        error,
        delay,
    )


async def due(conn: asyncpg.Connection, statement_id: UUID) -> DocumentsDue | None:
    row = await conn.fetchrow(
        "select statement_id, due_at, attempts, last_error from statement_documents_due where statement_id = $1",
        statement_id,
    )
    return None if row is None else DocumentsDue(**dict(row))


async def lock_statement(conn: asyncpg.Connection, statement_id: UUID) -> None:
    """Serialises recording deliveries of one statement (a row lock, no update)."""
    await conn.execute("select 1 from statements where statement_id = $1 for no key update", statement_id)


_DELIVERY = "delivery_id, statement_id, channel, reference, sent_at, recorded_by, recorded_at"


def _delivery(row: asyncpg.Record) -> Delivery:
    values = dict(row)
    return Delivery(**{**values, "channel": DeliveryChannel(values["channel"])})


async def find_delivery(
    conn: asyncpg.Connection, statement_id: UUID, channel: DeliveryChannel, reference: str
) -> Delivery | None:
    row = await conn.fetchrow(
        f"""select {_DELIVERY} from statement_deliveries
            where statement_id = $1 and channel = $2 and reference = $3
            order by recorded_at, delivery_id limit 1""",
        statement_id,
        channel.value,
        reference,
    )
    return None if row is None else _delivery(row)


async def find_unreferenced_delivery(
    conn: asyncpg.Connection, statement_id: UUID, channel: DeliveryChannel, sent_at: datetime
) -> Delivery | None:
    """The first delivery of the statement on ``channel`` without a reference sent at ``sent_at``, if any."""
    row = await conn.fetchrow(
        f"""select {_DELIVERY} from statement_deliveries
            where statement_id = $1 and channel = $2 and reference is null and sent_at = $3
            order by recorded_at, delivery_id limit 1""",
        statement_id,
        channel.value,
        sent_at,
    )
    return None if row is None else _delivery(row)


async def insert_delivery(
    conn: asyncpg.Connection,
    *,
    delivery_id: UUID,
    statement_id: UUID,
    channel: DeliveryChannel,
    reference: str | None,
    sent_at: datetime,
    recorded_by: str,
    recorded_at: datetime,
) -> Delivery:
    row = await conn.fetchrow(
        f"""insert into statement_deliveries (delivery_id, statement_id, channel, reference, sent_at, recorded_by,
                                              recorded_at)
            values ($1, $2, $3, $4, $5, $6, $7) returning {_DELIVERY}""",
        delivery_id,
        statement_id,
        channel.value,
        reference,
        sent_at,
        recorded_by,
        recorded_at,
    )
    assert row is not None
    return _delivery(row)


async def deliveries(conn: asyncpg.Connection, statement_id: UUID) -> list[Delivery]:
    rows = await conn.fetch(
        f"""select {_DELIVERY} from statement_deliveries where statement_id = $1
            order by sent_at, recorded_at, delivery_id""",
        statement_id,
    )
    return [_delivery(r) for r in rows]
