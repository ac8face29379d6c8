"""Use cases of the pay inputs: the Kafka handlers' writes (inside the inbox transaction; they never commit) and
the reads of the pay close (:mod:`invoicing.payroll`).

Sources: ``placement.employee_registered`` (key citizen id) for ``employees``; timesheet's ``hours_submitted``
(also a rejected entry submitted again, same ``entry_id``, and corrections), ``entry_changed`` (still
submitted) and ``entry_rejected`` (key placement id) for ``unapproved_entries``. Rejection reasons are not
stored (free text typed by approvers, never needed to pay). ``entry_approved`` needs nothing here: an approved
entry is left out when read."""

from __future__ import annotations

import logging
from datetime import date, datetime
from uuid import UUID

import asyncpg

from invoicing.pay_inputs import repository
from invoicing.pay_inputs.models import Employee, UnapprovedEntry, UnapprovedStatus
from vikar_shared.citizen_aliases import kept_id, lock_citizen
from vikar_shared.errors import conflict
from vikar_shared.events.placement import EmployeeRegistered
from vikar_shared.events.timesheet import EntryChanged, EntryRejected, HoursSubmitted

log = logging.getLogger(__name__)


async def record_employee(conn: asyncpg.Connection, data: EmployeeRegistered) -> None:
    """Upserts the citizen's employee number and start date (a redelivery changes nothing).

    A citizen merged before this event arrived (its event came on another partition) is recorded under the
    citizen kept, unless that one has a number of its own (the kept citizen keeps its number; the event is
    then ignored, logged). A number another citizen holds is a contract breach: 409
    ``employee-number-taken`` (the event is dead-lettered, nothing written). The shared citizen lock pairs with
    the merge's exclusive one, as the alias trigger does, so a merge never misses the row."""
    await lock_citizen(conn, data.citizen_id, exclusive=False)
    citizen_id = await kept_id(conn, data.citizen_id)
    if citizen_id != data.citizen_id and await repository.employee_of(conn, citizen_id) is not None:
        log.info(
            "employee number %s of merged citizen %s ignored: kept citizen %s has a number",
            data.employee_number,
            data.citizen_id,
            citizen_id,
        )
        return
    holder = await repository.holder_of(conn, data.employee_number)
    if holder is not None and holder != citizen_id:
        raise conflict(
            "employee-number-taken",
            f"employee number {data.employee_number} is held by another citizen than {data.citizen_id}",
        )
    await repository.upsert_employee(
        conn, Employee(citizen_id=citizen_id, employee_number=data.employee_number, employed_from=data.employed_from)
    )


async def merge_employee(conn: asyncpg.Connection, *, merged: UUID, kept: UUID) -> None:
    """A citizen merge (called by :mod:`invoicing.citizens.handlers` holding the merge's locks): the merged
    citizen's employee row is deleted when ``kept`` has one (the kept citizen keeps its number), else moved to
    ``kept``."""
    outcome = await repository.merge_employee(conn, merged=merged, kept=kept)
    if outcome is not None:
        log.info("employee row of merged citizen %s %s (kept %s)", merged, outcome, kept)


async def record_submitted(conn: asyncpg.Connection, data: HoursSubmitted, *, occurred_at: datetime) -> None:
    """Every entry of the submission as ``submitted`` as of ``occurred_at`` (the envelope's): a new entry, a
    rejected one submitted again, a correction. A newer event about an entry is never overwritten."""
    entries = [
        UnapprovedEntry(
            entry_id=e.entry_id,
            placement_id=data.placement_id,
            company_id=data.company_id,
            work_date=e.work_date,
            minutes=e.minutes,
            corrects_entry_id=e.corrects_entry_id,
            status=UnapprovedStatus.SUBMITTED,
        )
        for e in data.entries
    ]
    await repository.upsert_unapproved(conn, entries, status_at=occurred_at)


async def record_changed(conn: asyncpg.Connection, data: EntryChanged, *, occurred_at: datetime) -> None:
    """The entry's new work date and minutes; still ``submitted``."""
    await _record_entry(conn, data, data.corrects_entry_id, UnapprovedStatus.SUBMITTED, occurred_at)


async def record_rejected(conn: asyncpg.Connection, data: EntryRejected, *, occurred_at: datetime) -> None:
    """The entry as rejected (its reason is not stored)."""
    await _record_entry(conn, data, None, UnapprovedStatus.REJECTED, occurred_at)


async def _record_entry(
    conn: asyncpg.Connection,
    data: EntryChanged | EntryRejected,
    corrects_entry_id: UUID | None,
    status: UnapprovedStatus,
    occurred_at: datetime,
) -> None:
    entry = UnapprovedEntry(
        entry_id=data.entry_id,
        placement_id=data.placement_id,
        company_id=data.company_id,
        work_date=data.work_date,
        minutes=data.minutes,
        corrects_entry_id=corrects_entry_id,
        status=status,
    )
    await repository.upsert_unapproved(conn, [entry], status_at=occurred_at)


async def unapproved_in(
    conn: asyncpg.Connection, first_day: date, last_day: date, *, changed_after: datetime | None = None
) -> list[UnapprovedEntry]:
    """The entries with a work date in ``first_day..last_day`` (inclusive) that are submitted or rejected and
    were never approved (an entry in ``approved_entries`` is left out), with the work date and minutes of the
    latest event about each; ordered by placement, work date, entry id. Minutes are whole minutes, signed for a
    correction. ``changed_after``: only entries whose latest event occurred after it."""
    return await repository.unapproved_in(conn, first_day, last_day, changed_after)
