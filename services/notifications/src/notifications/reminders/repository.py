"""All SQL of the reminder ladder."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from notifications.reminders.models import Ladder


async def ladders(conn: asyncpg.Connection, company_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Ladder]:
    """The ladders consultants set for ``company_ids`` (a company without a row is absent: defaults apply)."""
    rows = await conn.fetch(
        """select company_id, reminder_working_days, follow_up_working_days, escalation_working_days,
                  deemed_approval, deemed_approval_working_days
           from company_reminder_settings where company_id = any($1::uuid[])""",
        list(company_ids),
    )
    return {r["company_id"]: _ladder(r) for r in rows}


def _ladder(r: asyncpg.Record) -> Ladder:
    return Ladder(
        reminder=r["reminder_working_days"],
        follow_up=r["follow_up_working_days"],
        escalation=r["escalation_working_days"],
        deemed_approval=r["deemed_approval_working_days"] if r["deemed_approval"] else None,
    )


async def settings(conn: asyncpg.Connection, company_id: uuid.UUID) -> tuple[Ladder, str, datetime] | None:
    """The company's own ladder with who changed it last and when; None when it has none (defaults apply)."""
    row = await conn.fetchrow(
        """select reminder_working_days, follow_up_working_days, escalation_working_days,
                  deemed_approval, deemed_approval_working_days, updated_by, updated_at
           from company_reminder_settings where company_id = $1""",
        company_id,
    )
    return None if row is None else (_ladder(row), row["updated_by"], row["updated_at"])


async def upsert_settings(
    conn: asyncpg.Connection, company_id: uuid.UUID, ladder: Ladder, deemed_approval: bool, updated_by: str
) -> None:
    """Writes the company's ladder whole; ``ladder.deemed_approval`` is stored as the deadline even when
    ``deemed_approval`` is off (kept for when it is turned on again)."""
    await conn.execute(
        """insert into company_reminder_settings (company_id, reminder_working_days, follow_up_working_days,
                   escalation_working_days, deemed_approval, deemed_approval_working_days, updated_by, updated_at)
           values ($1, $2, $3, $4, $5, $6, $7, now())
           on conflict (company_id) do update set
               reminder_working_days = excluded.reminder_working_days,
               follow_up_working_days = excluded.follow_up_working_days,
               escalation_working_days = excluded.escalation_working_days,
               deemed_approval = excluded.deemed_approval,
               deemed_approval_working_days = excluded.deemed_approval_working_days,
               updated_by = excluded.updated_by, updated_at = now()""",
        company_id,
        ladder.reminder,
        ladder.follow_up,
        ladder.escalation,
        deemed_approval,
        ladder.deemed_approval,
        updated_by,
    )


async def record_steps(
    conn: asyncpg.Connection, reached: Sequence[tuple[uuid.UUID, datetime, str, uuid.UUID, int]], slot: datetime
) -> list[tuple[uuid.UUID, str]]:
    """Records (entry_id, submitted_at, step, company_id, version) rows reached in the run of ``slot``, in one
    statement (version 0 for a mail step, the entry's version for deemed approval); returns the (entry_id, step)
    pairs newly recorded (a step reached in an earlier run is not returned)."""
    if not reached:
        return []
    rows = await conn.fetch(
        """insert into ladder_steps (entry_id, submitted_at, step, company_id, version, slot)
           select e, s, st, c, v, $6
           from unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::uuid[], $5::int[]) as t(e, s, st, c, v)
           on conflict (entry_id, submitted_at, step, version) do nothing
           returning entry_id, step""",
        [r[0] for r in reached],
        [r[1] for r in reached],
        [r[2] for r in reached],
        [r[3] for r in reached],
        [r[4] for r in reached],
        slot,
    )
    return [(r["entry_id"], r["step"]) for r in rows]
