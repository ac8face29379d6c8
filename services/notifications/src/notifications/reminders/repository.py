"""All SQL of the reminder ladder."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

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
    return {
        r["company_id"]: Ladder(
            reminder=r["reminder_working_days"],
            follow_up=r["follow_up_working_days"],
            escalation=r["escalation_working_days"],
            deemed_approval=r["deemed_approval_working_days"] if r["deemed_approval"] else None,
        )
        for r in rows
    }
