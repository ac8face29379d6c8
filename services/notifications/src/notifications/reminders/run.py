"""The reminder run (issue 14): once per working day at 07:00 (agency time) the ladder is climbed for every
entry pending approval, set-based: one read of everything pending, one read of the companies' ladders, one
insert recording the steps reached (``ladder_steps``), then the mails of the companies that reached a step
(one per addressee, for the highest step reached in the run) and, where a company opted in, one
``DeemedApprovalDue`` into the outbox, all in the run's (the slot's claiming) transaction.

A step is reached once per submission of an entry; the mails' event id is ``uuid5(company, step, slot)``, so
a run that crashed and runs again plans the same mails (same Message-IDs) and a slot claimed once never mails
twice (:mod:`vikar_shared.scheduling`)."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

import asyncpg
from fastapi import FastAPI

from notifications.companies import reads as companies
from notifications.config import NotificationsSettings
from notifications.directory import reads as directory
from notifications.directory.models import Recipient
from notifications.emails import service as emails
from notifications.emails.models import MailContext, PlannedEmail, normalise_address
from notifications.pending import reads as pending
from notifications.pending.models import PendingEntry, working_days_waited
from notifications.reminders import reads, repository
from notifications.reminders.mail import Addressee, ListedHours, plan_ladder_mail
from notifications.reminders.models import MAIL_STEPS, Ladder, Step, steps_reached
from vikar_shared.calendar import WorkingDayCalendar
from vikar_shared.clock import agency_date
from vikar_shared.events.notifications import DeemedApprovalDue, DueEntry
from vikar_shared.outbox import add_event
from vikar_shared.scheduling import Daily, Schedule

log = logging.getLogger(__name__)

JOB = "approval-reminders"
SOURCE = "notifications"
WHEN = Daily(at=time(7, 0), weekdays=frozenset(range(5)))


def reminder_schedule(context: MailContext, agency: str) -> Schedule:
    """The ``approval-reminders`` schedule: daily at 07:00 Monday to Friday (a public holiday or closed day is
    skipped by the run itself)."""

    async def run(conn: asyncpg.Connection, app: FastAPI, slot: datetime) -> Mapping[str, Any]:
        settings: NotificationsSettings = app.state.settings
        return await run_ladder(
            conn,
            slot,
            settings.working_days(),
            settings.default_ladder(),
            settings.deemed_approval_working_days,
            context,
            agency,
        )

    return Schedule(JOB, WHEN, run)


def _by_id(entry: PendingEntry) -> uuid.UUID:
    return entry.entry_id


def _ages(entries: list[PendingEntry], calendar: WorkingDayCalendar, today: date) -> dict[date, int]:
    """Working days waited per agency date of submission (few distinct dates: computed once each)."""
    first_of_day = {agency_date(e.submitted_at): e.submitted_at for e in entries}
    return {d: working_days_waited(at, today, calendar) for d, at in first_of_day.items()}


async def run_ladder(
    conn: asyncpg.Connection,
    slot: datetime,
    calendar: WorkingDayCalendar,
    default: Ladder,
    default_deemed_days: int,
    context: MailContext,
    agency: str,
) -> dict[str, Any]:
    """One run at ``slot`` (its agency date is "today"); returns counts (entries, steps, mails, deemed)."""
    today = agency_date(slot)
    if not calendar.is_working_day(today):
        return {"skipped": f"{today.isoformat()} is not a working day"}
    entries = await pending.pending_entries(conn)
    by_company: dict[uuid.UUID, list[PendingEntry]] = defaultdict(list)
    for e in entries:
        by_company[e.company_id].append(e)
    ladders = await reads.ladders_for(conn, list(by_company), default)
    ages = _ages(entries, calendar, today)
    # A mail step is reached once per submission of an entry. Deemed approval once per version of it: timesheet
    # approves only the version asked about, so a change (a new version) lets the next run ask again.
    reached = [
        (e.entry_id, e.submitted_at, step.value, e.company_id, e.version if step is Step.DEEMED_APPROVAL else 0)
        for e in entries
        for step in steps_reached(ladders[e.company_id], ages[agency_date(e.submitted_at)])
    ]
    new = await repository.record_steps(conn, reached, slot)
    entry_company = {e.entry_id: e.company_id for e in entries}
    highest: dict[uuid.UUID, Step] = {}
    deemed: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for entry_id, step_value in new:
        step, company_id = Step(step_value), entry_company[entry_id]
        if step is Step.DEEMED_APPROVAL:
            deemed[company_id].append(entry_id)
        elif company_id not in highest or step.rank > highest[company_id].rank:
            highest[company_id] = step
    planned: list[PlannedEmail] = []
    for company_id, step in sorted(highest.items()):
        planned.extend(
            await _company_mails(
                conn, company_id, step, ladders[company_id], by_company[company_id], slot, today, context, agency
            )
        )
    queued = await emails.enqueue(conn, planned)
    for company_id, entry_ids in sorted(deemed.items()):
        ladder = ladders[company_id]
        wanted = set(entry_ids)
        listed = [e for e in by_company[company_id] if e.entry_id in wanted]
        await add_event(
            conn,
            DeemedApprovalDue(
                company_id=company_id,
                entries=[DueEntry(entry_id=e.entry_id, version=e.version) for e in sorted(listed, key=_by_id)],
                decided_at=slot,
                working_days=ladder.deemed_approval or default_deemed_days,
            ),
            source=SOURCE,
            subject=company_id,
            key=company_id,
        )
    return {
        "today": today.isoformat(),
        "pending_entries": len(entries),
        "companies": len(by_company),
        "steps_reached": len(new),
        "companies_mailed": len(highest),
        "mails_queued": queued,
        "deemed_approval_due": len(deemed),
    }


def _listed(entries: list[PendingEntry]) -> list[ListedHours]:
    return [ListedHours(e.citizen_name, e.work_date, e.minutes) for e in entries]


async def _addressees(
    conn: asyncpg.Connection, company_id: uuid.UUID, step: Step, entries: list[PendingEntry], today: date
) -> list[Addressee]:
    """The approvers; at escalation also the backup approvers in force ``today`` and the consultants responsible
    for the pending hours' placements. Each address once (the first role found wins)."""
    found = [
        Addressee(Recipient(a.email, a.name, a.language), "approver")
        for a in await companies.approvers_of(conn, company_id)
    ]
    if step is Step.ESCALATION:
        found += [Addressee(r, "backup") for r in await companies.backup_approvers_on(conn, company_id, today)]
        placements = sorted({e.placement_id for e in entries})
        found += [
            Addressee(s.recipient(), "consultant") for s in await directory.consultants_of_placements(conn, placements)
        ]
    unique: dict[str, Addressee] = {}
    for a in found:
        unique.setdefault(normalise_address(a.recipient.email), a)
    return list(unique.values())


async def _company_mails(
    conn: asyncpg.Connection,
    company_id: uuid.UUID,
    step: Step,
    ladder: Ladder,
    entries: list[PendingEntry],
    slot: datetime,
    today: date,
    context: MailContext,
    agency: str,
) -> list[PlannedEmail]:
    assert step in MAIL_STEPS
    days = {Step.REMINDER: ladder.reminder, Step.FOLLOW_UP: ladder.follow_up, Step.ESCALATION: ladder.escalation}
    name = await companies.company_name(conn, company_id)
    hours = _listed(entries)
    addressees = await _addressees(conn, company_id, step, entries, today)
    if not addressees:
        log.warning("pending hours but nobody to remind", extra={"fields": {"company_id": str(company_id)}})
    return [
        plan_ladder_mail(
            step=step,
            days=days[step],
            company_id=company_id,
            company_name=name,
            slot=slot,
            addressee=a,
            hours=hours,
            agency=agency,
            context=context,
        )
        for a in addressees
    ]
