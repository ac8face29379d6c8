"""All SQL on hour entries and their history."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import asyncpg

from timesheet.entries.history import HistoryAction, HistoryChange, HistoryRecord
from timesheet.entries.models import Entry, EntryStatus
from timesheet.entries.totals import MonthTotals
from timesheet.entries.transitions import correction_open, work_date_taken
from vikar_shared.outbox import OutboxRow

# The partial unique index of migration 20261130_01: one live original entry per placement and day.
ONE_LIVE_PER_DAY = "entries_one_live_per_day_idx"
# The partial unique index of migration 20261130_81: at most one open (submitted) correction per entry.
ONE_OPEN_CORRECTION = "entries_one_open_correction_idx"

# citizen_name comes from the read model, so a renamed citizen shows the current name everywhere.
_ENTRY_COLUMNS = """e.id, e.submission_id, e.placement_id, e.company_id, p.citizen_name, e.work_date, e.minutes,
                    e.status, e.version, e.submitted_by, e.submitted_at, e.decided_by, e.decided_at,
                    e.rejection_reason, e.citizen_id, e.bill_rate_ore_per_hour, e.corrects_entry_id,
                    e.correction_reason, e.status_reason"""


@dataclass(frozen=True)
class NewEntry:
    id: UUID
    work_date: date
    minutes: int
    bill_rate_ore_per_hour: int


def _entry(row: asyncpg.Record) -> Entry:
    values = dict(row)
    values["status"] = EntryStatus(values["status"])
    return Entry(**values)


async def insert_submitted(
    conn: asyncpg.Connection,
    *,
    submission_id: UUID,
    placement_id: UUID,
    company_id: UUID,
    citizen_id: UUID,
    submitted_by: str,
    entries: Sequence[NewEntry],
    corrects_entry_id: UUID | None = None,
    correction_reason: str | None = None,
) -> list[Entry]:
    """Inserts one submission's entries in one statement; returned in the order given.

    A day the placement already holds a live entry on (one committed concurrently, after the caller's
    check) is the domain's 409 ``work-date-taken`` naming that entry, never a database error; likewise a
    second open correction of ``corrects_entry_id`` is 409 ``correction-open`` naming the open one."""
    async with _one_live_per_day(conn, placement_id, [e.work_date for e in entries], corrects_entry_id):
        rows = await _insert(
            conn,
            submission_id=submission_id,
            placement_id=placement_id,
            company_id=company_id,
            citizen_id=citizen_id,
            submitted_by=submitted_by,
            entries=entries,
            corrects_entry_id=corrects_entry_id,
            correction_reason=correction_reason,
        )
    by_id = {row["id"]: _entry(row) for row in rows}
    return [by_id[e.id] for e in entries]


@asynccontextmanager
async def _one_live_per_day(
    conn: asyncpg.Connection, placement_id: UUID, days: Sequence[date], corrects_entry_id: UUID | None = None
) -> AsyncIterator[None]:
    """Runs a write in a savepoint; a violation of the one-live-entry index becomes ``work-date-taken``,
    one of the one-open-correction index (for ``corrects_entry_id``) ``correction-open``."""
    try:
        async with conn.transaction():
            yield
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == ONE_OPEN_CORRECTION and corrects_entry_id is not None:
            open_ones = await open_corrections_of(conn, corrects_entry_id)
            if not open_ones:
                raise
            raise correction_open(open_ones[0]) from None
        if exc.constraint_name != ONE_LIVE_PER_DAY:
            raise
        existing = await live_entries_on(conn, placement_id, days)
        if not existing:
            raise
        raise work_date_taken(existing) from None


async def open_corrections_of(
    conn: asyncpg.Connection, original_id: UUID, *, other_than: UUID | None = None
) -> list[Entry]:
    """The original's open (submitted) corrections but ``other_than``: at most one once 20261130_81 holds."""
    rows = await conn.fetch(
        f"""select {_ENTRY_COLUMNS} from entries e join placements p using (placement_id)
            where e.corrects_entry_id = $1 and e.status = 'submitted' and ($2::uuid is null or e.id <> $2)
            order by e.submitted_at, e.id""",
        original_id,
        other_than,
    )
    return [_entry(row) for row in rows]


