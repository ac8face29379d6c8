"""The onboarding and retention log: activities per citizen, the citizen's timeline, follow-ups owed."""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

import asyncpg

from placement.activities import repository
from placement.activities.models import check_activity, follow_ups_due, monday_of, parse_iso_week
from placement.activities.schemas import (
    ActivityCreate,
    ActivityItem,
    ActivityOut,
    FollowUpDueOut,
    FollowUpsOut,
    NameChangeItem,
    PlacementStatusItem,
    ReferralItem,
    TimelineItem,
    TimelineOut,
)
from placement.audit.repository import record
from vikar_shared.auth import Principal, Role
from vikar_shared.db import lock_natural_key
from vikar_shared.errors import duplicate, forbidden, invalid, not_found
from vikar_shared.events.placement import ActivityLogged
from vikar_shared.outbox import add_event


async def log_activity(
    conn: asyncpg.Connection, actor: Principal, citizen_id: UUID, body: ActivityCreate, today: date
) -> ActivityOut:
    if await repository.citizen_name(conn, citizen_id) is None:
        raise not_found("citizen")
    check_activity(body.activity_type, body.attendance, body.placement_id is not None, body.occurred_on, today)
    if body.placement_id is not None and await repository.placement_citizen(conn, body.placement_id) != citizen_id:
        raise invalid("placement_id", "citizens-placement", "No placement of this citizen with that id")
    activity = ActivityOut(
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
        ),
        source="placement",
        subject=activity.id,
        key=citizen_id,
    )
    return activity


def _for_municipality(items: list[TimelineItem], municipality_id: UUID | None) -> list[TimelineItem]:
    """What a municipality may see: its own referrals and the placements made under them, activities
    not tied to another municipality's placement, and no notes."""
    own_placements = {
        i.placement_id for i in items if isinstance(i, PlacementStatusItem) and i.municipality_id == municipality_id
    }
    visible: list[TimelineItem] = []
    for item in items:
        if (
            isinstance(item, ReferralItem | PlacementStatusItem | NameChangeItem)
            and item.municipality_id != municipality_id
        ):
            continue
        if isinstance(item, ActivityItem):
            if item.placement_id is not None and item.placement_id not in own_placements:
                continue
            item = item.model_copy(update={"note": None})
        visible.append(item)
    return visible


async def timeline(conn: asyncpg.Connection, viewer: Principal, citizen_id: UUID) -> TimelineOut:
    name = await repository.citizen_name(conn, citizen_id)
    if name is None:
        raise not_found("citizen")
    items: list[TimelineItem] = [
        *await repository.referrals_of(conn, citizen_id),
        *await repository.placement_changes_of(conn, citizen_id),
        *await repository.activities_of(conn, citizen_id),
        *await repository.name_changes_of(conn, citizen_id),
    ]
    if viewer.role is Role.MUNICIPALITY:
        if not any(isinstance(i, ReferralItem) and i.municipality_id == viewer.municipality_id for i in items):
            raise not_found("citizen")
        items = _for_municipality(items, viewer.municipality_id)
    elif not viewer.is_agency_staff:
        raise forbidden("Companies never see a citizen's case history")
    items.sort(key=lambda i: (i.occurred_on, i.recorded_at))
    return TimelineOut(citizen_id=citizen_id, citizen_name=name, items=items)


async def follow_ups_owed(
    conn: asyncpg.Connection, consultant: Principal, week: str | None, today: date
) -> FollowUpsOut:
    monday = parse_iso_week(week) if week is not None else monday_of(today)
    iso = monday.isocalendar()
    placements = await repository.active_placements_of(conn, consultant.subject)
    return FollowUpsOut(
        consultant_id=consultant.subject,
        week=f"{iso.year}-W{iso.week:02d}",
        week_starts_on=monday,
        due=[FollowUpDueOut.model_validate(d, from_attributes=True) for d in follow_ups_due(placements, monday)],
    )
