"""Use cases of the approval queue: bulk approval, the pending queue, entries waiting too long."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

import asyncpg

from timesheet.approvals.models import (
    BulkApproval,
    PendingWeek,
    Selector,
    entries_changed,
    missing_versions,
    pending_queue,
    selects,
    stale_entries,
)
from timesheet.companies import service as companies
from timesheet.entries import service as entries
from timesheet.entries.models import Entry, EntryStatus
from vikar_shared.auth.principal import Principal, Role
from vikar_shared.errors import not_found


async def approve_in_bulk(
    conn: asyncpg.Connection,
    principal: Principal,
    company_id: UUID,
    selector: Selector,
    seen: Mapping[UUID, int],
) -> BulkApproval:
    """Approves the entries the selector matches, each at the version the approver saw (``seen``: entry id
    → version, from the pending queue), each with its own EntryApproved, in the caller's one transaction.

    All or nothing: when any matched entry changed after it was seen, or is submitted and matched but was
    not seen, nothing is approved and the answer is 409 ``entries-changed`` listing each as it is now.
    Entries seen but decided by someone else since are reported in ``already_decided``; ids that are not
    entries of the company in ``not_found``. Errors: 404 ``company-not-found``, 422 ``seen-version-missing``."""
    if principal.role is not Role.COMPANY_APPROVER or principal.company_id != company_id:
        raise not_found("company")
    missing = missing_versions(selector, seen)
    if missing is not None:
        raise missing
    week = selector.week
    named = [*seen, *(selector.entry_ids or ())]
    locked = await entries.lock_for_bulk_approval(
        conn,
        company_id,
        list(dict.fromkeys(named)),
        from_date=None if week is None else week.monday,
        to_date=None if week is None else week.sunday,
        citizen_id=selector.citizen_id,
        match_pending=selector.entry_ids is None,
    )
    stale = stale_entries(selector, seen, locked)
    if stale:
        raise entries_changed(sorted(stale, key=_listing_order), seen)
    chosen = sorted((e for e in locked if selects(selector, e)), key=_listing_order)
    pending = [e for e in chosen if e.status is EntryStatus.SUBMITTED]
    decided = [e for e in chosen if e.status is not EntryStatus.SUBMITTED]
    known = {e.id for e in locked}
    unknown = [i for i in selector.entry_ids or () if i not in known]
    # Every pending row is locked and checked: all of them are approved.
    approved = await entries.approve_locked(conn, [e.id for e in pending], decided_by=principal.subject)
    return BulkApproval(approved, decided, unknown)


def _listing_order(entry: Entry) -> tuple[object, ...]:
    return (entry.work_date, entry.citizen_name, str(entry.id))


async def pending_for_company(
    conn: asyncpg.Connection, principal: Principal, company_id: UUID
) -> tuple[str | None, list[PendingWeek]]:
    if not principal.may_see_company(company_id):
        raise not_found("company")
    return await companies.company_name(conn, company_id), pending_queue(
        await entries.pending_entries(conn, company_id)
    )


async def pending_longer_than(conn: asyncpg.Connection, older_than_days: int) -> list[Entry]:
    return await entries.pending_longer_than(conn, older_than_days)