async def live_entries_on(
    conn: asyncpg.Connection, placement_id: UUID, days: Sequence[date], *, other_than: UUID | None = None
) -> list[Entry]:
    """The placement's live original entries (submitted or approved, not corrections) on ``days``."""
    rows = await conn.fetch(
        f"""select {_ENTRY_COLUMNS} from entries e join placements p using (placement_id)
            where e.placement_id = $1 and e.work_date = any($2::date[]) and e.corrects_entry_id is null
              and e.status in ('submitted', 'approved') and e.duplicate_of is null
              and ($3::uuid is null or e.id <> $3)
            order by e.work_date, e.id""",
        placement_id,
        list(days),
        other_than,
    )
    return [_entry(row) for row in rows]


async def _insert(
    conn: asyncpg.Connection,
    *,
    submission_id: UUID,
    placement_id: UUID,
    company_id: UUID,
    citizen_id: UUID,
    submitted_by: str,
    entries: Sequence[NewEntry],
    corrects_entry_id: UUID | None,
    correction_reason: str | None,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"""with inserted as (
                insert into entries (id, submission_id, placement_id, company_id, citizen_id, work_date, minutes,
                                     bill_rate_ore_per_hour, status, submitted_by, corrects_entry_id,
                                     correction_reason)
                select i.id, $1, $2, $3, $4, i.work_date, i.minutes, i.bill_rate, 'submitted', $5, $9, $10
                from unnest($6::uuid[], $7::date[], $8::int[], $11::bigint[]) as i (id, work_date, minutes, bill_rate)
                returning *
            )
            select {_ENTRY_COLUMNS} from inserted e join placements p using (placement_id)""",
        submission_id,
        placement_id,
        company_id,
        citizen_id,
        submitted_by,
        [e.id for e in entries],
        [e.work_date for e in entries],
        [e.minutes for e in entries],
        corrects_entry_id,
        correction_reason,
        [e.bill_rate_ore_per_hour for e in entries],
    )


async def get_entry(conn: asyncpg.Connection, entry_id: UUID, *, for_update: bool = False) -> Entry | None:
    """With ``for_update`` the row stays locked until the transaction ends (edits serialise on it)."""
    lock = "for update of e" if for_update else ""
    row = await conn.fetchrow(
        f"select {_ENTRY_COLUMNS} from entries e join placements p using (placement_id) where e.id = $1 {lock}",
        entry_id,
    )
    return None if row is None else _entry(row)


async def list_company_entries(conn: asyncpg.Connection, company_id: UUID, status: EntryStatus | None) -> list[Entry]:
    rows = await conn.fetch(
        f"""select {_ENTRY_COLUMNS} from entries e join placements p using (placement_id)
            where e.company_id = $1 and ($2::text is null or e.status = $2)
            order by e.work_date, p.citizen_name, e.id""",
        company_id,
        None if status is None else status.value,
    )
    return [_entry(row) for row in rows]


