"""All SQL of identity: login tokens and their rate limit, sessions. The only writer of its three tables."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from placement.identity.models import EndReason, LoginToken, Person, RecentRequests, Session
from vikar_shared.auth.principal import Role

_SESSION_COLUMNS = (
    "session_id, email, role, company_id, municipality_id, language, created_at, expires_at, ended_at, end_reason"
)


def _person(row: asyncpg.Record) -> Person:
    return Person(
        email=row["email"],
        role=Role(row["role"]),
        company_id=row["company_id"],
        municipality_id=row["municipality_id"],
    )


def _session(row: asyncpg.Record) -> Session:
    return Session(
        session_id=row["session_id"],
        person=_person(row),
        language=row["language"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        ended_at=row["ended_at"],
        end_reason=EndReason(row["end_reason"]) if row["end_reason"] else None,
    )


# --- The rate limit --------------------------------------------------------------------------------


async def lock_login_requests(conn: asyncpg.Connection, email: str, client: str) -> None:
    """Serialises requests of one address and of one client, so concurrent requests cannot all pass the
    count; always e-mail first, then client, so two requests never wait on each other in a circle."""
    await conn.execute("select pg_advisory_xact_lock(hashtextextended('identity.login.email:' || $1, 0))", email)
    await conn.execute("select pg_advisory_xact_lock(hashtextextended('identity.login.client:' || $1, 0))", client)


async def recent_requests(
    conn: asyncpg.Connection, email: str, client: str, since: datetime
) -> tuple[RecentRequests, RecentRequests]:
    """Accepted requests after ``since`` (count and latest) for the address and for the client."""
    row = await conn.fetchrow(
        """select (select count(*) from identity_login_requests where email = $1 and requested_at > $3) as by_email,
                  (select max(requested_at) from identity_login_requests where email = $1 and requested_at > $3)
                      as last_by_email,
                  (select count(*) from identity_login_requests where client = $2 and requested_at > $3) as by_client,
                  (select max(requested_at) from identity_login_requests where client = $2 and requested_at > $3)
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
        "delete from identity_login_requests where (email = $1 or client = $2) and requested_at <= $3",
        email,
        client,
        since,
    )
    await conn.execute(
        "insert into identity_login_requests (email, client, requested_at) values ($1, $2, $3)", email, client, now
    )


# --- Login tokens ----------------------------------------------------------------------------------


async def insert_login_token(
    conn: asyncpg.Connection,
    *,
    token_hash: bytes,
    person: Person,
    language: str,
    next_path: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute("delete from identity_login_tokens where email = $1 and expires_at <= $2", person.email, now)
    await conn.execute(
        """insert into identity_login_tokens
               (token_hash, email, role, company_id, municipality_id, language, next_path, created_at, expires_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        token_hash,
        person.email,
        person.role.value,
        person.company_id,
        person.municipality_id,
        language,
        next_path,
        now,
        expires_at,
    )


async def find_login_token(conn: asyncpg.Connection, token_hash: bytes) -> LoginToken | None:
    row = await conn.fetchrow(
        """select email, role, company_id, municipality_id, language, next_path, expires_at, used_at
           from identity_login_tokens where token_hash = $1""",
        token_hash,
    )
    if row is None:
        return None
    return LoginToken(_person(row), row["language"], row["next_path"], row["expires_at"], row["used_at"])


async def use_login_token(conn: asyncpg.Connection, token_hash: bytes, now: datetime) -> LoginToken | None:
    """Marks the token used if it is unused and unexpired; None otherwise. Conditional, so of two
    concurrent confirmations exactly one gets the row."""
    row = await conn.fetchrow(
        """update identity_login_tokens set used_at = $2
           where token_hash = $1 and used_at is null and expires_at > $2
           returning email, role, company_id, municipality_id, language, next_path, expires_at, used_at""",
        token_hash,
        now,
    )
    if row is None:
        return None
    return LoginToken(_person(row), row["language"], row["next_path"], row["expires_at"], row["used_at"])


# --- Sessions --------------------------------------------------------------------------------------


async def insert_session(conn: asyncpg.Connection, *, refresh_hash: bytes, session: Session) -> None:
    # Sessions past their end are of no use to anyone (a refresh is refused either way): keep the table small.
    await conn.execute(
        "delete from identity_sessions where email = $1 and expires_at <= $2", session.person.email, session.created_at
    )
    await conn.execute(
        """insert into identity_sessions
               (session_id, refresh_hash, email, role, company_id, municipality_id, language, created_at, expires_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        session.session_id,
        refresh_hash,
        session.person.email,
        session.person.role.value,
        session.person.company_id,
        session.person.municipality_id,
        session.language,
        session.created_at,
        session.expires_at,
    )


async def session_by_refresh(conn: asyncpg.Connection, refresh_hash: bytes) -> Session | None:
    """The session behind a refresh secret, live or not (the caller decides); locked until commit."""
    row = await conn.fetchrow(
        f"select {_SESSION_COLUMNS} from identity_sessions where refresh_hash = $1 for update", refresh_hash
    )
    return None if row is None else _session(row)


async def session_by_id(conn: asyncpg.Connection, session_id: UUID) -> Session | None:
    row = await conn.fetchrow(
        f"select {_SESSION_COLUMNS} from identity_sessions where session_id = $1 for update", session_id
    )
    return None if row is None else _session(row)


async def set_language(conn: asyncpg.Connection, session_id: UUID, language: str) -> None:
    await conn.execute("update identity_sessions set language = $2 where session_id = $1", session_id, language)


async def end_session(conn: asyncpg.Connection, session_id: UUID, reason: EndReason, now: datetime) -> bool:
    """Ends the session if it is still live; False when it had already ended (nothing to announce)."""
    status = await conn.execute(
        """update identity_sessions set ended_at = $3, end_reason = $2
           where session_id = $1 and ended_at is null and expires_at > $3""",
        session_id,
        reason.value,
        now,
    )
    return bool(status == "UPDATE 1")


async def end_sessions_of(
    conn: asyncpg.Connection,
    *,
    email: str,
    company_id: UUID | None,
    municipality_id: UUID | None,
    reason: EndReason,
    now: datetime,
) -> list[Session]:
    """Ends every live session of ``email`` for ``company_id`` (an approver's) or for ``municipality_id`` (a
    municipality user's); returns them, ended."""
    rows = await conn.fetch(
        f"""update identity_sessions set ended_at = $5, end_reason = $4
            where email = $1 and ended_at is null and expires_at > $5
              and (($2::uuid is not null and company_id = $2) or ($3::uuid is not null and municipality_id = $3))
            returning {_SESSION_COLUMNS}""",
        email,
        company_id,
        municipality_id,
        reason.value,
        now,
    )
    return [_session(row) for row in rows]
