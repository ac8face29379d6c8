"""Use cases of the consultant digest (issue 14): plan requests (weekly schedule, on demand) and build them.

Building fetches placement's ``GET /consultant-digest`` with a short-lived service token, adds notifications' own
read models (pending hours past the ladder, active placements without hours for 14 days) and enqueues one mail in
the transaction that marks the request built; a failed fetch leaves the request planned with a backoff."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from notifications.digest import repository
from notifications.digest.mail import plan_digest_mail
from notifications.digest.models import (
    NO_HOURS_DAYS,
    WEEKLY,
    Digest,
    DigestRequest,
    FollowUpLine,
    OpeningLine,
    PendingLine,
    QuietPlacement,
    digest_event_id,
    iso_week,
)
from notifications.directory import reads as directory
from notifications.emails.models import MailContext, RetryPolicy
from notifications.emails.service import enqueue
from notifications.pending import reads as pending
from notifications.pending.models import working_days_waited
from notifications.reminders import reads as reminders
from notifications.reminders.models import Ladder
from vikar_shared.auth import Principal, Role
from vikar_shared.calendar import WorkingDayCalendar
from vikar_shared.clock import agency_date
from vikar_shared.errors import forbidden, invalid, not_found

log = logging.getLogger(__name__)

# Fetches placement's digest of (consultant, week); raises on any failure (network, non-200).
PlacementFetch = Callable[[str, str], Awaitable[Mapping[str, Any]]]


async def plan_weekly(conn: asyncpg.Connection, slot: datetime) -> dict[str, int]:
    """The schedule's job (Monday 07:00): one request per active consultant for the slot's ISO week. Writes only;
    a second run of the same slot (or week) plans nothing more."""
    week = iso_week(agency_date(slot))
    planned = 0
    for consultant in await directory.active_staff(conn, "consultant"):
        planned += await repository.plan(conn, consultant.subject, week, WEEKLY, "schedule", slot)
    return {"planned": planned}


async def request_now(
    conn: asyncpg.Connection, actor: Principal, consultant: str | None, now: datetime
) -> tuple[str, str, bool]:
    """``POST /digests``: plans a digest of this week now (one per consultant and day). A consultant asks for
    themselves (``consultant`` absent or their own subject), an admin names the consultant. Returns (consultant,
    week, newly planned). Errors: 403 ``forbidden``; 422 ``consultant-required`` (an admin naming none); 404
    ``consultant-not-found`` (no active consultant of that subject in the staff directory)."""
    if actor.role is Role.CONSULTANT:
        if consultant not in (None, actor.subject):
            raise forbidden("A consultant asks for their own digest only")
        subject = actor.subject
    elif consultant is None:
        raise invalid("consultant", "consultant-required", "Name the consultant whose digest to send")
    else:
        subject = consultant
    member = await directory.staff_by_subject(conn, subject)
    if member is None or not member.active or member.role != "consultant":
        # Nothing to send to: the request would be planned and skipped, and block the day's next one.
        raise not_found("consultant")
    today = agency_date(now)
    week = iso_week(today)
    planned = await repository.plan(conn, subject, week, today.isoformat(), actor.subject, now)
    return subject, week, planned


def _pending_lines(
    entries: list[Any], ladders: Mapping[Any, Ladder], calendar: WorkingDayCalendar, today: date
) -> list[PendingLine]:
    """Entries pending longer than their company's last ladder step, by citizen and ISO week of work."""
    grouped: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for e in entries:
        waited = working_days_waited(e.submitted_at, today, calendar)
        if waited > ladders[e.company_id].last_step:
            grouped[(e.citizen_name, iso_week(e.work_date))].append((e, waited))
    return [
        PendingLine(
            citizen_name=citizen,
            week=week,
            minutes=sum(e.minutes for e, _ in rows),
            working_days=max(w for _, w in rows),
            submitted_at=min(e.submitted_at for e, _ in rows),
        )
        for (citizen, week), rows in sorted(grouped.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


async def compose(
    conn: asyncpg.Connection,
    consultant_id: str,
    week: str,
    fetched: Mapping[str, Any],
    *,
    default_ladder: Ladder,
    calendar: WorkingDayCalendar,
    today: date,
) -> Digest:
    """The digest from placement's answer (``fetched``) and the read models, judged on ``today``."""
    placements = await directory.placements_of_consultant(conn, consultant_id)
    placement_ids = [p.placement_id for p in placements]
    entries = await pending.pending_entries(conn, placement_ids=placement_ids) if placement_ids else []
    ladders = await reminders.ladders_for(conn, sorted({e.company_id for e in entries}), default_ladder)
    active = [p for p in placements if p.status == "active" and (p.end_date is None or p.end_date >= today)]
    hours = await pending.placement_hours(conn, [p.placement_id for p in active]) if active else {}
    cut = today - timedelta(days=NO_HOURS_DAYS)
    quiet = [
        QuietPlacement(p.citizen_name, hours[p.placement_id].last_work_date if p.placement_id in hours else None)
        for p in active
        if p.start_date <= cut and (p.placement_id not in hours or hours[p.placement_id].last_work_date <= cut)
    ]
    return Digest(
        consultant_id=consultant_id,
        week=week,
        follow_ups=[
            FollowUpLine(
                f["citizen_name"],
                f["company_name"],
                f["activity_type"],
                date.fromisoformat(f["due_on"]),
                bool(f["overdue"]),
            )
            for f in fetched.get("follow_ups", [])
        ],
        openings=[
            OpeningLine(o["company_name"], o["job_category"], date.fromisoformat(o["follow_up_due_on"]))
            for o in fetched.get("overdue_openings", [])
        ],
        pending=_pending_lines(entries, ladders, calendar, today),
        quiet=quiet,
    )


async def build_one(
    conn: asyncpg.Connection,
    fetch: PlacementFetch,
    context: MailContext,
    *,
    now: datetime,
    default_ladder: Ladder,
    calendar: WorkingDayCalendar,
    retry_base_seconds: float,
    retry_max_seconds: float,
) -> DigestRequest | None:
    """Builds the oldest due request (in the caller's transaction): one mail enqueued and the request built, or,
    when the fetch fails, the request left planned for the mail sender's backoff (``RetryPolicy``). A consultant
    unknown to the directory or inactive is ``skipped`` (no mail). Returns the request handled, None when nothing
    was due."""
    request = await repository.claim_due(conn, now)
    if request is None:
        return None
    consultant = await directory.staff_by_subject(conn, request.consultant_id)
    if consultant is None or not consultant.active:
        await repository.finish(conn, request.id, "skipped", now)
        return request
    try:
        fetched = await fetch(request.consultant_id, request.week)
    except Exception as error:  # any failure: nothing written but the retry
        log.warning(
            "consultant digest %s: placement fetch failed (%s); retrying later", request.id, type(error).__name__
        )
        # The mail sender's backoff (base, 2·base, 4·base, … at most max); a digest is retried until it is built.
        policy = RetryPolicy(max_attempts=0, base_seconds=retry_base_seconds, max_seconds=retry_max_seconds)
        wait = timedelta(seconds=policy.delay_after(request.attempts + 1))
        await repository.retry_later(conn, request.id, f"{type(error).__name__}: {error}", now + wait)
        return request
    digest = await compose(
        conn,
        request.consultant_id,
        request.week,
        fetched,
        default_ladder=default_ladder,
        calendar=calendar,
        today=agency_date(now),
    )
    event_id = digest_event_id(request.consultant_id, request.week, request.occasion)
    await enqueue(conn, [plan_digest_mail(digest, consultant, event_id, context)])
    await repository.finish(conn, request.id, "built", now)
    return request


async def requests_of(conn: asyncpg.Connection, consultant_id: str) -> list[dict[str, Any]]:
    """The consultant's digest requests, oldest first (tests, the log)."""
    return [dict(r) for r in await repository.requests_of(conn, consultant_id)]