async def decide(
    conn: asyncpg.Connection,
    entry_id: UUID,
    *,
    company_id: UUID,
    status: EntryStatus,
    decided_by: str,
    expected_version: int | None,
    rejection_reason: str | None = None,
) -> Entry | None:
    """Moves a submitted entry of ``company_id`` to ``status`` and writes its history row (action
    ``status``, the decider, the new version, the rejection reason), in one statement; None (and nothing
    written) if there is no such entry of that company, or it is no longer submitted (or not at the version).

    The status condition is re-checked under the row lock, so of two concurrent decisions exactly
    one finds the row."""
    row = await conn.fetchrow(
        f"""with decided as (
                update entries
                set status = $2, version = version + 1, decided_by = $3, decided_at = now(), rejection_reason = $4
                -- "is not distinct from" ($6 is never null) is "=" that no index serves, so the row is found
                -- by its primary key, never by scanning the company's submitted entries (which a generic
                -- plan would otherwise pick: entries_company_status_idx on company_id, status).
                where id = $1 and status = 'submitted' and ($5::int is null or version = $5)
                  and company_id is not distinct from $6::uuid
                returning *
            ),
            recorded as (
                insert into entry_history (entry_id, action, actor, version, work_date, minutes, reason)
                select id, status, decided_by, version, work_date, minutes, rejection_reason from decided
            )
            select {_ENTRY_COLUMNS} from decided e join placements p using (placement_id)""",
        entry_id,
        status.value,
        decided_by,
        rejection_reason,
        expected_version,
        company_id,
    )
    return None if row is None else _entry(row)


async def get_entry_and_now(conn: asyncpg.Connection, entry_id: UUID) -> tuple[Entry | None, datetime | None]:
    """The entry (None if there is none) and the database's ``now()`` when it was read (None with it)."""
    row = await conn.fetchrow(
        f"select {_ENTRY_COLUMNS}, now() as read_at from entries e join placements p using (placement_id) "
        "where e.id = $1",
        entry_id,
    )
    if row is None:
        return None, None
    values = dict(row)
    read_at: datetime = values.pop("read_at")
    values["status"] = EntryStatus(values["status"])
    return Entry(**values), read_at


async def approve_with_event(
    conn: asyncpg.Connection,
    entry_id: UUID,
    *,
    company_id: UUID,
    version: int,
    decided_by: str,
    decided_at: datetime,
    outbox_row: OutboxRow,
) -> Entry | None:
    """Approves the submitted entry of ``company_id`` at ``version``, writes its history row and its
    outbox row (``event_id, topic, key, envelope``, as :func:`vikar_shared.outbox.add_event` writes one) in
    one statement: atomic on its own, so all three are committed together or none is. None (and nothing
    written) when the entry is not so (any more)."""
    row = await conn.fetchrow(
        f"""with decided as (
                update entries
                set status = 'approved', version = version + 1, decided_by = $3, decided_at = $4,
                    rejection_reason = null
                -- "is not distinct from": found by the primary key only (see decide()).
                where id = $1 and status = 'submitted' and version = $5 and company_id is not distinct from $2::uuid
                returning *
            ),
            recorded as (
                insert into entry_history (entry_id, action, actor, version, work_date, minutes, reason)
                select id, status, decided_by, version, work_date, minutes, rejection_reason from decided
            ),
            announced as (
                insert into outbox (event_id, topic, key, envelope)
                select $6, $7, $8, $9::text::jsonb from decided
            )
            select {_ENTRY_COLUMNS} from decided e join placements p using (placement_id)""",
        entry_id,
        company_id,
        decided_by,
        decided_at,
        version,
        *outbox_row,
    )
    return None if row is None else _entry(row)


async def resubmit(
    conn: asyncpg.Connection,
    entry_id: UUID,
    *,
    submission_id: UUID,
    work_date: date,
    minutes: int,
    bill_rate_ore_per_hour: int,
    submitted_by: str,
) -> Entry:
    """A rejected entry (locked by the caller) becomes submitted again with the new facts; the decision
    is cleared (the history keeps it). A day already holding a live entry is 409 ``work-date-taken``; a
    rejected correction whose original has another open correction is 409 ``correction-open``."""
    found = await conn.fetchrow("select placement_id, corrects_entry_id from entries where id = $1", entry_id)
    if found is None:
        raise RuntimeError(f"entry {entry_id} was not locked as rejected before resubmission")
    placement_id, corrects = found["placement_id"], found["corrects_entry_id"]
    async with _one_live_per_day(conn, placement_id, [work_date], corrects):
        row = await conn.fetchrow(
            f"""with resubmitted as (
                update entries
                set status = 'submitted', version = version + 1, submission_id = $2, work_date = $3, minutes = $4,
                    bill_rate_ore_per_hour = $5, submitted_by = $6, submitted_at = now(),
                    decided_by = null, decided_at = null, rejection_reason = null
                where id = $1 and status = 'rejected'
                returning *
            )
            select {_ENTRY_COLUMNS} from resubmitted e join placements p using (placement_id)""",
            entry_id,
            submission_id,
            work_date,
            minutes,
            bill_rate_ore_per_hour,
            submitted_by,
        )
    if row is None:
        raise RuntimeError(f"entry {entry_id} was not locked as rejected before resubmission")
    return _entry(row)


