"""Use cases on hour entries. Each takes the caller's connection and never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import asyncpg

from timesheet.entries import repository
from timesheet.entries.models import (
    Entry,
    EntryStatus,
    ProposedEntry,
    ensure_decidable,
    invalid_submission,
    submission_violations,
)
from timesheet.placements.repository import get_placement
from vikar_shared.auth.principal import Principal, Role
from vikar_shared.errors import conflict, not_found
from vikar_shared.events.timesheet import EntryApproved, EntryRejected, HoursSubmitted, SubmittedEntry
from vikar_shared.outbox import add_event

SOURCE = "timesheet"


@dataclass(frozen=True)
class Submission:
    submission_id: UUID
    placement_id: UUID
    entries: list[Entry]


async def submit_hours(
    conn: asyncpg.Connection,
    principal: Principal,
    placement_id: UUID,
    proposed: Sequence[ProposedEntry],
    *,
    today: date,
) -> Submission:
    placement = await get_placement(conn, placement_id)
    if placement is None:
        raise not_found("placement")
    violations = submission_violations(
        proposed, start_date=placement.start_date, end_date=placement.end_date, today=today
    )
    if violations:
        raise invalid_submission(violations)
    submission_id = uuid.uuid4()
    entries = await repository.insert_submitted(
        conn,
        submission_id=submission_id,
        placement_id=placement.placement_id,
        company_id=placement.company_id,
        submitted_by=principal.subject,
        entries=[(uuid.uuid4(), p) for p in proposed],
    )
    event = HoursSubmitted(
        submission_id=submission_id,
        placement_id=placement.placement_id,
        company_id=placement.company_id,
        citizen_name=placement.citizen_name,
        submitted_by=principal.subject,
        entries=[SubmittedEntry(entry_id=e.id, work_date=e.work_date, minutes=e.minutes) for e in entries],
    )
    await add_event(conn, event, source=SOURCE, subject=submission_id, key=placement.placement_id)
    return Submission(submission_id, placement.placement_id, entries)


async def get_entry(conn: asyncpg.Connection, principal: Principal, entry_id: UUID) -> Entry:
    entry = await repository.get_entry(conn, entry_id)
    if entry is None or not principal.may_see_company(entry.company_id):
        raise not_found("entry")
    return entry


async def list_company_entries(
    conn: asyncpg.Connection, principal: Principal, company_id: UUID, status: EntryStatus | None
) -> list[Entry]:
    if not principal.may_see_company(company_id):
        raise not_found("company")
    return await repository.list_company_entries(conn, company_id, status)


async def _entry_to_decide(conn: asyncpg.Connection, principal: Principal, entry_id: UUID) -> Entry:
    entry = await repository.get_entry(conn, entry_id)
    # Only the approver bound to the entry's company decides; for anyone else the entry does not exist.
    if entry is None or principal.role is not Role.COMPANY_APPROVER or principal.company_id != entry.company_id:
        raise not_found("entry")
    return entry


async def _decide(
    conn: asyncpg.Connection,
    principal: Principal,
    entry_id: UUID,
    status: EntryStatus,
    expected_version: int | None,
    rejection_reason: str | None = None,
) -> Entry:
    entry = await _entry_to_decide(conn, principal, entry_id)
    ensure_decidable(entry, expected_version)
    decided = await repository.decide(
        conn,
        entry_id,
        status=status,
        decided_by=principal.subject,
        expected_version=expected_version,
        rejection_reason=rejection_reason,
    )
    if decided is None:
        # Someone decided between our read and our update: report what the entry is now.
        current = await repository.get_entry(conn, entry_id)
        if current is not None:
            ensure_decidable(current, expected_version)
        raise conflict("entry-changed", "The entry changed while it was being decided; reload it")
    return decided


async def approve_entry(
    conn: asyncpg.Connection, principal: Principal, entry_id: UUID, *, expected_version: int | None
) -> Entry:
    entry = await _decide(conn, principal, entry_id, EntryStatus.APPROVED, expected_version)
    approved_by, approved_at = entry.decision()
    event = EntryApproved(
        entry_id=entry.id,
        placement_id=entry.placement_id,
        company_id=entry.company_id,
        work_date=entry.work_date,
        minutes=entry.minutes,
        approved_by=approved_by,
        approved_at=approved_at,
    )
    await add_event(conn, event, source=SOURCE, subject=entry.id, key=entry.placement_id)
    return entry


async def reject_entry(
    conn: asyncpg.Connection, principal: Principal, entry_id: UUID, *, reason: str, expected_version: int | None
) -> Entry:
    entry = await _decide(conn, principal, entry_id, EntryStatus.REJECTED, expected_version, reason)
    rejected_by, rejected_at = entry.decision()
    event = EntryRejected(
        entry_id=entry.id,
        placement_id=entry.placement_id,
        company_id=entry.company_id,
        work_date=entry.work_date,
        minutes=entry.minutes,
        reason=reason,
        rejected_by=rejected_by,
        rejected_at=rejected_at,
    )
    await add_event(conn, event, source=SOURCE, subject=entry.id, key=entry.placement_id)
    return entry
