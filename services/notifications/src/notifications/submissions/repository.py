"""All SQL of stored submissions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import asyncpg

from notifications.submissions.models import Submission, SubmittedHours


async def insert_submission(conn: asyncpg.Connection, submission: Submission) -> bool:
    """False when this submission is already stored (same event, or the same submission re-announced)."""
    status = await conn.execute(
        """insert into submissions (event_id, submission_id, placement_id, company_id, citizen_name, total_minutes)
           values ($1, $2, $3, $4, $5, $6) on conflict do nothing""",
        submission.event_id,
        submission.submission_id,
        submission.placement_id,
        submission.company_id,
        submission.citizen_name,
        submission.total_minutes,
    )
    if status != "INSERT 0 1":
        return False
    await conn.execute(
        """insert into submission_entries (event_id, entry_id, work_date, minutes, corrects_entry_id)
           select $1, entry_id, work_date, minutes, corrects_entry_id
           from unnest($2::uuid[], $3::date[], $4::int[], $5::uuid[])
                as e (entry_id, work_date, minutes, corrects_entry_id)
           on conflict do nothing""",
        submission.event_id,
        [e.entry_id for e in submission.entries],
        [e.work_date for e in submission.entries],
        [e.minutes for e in submission.entries],
        [e.corrects_entry_id for e in submission.entries],
    )
    return True


async def change_waiting_entry(
    conn: asyncpg.Connection, submission_id: uuid.UUID, entry_id: uuid.UUID, work_date: date, minutes: int
) -> bool:
    """Puts an entry's new work date and minutes into its submission, if that submission's e-mails are not
    planned yet (its total follows); False when there is nothing waiting to change (already mailed, or
    unknown). The caller holds the company lock."""
    status = await conn.execute(
        """update submission_entries se set work_date = $3, minutes = $4
           from submissions s
           where s.event_id = se.event_id and s.submission_id = $1 and s.emails_planned_at is null
             and se.entry_id = $2""",
        submission_id,
        entry_id,
        work_date,
        minutes,
    )
    if status == "UPDATE 0":
        return False
    await conn.execute(
        """update submissions s
           set total_minutes = (select coalesce(sum(minutes), 0) from submission_entries se
                                where se.event_id = s.event_id)
           where s.submission_id = $1""",
        submission_id,
    )
    return True


async def waiting_for_company(conn: asyncpg.Connection, company_id: uuid.UUID) -> list[Submission]:
    """Submissions of the company whose e-mails were not planned yet, locked against a concurrent planner."""
    heads = await conn.fetch(
        """select event_id, submission_id, placement_id, company_id, citizen_name from submissions
           where company_id = $1 and emails_planned_at is null order by received_at, event_id for update""",
        company_id,
    )
    if not heads:
        return []
    entry_rows = await conn.fetch(
        """select event_id, entry_id, work_date, minutes, corrects_entry_id from submission_entries
           where event_id = any($1::uuid[])""",
        [h["event_id"] for h in heads],
    )
    entries: dict[uuid.UUID, list[SubmittedHours]] = {}
    for r in entry_rows:
        entries.setdefault(r["event_id"], []).append(
            SubmittedHours(r["entry_id"], r["work_date"], r["minutes"], r["corrects_entry_id"])
        )
    return [
        Submission(
            event_id=h["event_id"],
            submission_id=h["submission_id"],
            placement_id=h["placement_id"],
            company_id=h["company_id"],
            citizen_name=h["citizen_name"],
            entries=tuple(entries.get(h["event_id"], ())),
        )
        for h in heads
    ]


async def mark_emails_planned(conn: asyncpg.Connection, event_ids: Sequence[uuid.UUID]) -> None:
    await conn.execute(
        "update submissions set emails_planned_at = now() where event_id = any($1::uuid[])", list(event_ids)
    )
