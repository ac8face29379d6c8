"""All SQL of the portal: approvers, login tokens and their rate limit, sessions, the history pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

import asyncpg

from timesheet.portal.models import Flash, MonthTotals, PortalSession, RecentRequests


async def companies_approved_by(conn: asyncpg.Connection, email: str) -> list[UUID]:
    """Companies naming ``email`` as an approver (the read model and the caller both lower-case it)."""
    rows = await conn.fetch("select company_id from company_approvers where email = $1 order by company_id", email)
    return [row["company_id"] for row in rows]


async def lock_login_requests(conn: asyncpg.Connection, email: str, client: str) -> None:
    """Serialises requests of one address and of one client, so concurrent requests cannot all pass the
    count; always e-mail first, then client, so two requests never wait on each other in a circle."""
    await conn.execute("select pg_advisory_xact_lock(hashtextextended('portal.login.email:' || $1, 0))", email)
    await conn.execute("select pg_advisory_xact_lock(hashtextextended('portal.login.client:' || $1, 0))", client)


async def recent_requests(
    conn: asyncpg.Connection, email: str, client: str, since: datetime
) -> tuple[RecentRequests, RecentRequests]:
    """Accepted requests after ``since`` (count and latest) for the address and for the client."""
    row = await conn.fetchrow(
        """select (select count(*) from portal_login_requests where email = $1 and requested_at > $3) as by_email,
                  (select max(requested_at) from portal_login_requests where email = $1 and requested_at > $3)
                      as last_by_email,
                  (select count(*) from portal_login_requests where client = $2 and requested_at > $3) as by_client,
                  (select max(requested_at) from portal_login_requests where client = $2 and requested_at > $3)
                      as last_by_client""",
        email,
        client,
        since,
    )
    assert row is not None
    return (
        RecentRequests(int(row["by_email"]), row["last_by_email"]),
        RecentRequests(int(row["by_client"]), row["last_by_client"]),
    )


async def record_request(conn: asyncpg.Connection, email: str, client: str, now: datetime, since: datetime) -> None:
    # Rows that left the window count for nothing; dropping this address's and client's keeps the table small.
    await conn.execute(
        "delete from portal_login_requests where (email = $1 or client = $2) and requested_at <= $3",
        email,
        client,
        since,
    )
    await conn.execute(
        "insert into portal_login_requests (email, client, requested_at) values ($1, $2, $3)", email, client, now
    )


async def insert_login_token(
    conn: asyncpg.Connection,
    *,
    token_hash: bytes,
    company_id: UUID,
    email: str,
    locale: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute("delete from portal_login_tokens where email = $1 and expires_at <= $2", email, now)
    await conn.execute(
        """insert into portal_login_tokens (token_hash, company_id, email, locale, created_at, expires_at)
           values ($1, $2, $3, $4, $5, $6)""",
        token_hash,
        company_id,
        email,
        locale,
        now,
        expires_at,
    )


async def find_login_token(conn: asyncpg.Connection, token_hash: bytes) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "select company_id, email, locale, expires_at, used_at from portal_login_tokens where token_hash = $1",
        token_hash,
    )


async def use_login_token(conn: asyncpg.Connection, token_hash: bytes, now: datetime) -> asyncpg.Record | None:
    """Marks the token used if it is unused and unexpired; None otherwise. Conditional, so of two
    concurrent confirmations exactly one gets the row."""
    return await conn.fetchrow(
        """update portal_login_tokens set used_at = $2
           where token_hash = $1 and used_at is null and expires_at > $2
           returning company_id, email, locale""",
        token_hash,
        now,
    )


async def approver_and_company(conn: asyncpg.Connection, company_id: UUID, email: str) -> tuple[str, str | None] | None:
    """The approver's name and the company's, if ``email`` is (still) an approver of the company."""
    row = await conn.fetchrow(
        """select a.name, c.name as company_name from company_approvers a
           left join companies c on c.company_id = a.company_id
           where a.company_id = $1 and a.email = $2""",
        company_id,
        email,
    )
    return None if row is None else (row["name"], row["company_name"])


async def insert_session(conn: asyncpg.Connection, *, id_hash: bytes, session: PortalSession, now: datetime) -> None:
    await conn.execute("delete from portal_sessions where email = $1 and expires_at <= $2", session.email, now)
    await conn.execute(
        """insert into portal_sessions (id_hash, company_id, email, locale, created_at, expires_at)
           values ($1, $2, $3, $4, $5, $6)""",
        id_hash,
        session.company_id,
        session.email,
        session.locale,
        now,
        session.expires_at,
    )


async def find_session(conn: asyncpg.Connection, id_hash: bytes, now: datetime) -> PortalSession | None:
    """A live session whose approver is still an approver of its company: removing someone from the
    company's approvers ends their sessions at once. Its ``csrf_token`` is empty: nothing stored gives
    it; the caller derives it from the session id (``models.csrf_token_for``)."""
    row = await conn.fetchrow(
        """select s.company_id, s.email, a.name, c.name as company_name, s.locale, s.expires_at
           from portal_sessions s
           join company_approvers a on a.company_id = s.company_id and a.email = s.email
           left join companies c on c.company_id = s.company_id
           where s.id_hash = $1 and s.expires_at > $2""",
        id_hash,
        now,
    )
    if row is None:
        return None
    return PortalSession(
        company_id=row["company_id"],
        email=row["email"],
        approver_name=row["name"],
        company_name=row["company_name"],
        csrf_token="",
        locale=row["locale"],
        expires_at=row["expires_at"],
    )


async def set_session_locale(conn: asyncpg.Connection, id_hash: bytes, locale: str) -> None:
    await conn.execute("update portal_sessions set locale = $2 where id_hash = $1", id_hash, locale)


async def set_flash(conn: asyncpg.Connection, id_hash: bytes, messages: Sequence[Flash]) -> None:
    await conn.execute(
        "update portal_sessions set flash = $2 where id_hash = $1",
        id_hash,
        [{"key": m.key, "params": m.params} for m in messages],
    )


async def take_flash(conn: asyncpg.Connection, id_hash: bytes) -> list[Flash]:
    """Reads and clears the session's one-shot messages."""
    stored = await conn.fetchval(
        """update portal_sessions s set flash = null
           from (select id_hash, flash from portal_sessions where id_hash = $1 and flash is not null for update) old
           where s.id_hash = old.id_hash
           returning old.flash""",
        id_hash,
    )
    return [Flash(key=str(m["key"]), params=dict(m.get("params") or {})) for m in stored or []]