async def change_submitted(
    conn: asyncpg.Connection,
    entry_id: UUID,
    *,
    work_date: date,
    minutes: int,
    bill_rate_ore_per_hour: int,
) -> Entry:
    """A submitted entry (locked by the caller) takes the new facts and version + 1; it stays submitted in
    its submission (``submission_id``, ``submitted_by``, ``submitted_at`` kept). A day already holding a
    live entry is 409 ``work-date-taken``."""
    placement_id = await conn.fetchval("select placement_id from entries where id = $1", entry_id)
    async with _one_live_per_day(conn, placement_id, [work_date]):
        row = await conn.fetchrow(
            f"""with changed as (
                update entries
                set version = version + 1, work_date = $2, minutes = $3, bill_rate_ore_per_hour = $4
                where id = $1 and status = 'submitted'
                returning *
            )
            select {_ENTRY_COLUMNS} from changed e join placements p using (placement_id)""",
            entry_id,
            work_date,
            minutes,
            bill_rate_ore_per_hour,
        )
    if row is None:
        raise RuntimeError(f"entry {entry_id} was not locked as submitted before the change")
    return _entry(row)


async def approve_all(conn: asyncpg.Connection, entry_ids: Sequence[UUID], *, decided_by: str) -> list[Entry]:
    """Approves those of ``entry_ids`` that are still submitted; the others are left as they are.

    Rows are locked in id order, so two bulk approvals over overlapping entries cannot deadlock; a row
    another approver decided meanwhile no longer matches once its lock is granted and is skipped."""
    rows = await conn.fetch(
        f"""with locked as (
                select id from entries where id = any($1::uuid[]) and status = 'submitted' order by id for update
            ),
            decided as (
                update entries e
                set status = 'approved', version = e.version + 1, decided_by = $2, decided_at = now()
                from locked where e.id = locked.id
                returning e.*
            )
            select {_ENTRY_COLUMNS} from decided e join placements p using (placement_id)
            order by e.work_date, p.citizen_name, e.id""",
        list(entry_ids),
        decided_by,
    )
    return [_entry(row) for row in rows]


async def lock_for_bulk_approval(
    conn: asyncpg.Connection,
    company_id: UUID,
    entry_ids: Sequence[UUID],
    *,
    from_date: date | None = None,
    to_date: date | None = None,
    citizen_id: UUID | None = None,
    match_pending: bool,
) -> list[Entry]:
    """Locks (until the transaction ends, in id order so bulk approvals never deadlock) the company's
    entries named in ``entry_ids`` and, with ``match_pending``, every submitted entry within the work
    dates and of the citizen given; returns them as they are once locked."""
    rows = await conn.fetch(
        f"""select {_ENTRY_COLUMNS} from entries e join placements p using (placement_id)
            where e.company_id = $1
              and (e.id = any($2::uuid[])
                   or ($6 and e.status = 'submitted'
                       and ($3::date is null or e.work_date >= $3) and ($4::date is null or e.work_date <= $4)
                       and ($5::uuid is null or e.citizen_id = $5)))
            order by e.id
            for update of e""",
        company_id,
        list(entry_ids),
        from_date,
        to_date,
        citizen_id,
        match_pending,
    )
    return [_entry(row) for row in rows]


