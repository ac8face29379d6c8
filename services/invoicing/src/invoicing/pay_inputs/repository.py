"""SQL of the pay inputs' read models: ``employees`` and ``unapproved_entries`` (migration ``20261215_10``); the
only writer of both. Approved entries (``approved_entries``, accruals') are left out when read, never deleted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

import asyncpg

from invoicing.pay_inputs.models import Employee, UnapprovedEntry, UnapprovedStatus


async def employee_of(conn: asyncpg.Connection, citizen_id: UUID) -> Employee | None:
    row = await conn.fetchrow(
        "select citizen_id, employee_number, employed_from from employees where citizen_id = $1", citizen_id
    )
    return None if row is None else Employee(**row)


async def holder_of(conn: asyncpg.Connection, employee_number: int) -> UUID | None:
    """The citizen holding ``employee_number``, None when nobody does."""
    holder: UUID | None = await conn.fetchval(
        "select citizen_id from employees where employee_number = $1", employee_number
    )
    return holder


async def upsert_employee(conn: asyncpg.Connection, employee: Employee) -> None:
    """Inserts the citizen's row or replaces its number and start date; an unchanged row is not written."""
    await conn.execute(
        """insert into employees (citizen_id, employee_number, employed_from) values ($1, $2, $3)
           on conflict (citizen_id) do update
               set employee_number = excluded.employee_number, employed_from = excluded.employed_from,
                   recorded_at = now()
               where (employees.employee_number, employees.employed_from)
                     is distinct from (excluded.employee_number, excluded.employed_from)""",
        employee.citizen_id,
        employee.employee_number,
        employee.employed_from,
    )


async def merge_employee(conn: asyncpg.Connection, *, merged: UUID, kept: UUID) -> str | None:
    """The merged citizen's row: deleted when ``kept`` has a row of its own, else moved to ``kept``. Returns
    ``"deleted"``, ``"moved"`` or None (the merged citizen had no row)."""
    if await conn.fetchval("select exists (select 1 from employees where citizen_id = $1)", kept):
        status = await conn.execute("delete from employees where citizen_id = $1", merged)
        return "deleted" if status.endswith(" 1") else None
    status = await conn.execute("update employees set citizen_id = $2 where citizen_id = $1", merged, kept)
    return "moved" if status.endswith(" 1") else None


async def upsert_unapproved(
    conn: asyncpg.Connection, entries: Sequence[UnapprovedEntry], *, status_at: datetime
) -> None:
    """Writes each entry as of ``status_at`` (the event's ``occurred_at``) unless a newer event wrote it already.
    A null ``corrects_entry_id`` keeps the stored one (``entry_rejected`` does not carry it; an entry never
    changes what it corrects)."""
    await conn.execute(
        """insert into unapproved_entries
               (entry_id, placement_id, company_id, work_date, minutes, corrects_entry_id, status, status_at)
           select e.*, $8::timestamptz
           from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::date[], $5::integer[], $6::uuid[], $7::text[])
                as e (entry_id, placement_id, company_id, work_date, minutes, corrects_entry_id, status)
           on conflict (entry_id) do update set
               placement_id = excluded.placement_id,
               company_id = excluded.company_id,
               work_date = excluded.work_date,
               minutes = excluded.minutes,
               corrects_entry_id = coalesce(excluded.corrects_entry_id, unapproved_entries.corrects_entry_id),
               status = excluded.status,
               status_at = excluded.status_at
           where unapproved_entries.status_at <= excluded.status_at""",
        [e.entry_id for e in entries],
        [e.placement_id for e in entries],
        [e.company_id for e in entries],
        [e.work_date for e in entries],
        [e.minutes for e in entries],
        [e.corrects_entry_id for e in entries],
        [e.status.value for e in entries],
        status_at,
    )


async def unapproved_in(
    conn: asyncpg.Connection, first_day: date, last_day: date, changed_after: datetime | None = None
) -> list[UnapprovedEntry]:
    rows = await conn.fetch(
        """select u.entry_id, u.placement_id, u.company_id, u.work_date, u.minutes, u.corrects_entry_id, u.status
           from unapproved_entries u
           where u.work_date between $1 and $2 and ($3::timestamptz is null or u.status_at > $3)
             and not exists (select 1 from approved_entries a where a.entry_id = u.entry_id)
           order by u.placement_id, u.work_date, u.entry_id""",
        first_day,
        last_day,
        changed_after,
    )
    return [UnapprovedEntry(**{**r, "status": UnapprovedStatus(r["status"])}) for r in rows]
