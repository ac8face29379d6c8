"""Use cases around submitted hours: keep them, and plan their approval e-mails once approvers are known."""

from __future__ import annotations

import uuid

import asyncpg

from notifications.companies import reads as companies
from notifications.emails import service as outbox
from notifications.emails.models import MailContext
from notifications.submissions import repository
from notifications.submissions.approval_mail import plan_approval_email
from notifications.submissions.models import Submission, SubmittedHours
from vikar_shared.events.timesheet import EntryChanged, HoursSubmitted


def submission_from_event(event_id: uuid.UUID, data: HoursSubmitted) -> Submission:
    return Submission(
        event_id=event_id,
        submission_id=data.submission_id,
        placement_id=data.placement_id,
        company_id=data.company_id,
        citizen_name=data.citizen_name,
        entries=tuple(SubmittedHours(e.entry_id, e.work_date, e.minutes, e.corrects_entry_id) for e in data.entries),
    )


async def record_submission(
    conn: asyncpg.Connection, event_id: uuid.UUID, data: HoursSubmitted, context: MailContext
) -> int:
    """Stores the submission and, if its company's approvers are known, plans their e-mails now.

    Returns how many e-mails were planned."""
    await companies.lock_company(conn, data.company_id)
    await repository.insert_submission(conn, submission_from_event(event_id, data))
    return await plan_waiting_approval_emails(conn, data.company_id, context)


async def record_change(conn: asyncpg.Connection, data: EntryChanged) -> bool:
    """A submitted entry changed before any decision. No e-mail of its own: an entry is changed only
    while undecided, and the approver decides on the entry as it then stands (the pending page shows
    it, an approval at an older version is refused), so a mail per change would add only noise.
    A submission still waiting for its approvers' e-mails gets the new values, so the mail, once
    planned, shows what awaits approval. True when a waiting submission was changed."""
    await companies.lock_company(conn, data.company_id)
    return await repository.change_waiting_entry(conn, data.submission_id, data.entry_id, data.work_date, data.minutes)


async def plan_waiting_approval_emails(conn: asyncpg.Connection, company_id: uuid.UUID, context: MailContext) -> int:
    """One outbox row per (waiting submission, approver); the caller holds the company lock.

    A submission whose company has no approver yet keeps waiting, so a later CompanyRegistered
    that names approvers still gets it mailed. A planned submission is never planned again: a
    re-registered company does not re-mail old submissions."""
    approvers = await companies.approvers_of(conn, company_id)
    if not approvers:
        return 0
    waiting = await repository.waiting_for_company(conn, company_id)
    if not waiting:
        return 0
    company_name = await companies.company_name(conn, company_id)
    planned = [plan_approval_email(s, a, context, company_name) for s in waiting for a in approvers]
    created = await outbox.enqueue(conn, planned)
    await repository.mark_emails_planned(conn, [s.event_id for s in waiting])
    return created