async def delete_session(conn: asyncpg.Connection, id_hash: bytes) -> None:
    await conn.execute("delete from portal_sessions where id_hash = $1", id_hash)


async def decided_entry_ids(conn: asyncpg.Connection, company_id: UUID, first: date, after_last: date) -> list[UUID]:
    """The company's approved and rejected entries worked in [first, after_last)."""
    rows = await conn.fetch(
        """select id from entries
           where company_id = $1 and status in ('approved', 'rejected') and work_date >= $2 and work_date < $3""",
        company_id,
        first,
        after_last,
    )
    return [row["id"] for row in rows]


async def month_totals(conn: asyncpg.Connection, company_id: UUID, months: int) -> list[MonthTotals]:
    """Minutes per month of work date and status, newest month first, for the last ``months`` that have any.
    Corrections carry signed minutes, so an approved correction moves its month's total."""
    rows = await conn.fetch(
        """select date_trunc('month', work_date)::date as month,
                  coalesce(sum(minutes) filter (where status = 'approved'), 0)::bigint as approved,
                  coalesce(sum(minutes) filter (where status = 'rejected'), 0)::bigint as rejected,
                  coalesce(sum(minutes) filter (where status = 'submitted'), 0)::bigint as submitted
           from entries where company_id = $1
           group by 1 order by 1 desc limit $2""",
        company_id,
        months,
    )
    return [
        MonthTotals(
            month=row["month"],
            approved_minutes=int(row["approved"]),
            rejected_minutes=int(row["rejected"]),
            submitted_minutes=int(row["submitted"]),
        )
        for row in rows
    ]
