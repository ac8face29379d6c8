"""Use cases of the portal. Each takes the caller's connection and never commits.

Approving and rejecting go through the entries service, acting as the session's approver, so the
portal obeys exactly the rules (and writes exactly the events) of the API."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from uuid import UUID

import asyncpg

from timesheet.approvals import service as approvals
from timesheet.approvals.models import BulkApproval, PendingWeek, seen_versions, selector_of
from timesheet.entries import repository as entries_repository
from timesheet.entries import service as entries
from timesheet.entries.models import Entry
from timesheet.portal import repository
from timesheet.portal.models import (
    Flash,
    LinkState,
    LoginLinkUnusableError,
    LoginPolicy,
    LoginRateLimitedError,
    MonthTotals,
    NewSession,
    NotLoggedInError,
    PortalSession,
    csrf_token_for,
    digest,
    link_state,
    login_link,
    login_wait,
    new_secret,
    next_month,
    retry_after_seconds,
)
from vikar_shared.errors import not_found
from vikar_shared.events.timesheet import LoginLinkRequestedV2, login_link_seal_context
from vikar_shared.outbox import add_event
from vikar_shared.sealing import SealingKeys

SOURCE = "timesheet"
# Bounds what is hashed and looked up; real tokens and session ids are 43 characters.
_MAX_SECRET_LENGTH = 128


async def request_login_links(
    conn: asyncpg.Connection,
    *,
    email: str,
    client: str,
    locale: str,
    now: datetime,
    policy: LoginPolicy,
    base_url: str,
    sealer: SealingKeys,
) -> int:
    """Counts the request against the rate limit and, for every company naming ``email`` as an approver,
    issues a single-use link and asks notifications to mail it. Returns how many links were issued;
    the caller must answer the same whatever the number (no account enumeration).

    The token exists in clear only here and in the mail: the database keeps its SHA-256, and the
    ``LoginLinkRequestedV2`` event carries the link sealed by ``sealer`` for the address (only
    notifications holds the key to open it); the outbox row is deleted once published.

    Raises LoginRateLimitedError (with the seconds to wait) when the address or the client asked too
    often lately (``policy``: a capped backoff, never a lockout); a refused request is not counted."""
    await repository.lock_login_requests(conn, email, client)
    since = now - policy.window
    by_email, by_client = await repository.recent_requests(conn, email, client, since)
    wait = login_wait(by_email, by_client, policy, now)
    if wait.total_seconds() > 0:
        raise LoginRateLimitedError(retry_after_seconds(wait))
    await repository.record_request(conn, email, client, now, since)
    companies = await repository.companies_approved_by(conn, email)
    for company_id in companies:
        token = new_secret()
        expires_at = now + policy.link_ttl
        await repository.insert_login_token(
            conn,
            token_hash=digest(token),
            company_id=company_id,
            email=email,
            locale=locale,
            now=now,
            expires_at=expires_at,
        )
        event = LoginLinkRequestedV2(
            request_id=uuid.uuid4(),
            company_id=company_id,
            email=email,
            sealed_link=sealer.seal(login_link(base_url, token), context=login_link_seal_context(email)),
            expires_at=expires_at,
            locale=locale,
        )
        await add_event(conn, event, source=SOURCE, subject=event.request_id, key=company_id)
    return len(companies)


async def inspect_link(conn: asyncpg.Connection, token: str, now: datetime) -> tuple[LinkState, str | None]:
    """What the link is worth now, without using it (so a mail scanner's GET does not burn it)."""
    if len(token) > _MAX_SECRET_LENGTH:
        return LinkState.UNKNOWN, None
    row = await repository.find_login_token(conn, digest(token))
    if row is None:
        return LinkState.UNKNOWN, None
    state = link_state(found=True, used_at=row["used_at"], expires_at=row["expires_at"], now=now)
    return state, row["email"]


async def confirm_login(conn: asyncpg.Connection, token: str, now: datetime, policy: LoginPolicy) -> NewSession:
    """Uses the link (once) and opens a session for its approver and company."""
    if len(token) > _MAX_SECRET_LENGTH:
        raise LoginLinkUnusableError(LinkState.UNKNOWN)
    token_hash = digest(token)
    used = await repository.use_login_token(conn, token_hash, now)
    if used is None:
        row = await repository.find_login_token(conn, token_hash)
        state = (
            LinkState.UNKNOWN
            if row is None
            else link_state(found=True, used_at=row["used_at"], expires_at=row["expires_at"], now=now)
        )
        raise LoginLinkUnusableError(LinkState.UNKNOWN if state is LinkState.VALID else state)
    company_id: UUID = used["company_id"]
    email: str = used["email"]
    approver = await repository.approver_and_company(conn, company_id, email)
    if approver is None:
        # No longer an approver of that company since the link was sent.
        raise LoginLinkUnusableError(LinkState.UNKNOWN)
    approver_name, company_name = approver
    session = PortalSession(
        company_id=company_id,
        email=email,
        approver_name=approver_name,
        company_name=company_name,
        csrf_token="",
        locale=used["locale"],
        expires_at=now + policy.session_ttl,
    )
    session_id = new_secret()
    # Neither the id nor the CSRF token is stored: the row holds the id's SHA-256, the token derives from the id.
    session = replace(session, csrf_token=csrf_token_for(session_id))
    await repository.insert_session(conn, id_hash=digest(session_id), session=session, now=now)
    return NewSession(session_id=session_id, session=session)


async def current_session(conn: asyncpg.Connection, session_id: str | None, now: datetime) -> PortalSession:
    if not session_id or len(session_id) > _MAX_SECRET_LENGTH:
        raise NotLoggedInError()
    session = await repository.find_session(conn, digest(session_id), now)
    if session is None:
        raise NotLoggedInError()
    return replace(session, csrf_token=csrf_token_for(session_id))


async def end_session(conn: asyncpg.Connection, session_id: str) -> None:
    if len(session_id) <= _MAX_SECRET_LENGTH:
        await repository.delete_session(conn, digest(session_id))


async def remember_locale(conn: asyncpg.Connection, session_id: str, locale: str) -> None:
    await repository.set_session_locale(conn, digest(session_id), locale)


async def leave_flash(conn: asyncpg.Connection, session_id: str, messages: Sequence[Flash]) -> None:
    await repository.set_flash(conn, digest(session_id), messages)


async def take_flash(conn: asyncpg.Connection, session_id: str) -> list[Flash]:
    return await repository.take_flash(conn, digest(session_id))


async def pending_weeks(conn: asyncpg.Connection, session: PortalSession) -> list[PendingWeek]:
    _, weeks = await approvals.pending_for_company(conn, session.principal, session.company_id)
    return weeks


async def entry_of(conn: asyncpg.Connection, session: PortalSession, entry_id: UUID) -> Entry:
    return await entries.get_entry(conn, session.principal, entry_id)


async def approve_one(conn: asyncpg.Connection, session: PortalSession, entry_id: UUID, expected_version: int) -> Entry:
    return await entries.approve_entry(conn, session.principal, entry_id, expected_version=expected_version)


async def reject_one(
    conn: asyncpg.Connection, session: PortalSession, entry_id: UUID, reason: str, expected_version: int
) -> Entry:
    return await entries.reject_entry(
        conn, session.principal, entry_id, reason=reason, expected_version=expected_version
    )


async def approve_many(
    conn: asyncpg.Connection, session: PortalSession, shown: Sequence[tuple[UUID, int]]
) -> BulkApproval:
    """Approves exactly the entries the page showed, each at the version shown (not whatever arrived or
    changed since), in the caller's one transaction: any changed entry is 409 ``entries-changed`` and
    nothing is approved. Entries someone else decided meanwhile are reported; an id that is not an entry
    of this company fails the whole action as not found."""
    seen = seen_versions(shown)
    selector = selector_of(entry_ids=list(seen), week=None, citizen_id=None, all_pending=None)
    outcome = await approvals.approve_in_bulk(conn, session.principal, session.company_id, selector, seen)
    if outcome.not_found:
        raise not_found("entry")
    return outcome


async def history(
    conn: asyncpg.Connection, session: PortalSession, month: date, months_of_totals: int = 12
) -> tuple[list[Entry], list[MonthTotals]]:
    ids = await repository.decided_entry_ids(conn, session.company_id, month, next_month(month))
    decided = await entries_repository.company_entries_by_id(conn, session.company_id, ids) if ids else []
    totals = await repository.month_totals(conn, session.company_id, months_of_totals)
    return decided, totals
