from __future__ import annotations

from datetime import datetime

import asyncpg

from notifications.digest.models import DigestRequest


async def plan(
    conn: asyncpg.Connection, consultant_id: str, week: str, occasion: str, requested_by: str, now: datetime
) -> bool:
    """Plans a request; False when one for this consultant, week and occasion is planned or built (nothing
    written). One skipped before (the consultant was not in the staff directory then) is planned again."""
    status = await conn.execute(
        """insert into digest_requests (consultant_id, week, occasion, requested_by, next_attempt_at)
           values ($1, $2, $3, $4, $5) on conflict (consultant_id, week, occasion) do update
               set status = 'planned', attempts = 0, requested_by = excluded.requested_by,
                   next_attempt_at = excluded.next_attempt_at
               where digest_requests.status = 'skipped'""",
        consultant_id,
        week,
        occasion,
        requested_by,
        now,
    )
    return bool(status == "INSERT 0 1")  # an upsert that updated reports INSERT 0 1 too


async def claim_due(conn: asyncpg.Connection, now: datetime) -> DigestRequest | None:
    """The oldest planned request due at ``now``, locked until commit (other replicas skip it)."""
    row = await conn.fetchrow(
        """select id, consultant_id, week, occasion, attempts from digest_requests
           where status = 'planned' and next_attempt_at <= $1
           order by next_attempt_at, id limit 1 for update skip locked""",
        now,
    )
    return DigestRequest(**dict(row)) if row else None


async def finish(conn: asyncpg.Connection, request_id: int, status: str, now: datetime) -> None:
    await conn.execute(
        "update digest_requests set status = $2, built_at = $3, last_error = null where id = $1",
        request_id,
        status,
        now,
    )


async def retry_later(conn: asyncpg.Connection, request_id: int, error: str, at: datetime) -> None:
    await conn.execute(
        """update digest_requests set attempts = attempts + 1, last_error = $2, next_attempt_at = $3 where id = $1""",
        request_id,
        error[:500],
        at,
    )


async def requests_of(conn: asyncpg.Connection, consultant_id: str) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            """select id, consultant_id, week, occasion, status, attempts, last_error, next_attempt_at
               from digest_requests where consultant_id = $1 order by id""",
            consultant_id,
        )
    )
