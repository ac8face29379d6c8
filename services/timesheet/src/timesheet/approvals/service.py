"""Use cases of the approval queue: bulk approval, the pending queue, entries waiting too long."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from timesheet.approvals.models import BulkApproval, PendingWeek, Selector, pending_queue
from timesheet.companies.repository import company_name
from timesheet.entries import repository as entries
from timesheet.entries.models import Entry, EntryStatus
from timesheet.entries.service import record_approvals
from vikar_shared.auth.principal import Principal, Role
from vikar_shared.errors import not_found


async def _candidates(
    conn: asyncpg.Connection, company_id: UUID, selector: Selector
) -> tuple[list[Entry], list[Entry], list[UUID]]:
    """Pending entries the selector matches, those it names that are decided already, and unknown ids."""
    if selector.entry_ids is not None:
        found = await entries.company_entries_by_id(conn, company_id, selector.entry_ids)
        known = {e.id for e in found}
        unknown = [i for i in selector.entry_ids if i not in known]
        pending = [e for e in found if e.status is EntryStatus.SUBMITTED]
        return pending, [e for e in found if e.status is not EntryStatus.SUBMITTED], unknown
    week = selector.week
    pending = await entries.pending_entries(
        conn,
        company_id,
        from_date=None if week is None else week.monday,
        to_date=None if week is None else week.sunday,
        citizen_id=selector.citizen_id,
    )
    return pending, [], []


async def approve_in_bulk(
    conn: asyncpg.Connection, principal: Principal, company_id: UUID, selector: Selector
) -> BulkApproval:
    """Approves every matched entry that is still submitted, each with its own EntryApproved, in the
    caller's one transaction. Entries someone else decided first are reported, not failed on."""
    if principal.role is not Role.COMPANY_APPROVER or principal.company_id != company_id:
        raise not_found("company")
    pending, decided_before, unknown = await _candidates(conn, company_id, selector)
    approved = await entries.approve_all(conn, [e.id for e in pending], decided_by=principal.subject)
    await record_approvals(conn, approved)
    approved_ids = {e.id for e in approved}
    lost = [e.id for e in pending if e.id not in approved_ids]
    decided_meanwhile = await entries.company_entries_by_id(conn, company_id, lost) if lost else []
    return BulkApproval(approved, decided_before + decided_meanwhile, unknown)


async def pending_for_company(
    conn: asyncpg.Connection, principal: Principal, company_id: UUID
) -> tuple[str | None, list[PendingWeek]]:
    if not principal.may_see_company(company_id):
        raise not_found("company")
    return await company_name(conn, company_id), pending_queue(await entries.pending_entries(conn, company_id))


async def pending_longer_than(conn: asyncpg.Connection, older_than_days: int) -> list[Entry]:
    return await entries.pending_longer_than(conn, older_than_days)