async def company_entries_by_id(conn: asyncpg.Connection, company_id: UUID, entry_ids: Sequence[UUID]) -> list[Entry]:
    rows = await conn.fetch(
        f"""select {_ENTRY_COLUMNS} from entries e join placements p using (placement_id)
            where e.company_id = $1 and e.id = any($2::uuid[])
            order by e.work_date, p.citizen_name, e.id""",
        company_id,
        list(entry_ids),
    )
    return [_entry(row) for row in rows]


async def pending_entries(
    conn: asyncpg.Connection,
    company_id: UUID,
    *,
    from_date: date | None = None,
    to_date: date | None = None,
    citizen_id: UUID | None = None,
) -> list[Entry]:
    """A company's submitted entries, optionally within work dates and of one citizen."""
    rows = await conn.fetch(
        f"""select {_ENTRY_COLUMNS} from entries e join placements p using (placement_id)
            where e.company_id = $1 and e.status = 'submitted'
              and ($2::date is null or e.work_date >= $2) and ($3::date is null or e.work_date <= $3)
              and ($4::uuid is null or e.citizen_id = $4)
            order by e.work_date, p.citizen_name, e.citizen_id, e.id""",
        company_id,
        from_date,
        to_date,
        citizen_id,
    )
    return [_entry(row) for row in rows]


async def pending_longer_than(conn: asyncpg.Connection, days: int) -> list[Entry]:
    """Entries submitted (or submitted again) more than ``days`` days ago and still undecided."""
    rows = await conn.fetch(
        f"""select {_ENTRY_COLUMNS} from entries e join placements p using (placement_id)
            where e.status = 'submitted' and e.submitted_at < now() - make_interval(days => $1)
            order by e.submitted_at, e.id""",
        days,
    )
    return [_entry(row) for row in rows]


async def lock_citizen_days(conn: asyncpg.Connection, citizen_id: UUID, days: Sequence[date]) -> None:
    """Serialises every change that adds hours to one citizen's day, across placements and companies,
    until the transaction ends. Days are locked in date order so two requests never deadlock."""
    for day in sorted(set(days)):
        await conn.execute(
            "select pg_advisory_xact_lock(hashtextextended($1, 0))",
            f"timesheet.citizen-day:{citizen_id}:{day.isoformat()}",
        )


async def citizen_day_minutes(
    conn: asyncpg.Connection, citizen_id: UUID, days: Sequence[date], *, other_than: UUID | None = None
) -> dict[date, int]:
    """What each day holds towards the 12-hour cap: approved minutes (corrections signed) plus pending
    minutes that add hours; a pending reduction counts only once approved. ``other_than`` leaves out the
    entry being changed (its new minutes replace what it holds now)."""
    rows = await conn.fetch(
        """select work_date,
                  sum(case when status = 'approved' then minutes else greatest(minutes, 0) end)::int as minutes
           from entries
           where citizen_id = $1 and work_date = any($2::date[]) and status in ('submitted', 'approved')
             and ($3::uuid is null or id <> $3)
           group by work_date""",
        citizen_id,
        list(days),
        other_than,
    )
    return {row["work_date"]: row["minutes"] for row in rows}


async def corrections_of(
    conn: asyncpg.Connection, original_id: UUID, *, other_than: UUID | None = None
) -> list[tuple[EntryStatus, int]]:
    """Status and signed minutes of the original's corrections, but ``other_than`` (one being changed)."""
    rows = await conn.fetch(
        """select status, minutes from entries where corrects_entry_id = $1 and ($2::uuid is null or id <> $2)
           order by submitted_at, id""",
        original_id,
        other_than,
    )
    return [(EntryStatus(row["status"]), row["minutes"]) for row in rows]


