"""Deemed approval (issue 14): a company that opted in lets the agency approve hours left pending past its
deadline. Notifications' reminder run decides when (``DeemedApprovalDue``); this service approves, as
*deemed approved*, each listed entry that is still submitted, was submitted at or before the cut-off and was
not changed since the run decided, and tells notifications once (``EntriesDeemedApproved``) so the approvers
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
    conn: asyncpg.Connection, due_event_id: UUID, due: DeemedApprovalDue, requested_at: datetime
) -> list[Entry]:
    """Approves the entries ``due`` lists that are still pending (an entry decided or changed after
    ``requested_at``, the moment notifications wrote the request, is left alone), each with its history row and
    ``EntryApproved`` (``status_reason`` ``deemed_approved``), and one ``EntriesDeemedApproved`` when any was
    approved. Returns those approved."""
    approved = await entries.approve_as_deemed(
        conn, due.company_id, due.entry_ids, submitted_before=due.submitted_before, unchanged_since=requested_at
    )
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
