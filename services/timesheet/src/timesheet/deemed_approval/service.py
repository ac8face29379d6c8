"""Deemed approval (issue 14): a company that opted in lets the agency approve hours left pending past its
deadline. Notifications' reminder run decides when (``DeemedApprovalDue``); this service approves, as
*deemed approved*, each listed entry that is still submitted at the version the run listed (a change or a
decision since bumped it: left alone), and tells notifications once (``EntriesDeemedApproved``) so the approvers
hear what was approved."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from timesheet.entries import service as entries
from timesheet.entries.models import Entry
from vikar_shared.events.notifications import DeemedApprovalDue
from vikar_shared.events.timesheet import DeemedEntry, EntriesDeemedApproved
from vikar_shared.outbox import add_event

SOURCE = "timesheet"


async def approve_due(
    conn: asyncpg.Connection, due_event_id: UUID, due: DeemedApprovalDue, now: datetime
) -> list[Entry]:
    """Approves, at ``now`` (the app's clock), the entries ``due`` lists that are the company's and still
    submitted at the listed version (an entry decided or changed since is left alone), each with its history row
    and ``EntryApproved`` (``status_reason`` ``deemed_approved``), and one ``EntriesDeemedApproved`` when any
    was approved. Returns those approved."""
    versions = {e.entry_id: e.version for e in due.entries}
    approved = await entries.approve_as_deemed(conn, due.company_id, versions, decided_at=now)
    if approved:
        approved_at = max(e.decision()[1] for e in approved)
        await add_event(
            conn,
            EntriesDeemedApproved(
                company_id=due.company_id,
                due_event_id=due_event_id,
                deemed_approved_at=approved_at,
                entries=[
                    DeemedEntry(
                        entry_id=e.id,
                        placement_id=e.placement_id,
                        citizen_name=e.citizen_name,
                        work_date=e.work_date,
                        minutes=e.minutes,
                    )
                    for e in approved
                ],
            ),
            source=SOURCE,
            subject=due.company_id,
            key=due.company_id,
        )
    return approved