async def record_history(conn: asyncpg.Connection, changes: Sequence[HistoryChange]) -> None:
    await conn.execute(
        """insert into entry_history (entry_id, action, actor, version, work_date, minutes, reason, submission_id,
                                      correction_entry_id, status_reason)
           select * from unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::date[], $6::int[], $7::text[],
                                $8::uuid[], $9::uuid[], $10::text[])""",
        [c.entry_id for c in changes],
        [c.action.value for c in changes],
        [c.actor for c in changes],
        [c.version for c in changes],
        [c.work_date for c in changes],
        [c.minutes for c in changes],
        [c.reason for c in changes],
        [c.submission_id for c in changes],
        [c.correction_entry_id for c in changes],
        [c.status_reason for c in changes],
    )


async def history(conn: asyncpg.Connection, entry_id: UUID) -> list[HistoryRecord]:
    """The entry's own changes and those of the corrections that refer to it, in the order they happened."""
    rows = await conn.fetch(
        """select entry_id, action, actor, occurred_at, version, work_date, minutes, reason, submission_id,
                  correction_entry_id, status_reason
           from entry_history
           where entry_id = $1 or entry_id in (select id from entries where corrects_entry_id = $1)
           order by id""",
        entry_id,
    )
    records = []
    for row in rows:
        values = dict(row)
        values["action"] = HistoryAction(values["action"])
        records.append(HistoryRecord(**values))
    return records


async def decided_company_entries(
    conn: asyncpg.Connection, company_id: UUID, first: date, after_last: date
) -> list[Entry]:
    """The company's approved and rejected entries worked in [first, after_last), by work date and citizen."""
    rows = await conn.fetch(
        f"""select {_ENTRY_COLUMNS} from entries e join placements p using (placement_id)
            where e.company_id = $1 and e.status in ('approved', 'rejected')
              and e.work_date >= $2 and e.work_date < $3
            order by e.work_date, p.citizen_name, e.id""",
        company_id,
        first,
        after_last,
    )
    return [_entry(row) for row in rows]


async def company_month_totals(conn: asyncpg.Connection, company_id: UUID, months: int) -> list[MonthTotals]:
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


async def days_over_cap(conn: asyncpg.Connection, citizen_id: UUID, cap_minutes: int) -> list[str]:
    """Work days on which the citizen's submitted and approved minutes (corrections signed) exceed
    ``cap_minutes``: what two identities may have been let through before a merge; ISO dates."""
    rows = await conn.fetch(
        """select work_date from entries
           where citizen_id = $1 and status in ('submitted', 'approved')
           group by work_date having sum(minutes) > $2
           order by work_date""",
        citizen_id,
        cap_minutes,
    )
    return [r["work_date"].isoformat() for r in rows]


async def approve_as_deemed(
    conn: asyncpg.Connection,
    company_id: UUID,
    versions: Mapping[UUID, int],
    *,
    decided_by: str,
    decided_at: datetime,
    status_reason: str,
) -> list[Entry]:
    """Approves, with ``status_reason`` at ``decided_at``, those entries of ``versions`` (entry id -> version)
    that are the company's and still submitted at exactly that version (issue 14, deemed approval); the others
    are left as they are. Rows locked in id order, as :func:`approve_all`; the conditions are on the row's own
    columns, so PostgreSQL rechecks them on the newest row version after a lock wait and an entry changed
    (version bumped) or decided meanwhile is skipped."""
    ids = sorted(versions)
    rows = await conn.fetch(
        f"""with listed as (
                select * from unnest($1::uuid[], $2::int[]) as l (id, version)
            ),
            locked as (
                select e.id from entries e join listed l on l.id = e.id
                where e.company_id = $3 and e.status = 'submitted' and e.version = l.version
                order by e.id for update of e
            ),
            decided as (
                update entries e
                set status = 'approved', version = e.version + 1, decided_by = $4, decided_at = $5,
                    status_reason = $6
                from locked where e.id = locked.id
                returning e.*
            )
            select {_ENTRY_COLUMNS} from decided e join placements p using (placement_id)
            order by e.work_date, p.citizen_name, e.id""",
        ids,
        [versions[i] for i in ids],
        company_id,
        decided_by,
        decided_at,
        status_reason,
    )
    return [_entry(row) for row in rows]
