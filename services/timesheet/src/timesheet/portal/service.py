"""Use cases of the portal. Each takes the caller's connection and never commits.

Who is logged in comes from the page session (``vikar_shared.identity.pages``); whether that person
may use the portal for its company comes from timesheet's companies read model. Approving and rejecting
go through the entries and approvals services, acting as the session's approver, so the portal obeys
exactly the rules (and writes exactly the events) of the API. The portal keeps no table of its own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

import asyncpg

from timesheet.approvals import service as approvals
from timesheet.approvals.models import BulkApproval, PendingWeek, seen_versions, selector_of
from timesheet.companies import service as companies
from timesheet.entries import service as entries
from timesheet.entries.models import Entry
from timesheet.entries.totals import MonthTotals
from timesheet.portal.models import NoAccessError, PortalSession, next_month
from vikar_shared.auth.principal import Role
from vikar_shared.errors import not_found
from vikar_shared.identity.approvers import approver_session
from vikar_shared.identity.tokens import PageSession


async def approver_of(conn: asyncpg.Connection, page: PageSession, locale: str) -> PortalSession:
    """The portal's view of a verified page session: a company approver's, whose address is (still) listed
    for the session's company in the companies read model (``vikar_shared.identity.approvers``). Anything
    else is NoAccessError, at once: a removed approver is refused before the identity owner's revocation
    event arrives."""
    if page.role is not Role.COMPANY_APPROVER or page.company_id is None:
        raise NoAccessError()
    listed = await companies.approvers_of(conn, page.company_id)
    session = approver_session(page, listed, await companies.company_name(conn, page.company_id), locale)
    if session is None:
        raise NoAccessError()
    return session


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
    """The company's decided entries worked in ``month`` and the minutes of its last ``months_of_totals``
    months with hours (the entries service's named reads)."""
    principal, company = session.principal, session.company_id
    decided = await entries.decided_company_entries(conn, principal, company, month, next_month(month))
    totals = await entries.company_month_totals(conn, principal, company, months_of_totals)
    return decided, totals
