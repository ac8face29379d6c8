"""The onboarding and retention log: activities per citizen, the citizen's timeline, follow-ups owed."""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

import asyncpg

from placement.activities import repository
from placement.activities.models import (
    ActivePlacement,
    Activity,
    ActivityInput,
    ActivityRecorded,
    Timeline,
    TimelineItem,
    WeekOfFollowUps,
    check_activity,
    follow_ups_due,
    monday_of,
    parse_iso_week,
)
from placement.audit.repository import record
from placement.citizens import service as citizens
from placement.citizens.models import ReferralRecorded
from placement.placements import service as placements
from placement.placements.models import StatusChangeRecorded
from vikar_shared.auth import Principal, Role
from vikar_shared.db import lock_natural_key
from vikar_shared.errors import duplicate, forbidden, invalid, not_found
from vikar_shared.events.placement import ActivityLogged
from vikar_shared.outbox import add_event


async def log_activity(
    conn: asyncpg.Connection, actor: Principal, citizen_id: UUID, body: ActivityInput, today: date
) -> Activity:
    """Logs an activity; emits ActivityLogged (without the note). Errors: 404 ``citizen``; 409
    ``activity-exists``; 422 ``required-for-preboarding``, ``only-for-preboarding``, ``required-for-follow-up``,
    ``not-in-future``, ``citizens-placement``."""
    if await citizens.citizen_name(conn, citizen_id) is None:
        raise not_found("citizen")
    check_activity(body.activity_type, body.attendance, body.placement_id is not None, body.occurred_on, today)
    if body.placement_id is not None and await placements.placement_citizen(conn, body.placement_id) != citizen_id:
        raise invalid("placement_id", "citizens-placement", "No placement of this citizen with that id")
    activity = Activity(
        id=uuid.uuid4(),
        citizen_id=citizen_id,
        activity_type=body.activity_type,
        attendance=body.attendance,
        placement_id=body.placement_id,
        occurred_on=body.occurred_on,
        logged_by=actor.subject,
        note=body.note,
    )
    # The same activity logged twice (same type, day, placement, attendance and note) is a retry or a double
    # click: refused, naming the first. Two conversations on one day with different notes are two activities.
    await lock_natural_key(conn, "placement.activity", citizen_id)
    existing = await repository.same_activity(conn, activity)
    if existing is not None:
        raise duplicate(
            "activity-exists", f"This activity is already logged (activity {existing})", "activity", existing
        )
    await repository.insert_activity(conn, activity)
    # The note may hold sensitive text: it stays in the activity row, out of audit details and events.
    await record(
        conn,
        actor=actor.subject,
        action="activity.logged",
        subject=activity.id,
        details={"citizen_id": str(citizen_id), "activity_type": activity.activity_type},
    )
    await add_event(
        conn,
        ActivityLogged(
            activity_id=activity.id,
            citizen_id=citizen_id,
            activity_type=activity.activity_type,
            occurred_on=activity.occurred_on,
            logged_by=activity.logged_by,
            placement_id=activity.placement_id,
        ),
        source="placement",
        subject=activity.id,
        key=citizen_id,
    )
    return activity


def _for_municipality(items: list[TimelineItem], municipality_id: UUID | None) -> list[TimelineItem]:
    """What a municipality may see: its own referrals and the placements made under them, and activities
    not tied to another municipality's placement (the notes are left out by ``TimelineOut.of``)."""
    own_placements = {
        i.placement_id for i in items if isinstance(i, StatusChangeRecorded) and i.municipality_id == municipality_id
    }
    visible: list[TimelineItem] = []
    for item in items:
        if isinstance(item, ActivityRecorded):
            seen = item.placement_id is None or item.placement_id in own_placements
        else:
            seen = item.municipality_id == municipality_id
        if seen:
            visible.append(item)
    return visible


async def timeline(conn: asyncpg.Connection, viewer: Principal, citizen_id: UUID) -> Timeline:
    """The citizen's case history: agency staff see it all; a municipality what :func:`_for_municipality`
    leaves, and only of a citizen it referred. Errors: 404 ``citizen``; 403 for companies."""
    name = await citizens.citizen_name(conn, citizen_id)
    if name is None:
        raise not_found("citizen")
    items: list[TimelineItem] = [
        *await citizens.referrals_recorded(conn, citizen_id),
        *await placements.status_changes_recorded(conn, citizen_id),
        *await repository.activities_of(conn, citizen_id),
        *await citizens.name_changes_recorded(conn, citizen_id),
    ]
    if viewer.role is Role.MUNICIPALITY:
        if not any(isinstance(i, ReferralRecorded) and i.municipality_id == viewer.municipality_id for i in items):
            raise not_found("citizen")
        items = _for_municipality(items, viewer.municipality_id)
    elif not viewer.is_agency_staff:
        raise forbidden("Companies never see a citizen's case history")
    items.sort(key=lambda i: (i.occurred_on, i.recorded_at))
    return Timeline(citizen_id=citizen_id, citizen_name=name, items=items)


async def follow_ups_owed(
    conn: asyncpg.Connection, consultant: Principal, week: str | None, today: date
) -> WeekOfFollowUps:
    """The follow-ups the consultant owes in ``week`` (``2026-W48``; default: the week of ``today``).
    Errors: 422 ``iso-week-invalid``, ``iso-week-out-of-range`` (week)."""
    return await follow_ups_owed_by(conn, consultant.subject, week, today)


async def follow_ups_owed_by(
    conn: asyncpg.Connection, consultant_id: str, week: str | None, today: date
) -> WeekOfFollowUps:
    """:func:`follow_ups_owed` of the consultant signing in as ``consultant_id`` (issue 14: the consultant digest,
    read by the service role or an admin on the consultant's behalf; the caller checks who may ask)."""
    monday = parse_iso_week(week) if week is not None else monday_of(today)
    iso = monday.isocalendar()
    active = await placements.active_placements_of(conn, consultant_id)
    logged = await repository.follow_ups_logged(conn, [p.id for p in active])
    owed = [
        ActivePlacement(
            placement_id=p.id,
            citizen_id=p.citizen_id,
            citizen_name=p.citizen_name,
            company_id=p.company_id,
            start_date=p.start_date,
            end_date=p.end_date,
            follow_ups_logged=logged.get(p.id, frozenset()),
        )
        for p in active
    ]
    return WeekOfFollowUps(
        consultant_id=consultant_id,
        week=f"{iso.year}-W{iso.week:02d}",
        week_starts_on=monday,
        due=follow_ups_due(owed, monday),
    )


async def companies_of_consultant(conn: asyncpg.Connection, consultant_id: str) -> set[UUID]:
    """The companies where the consultant has an active placement (issue 14: whose openings they follow up)."""
    return {p.company_id for p in await placements.active_placements_of(conn, consultant_id)}
