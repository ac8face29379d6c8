"""The local record of page sessions that ended early (logout, access removed), in every page-serving service.

Why: a page-session token (:mod:`vikar_shared.identity.tokens`) is verified locally and lives at most
five minutes (fifteen at most by contract). A logout or the removal of a person must take effect within
seconds, so the identity owner (placement) publishes ``placement.page_session_ended`` v1
(:class:`vikar_shared.events.placement.PageSessionEnded`, topic ``placement.events``) and every service
that serves pages records the session's ``sid`` here (shared migration
``20261130_95_ended_page_sessions.sql``) from its consumer of ``placement.events``
(:func:`on_page_session_ended`). :func:`vikar_shared.identity.pages.authenticate` refuses a recorded
session. Inbox deduplication comes from the consumer framework; recording is idempotent anyway.

A record is useful only until ``not_after`` (the latest expiry any access token of the session can have);
each insert deletes the records whose ``not_after`` lies before the new event's ``ended_at``, so the
table holds at most the sessions ended within the last access-token lifetime (no job needed).
Nothing here is a credential: ``session_id`` is the token's public ``sid``.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import PageSessionEnded


async def record_ended(conn: asyncpg.Connection, *, session_id: UUID, ended_at: datetime, not_after: datetime) -> None:
    """Records ``session_id`` as ended (idempotent: a repeat keeps the later ``not_after``) and forgets
    the records no token can outlive any more (``not_after`` before ``ended_at``)."""
    await conn.execute("delete from ended_page_sessions where not_after < $1", ended_at)
    await conn.execute(
        """insert into ended_page_sessions (session_id, ended_at, not_after) values ($1, $2, $3)
           on conflict (session_id) do update
           set ended_at = least(ended_page_sessions.ended_at, excluded.ended_at),
               not_after = greatest(ended_page_sessions.not_after, excluded.not_after)""",
        session_id,
        ended_at,
        not_after,
    )


async def is_ended(conn: asyncpg.Connection | asyncpg.Pool, session_id: UUID) -> bool:
    """Whether the identity owner said ``session_id`` ended (one primary-key lookup)."""
    found = await conn.fetchval("select true from ended_page_sessions where session_id = $1", session_id)
    return bool(found)


async def on_page_session_ended(conn: asyncpg.Connection, envelope: Envelope, data: PageSessionEnded) -> None:
    """Consumer handler for ``placement.page_session_ended`` v1 (runs inside the inbox transaction):
    subscribe it in the service's ``placement.events`` consumer spec."""
    await record_ended(conn, session_id=data.session_id, ended_at=data.ended_at, not_after=data.not_after)
