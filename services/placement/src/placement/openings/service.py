"""Job openings: reported by a company, followed up within working days, then filled, handed over or withdrawn."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from uuid import UUID

import asyncpg

from placement.agreements import service as agreements
from placement.audit.repository import record
from placement.companies import service as companies
from placement.field_rules import refuse_cpr
from placement.openings import repository
from placement.openings.models import (
    FollowUp,
    FollowUpRule,
    HandOverReason,
    Opening,
    OpeningInput,
    OpeningStatus,
    check_contact,
    is_overdue,
    require_open,
)
from vikar_shared.auth import Principal, Role
from vikar_shared.db import lock_natural_key
from vikar_shared.errors import duplicate, invalid, not_found
from vikar_shared.events.placement import JobOpeningChanged
from vikar_shared.outbox import add_event


def _visible(viewer: Principal, o: Opening) -> bool:
    if viewer.role is Role.MUNICIPALITY:
        # A job order handed to a municipality is theirs to recruit for.
        return o.status == "handed_over" and o.municipality_id == viewer.municipality_id
    return viewer.may_see_company(o.company_id)


async def _emit(conn: asyncpg.Connection, o: Opening) -> None:
    await add_event(
        conn,
        JobOpeningChanged(
            opening_id=o.id,
            company_id=o.company_id,
            status=o.status,
            job_category=o.job_category,
            hours_per_week_minutes=o.hours_per_week_minutes,
            handed_over_reason=o.handed_over_reason,
            municipality_id=o.municipality_id,
        ),
        source="placement",
        subject=o.id,
    )


async def _reporting_company(conn: asyncpg.Connection, actor: Principal, requested: UUID | None) -> UUID:
    if actor.role is Role.COMPANY_APPROVER:
        # Another company's id is answered as if it did not exist.
        if requested is not None and requested != actor.company_id:
            raise invalid("company_id", "exists", "No company with that id")
        assert actor.company_id is not None
        requested = actor.company_id
    if requested is None:
        raise invalid("company_id", "required", "company_id names the company that has the opening")
    if not await companies.company_exists(conn, requested):
        raise invalid("company_id", "exists", "No company with that id")
    return requested


async def report_opening(conn: asyncpg.Connection, actor: Principal, body: OpeningInput, today: date) -> Opening:
    """Reports an open opening; emits JobOpeningChanged. Errors: 409 ``opening-exists``; 422 ``exists``,
    ``required`` (company_id), ``phone-or-email`` (contact), ``cpr-not-allowed`` (``job_category`` holding a CPR
    number: it leaves placement on ``placement.job_opening_changed``)."""
    refuse_cpr([("job_category", body.job_category)])
    company_id = await _reporting_company(conn, actor, body.company_id)
    check_contact(body.contact.phone, body.contact.email)
    opening = Opening(
        id=uuid.uuid4(),
        company_id=company_id,
        job_category=body.job_category.strip(),
        tasks=body.tasks.strip(),
        hours_per_week_minutes=body.hours_per_week_minutes,
        contact_name=body.contact.name.strip(),
        contact_phone=body.contact.phone,
        contact_email=str(body.contact.email).lower() if body.contact.email else None,
        wished_start=body.wished_start,
        status="open",
        handed_over_reason=None,
        municipality_id=None,
        reported_on=today,
        followed_up_on=None,
    )
    # The same open opening reported again (same company, job, tasks, hours and contact) is a retry or a
    # double click: refused, naming the open one. Two positions of one job are one opening with its hours,
    # or reported with their own tasks; once the first is filled or withdrawn, the same job may come again.
    await lock_natural_key(conn, "placement.opening", company_id)
    existing = await repository.same_open_opening(conn, opening)
    if existing is not None:
        raise duplicate(
            "opening-exists", f"This job is already reported and open (opening {existing})", "opening", existing
        )
    await repository.insert_opening(conn, opening, actor.subject)
    await record(
        conn,
        actor=actor.subject,
        action="opening.reported",
        subject=opening.id,
        details={"company_id": str(company_id), "hours_per_week_minutes": opening.hours_per_week_minutes},
    )
    await _emit(conn, opening)
    return opening


async def _visible_opening(
    conn: asyncpg.Connection, viewer: Principal, opening_id: UUID, *, lock: bool = False
) -> Opening:
    opening = await repository.get_opening(conn, opening_id, lock=lock)
    if opening is None or not _visible(viewer, opening):
        raise not_found("opening")
    return opening


async def get_opening(conn: asyncpg.Connection, viewer: Principal, opening_id: UUID) -> Opening:
    return await _visible_opening(conn, viewer, opening_id)


async def list_openings(
    conn: asyncpg.Connection,
    viewer: Principal,
    today: date,
    working_days: FollowUpRule,
    *,
    overdue: bool | None,
    status: OpeningStatus | None,
    company_id: UUID | None,
) -> list[Opening]:
    """The openings the viewer may see; ``overdue`` filters on being overdue on ``today``."""
    if viewer.role is Role.COMPANY_APPROVER:
        company_id = viewer.company_id
    handed_over_to = viewer.municipality_id if viewer.role is Role.MUNICIPALITY else None
    if overdue:
        status = "open"
    rows = await repository.list_openings(conn, company_id=company_id, handed_over_to=handed_over_to, status=status)
    found = [o for o in rows if _visible(viewer, o)]
    if overdue is None:
        return found
    return [o for o in found if is_overdue(o.status, o.reported_on, o.followed_up_on, working_days, today) is overdue]


async def record_follow_up(
    conn: asyncpg.Connection,
    actor: Principal,
    opening_id: UUID,
    note: str | None,
    today: date,
) -> Opening:
    opening = await _visible_opening(conn, actor, opening_id, lock=True)
    # The same follow-up recorded twice (same day, same person, same note) is replayed: the opening is
    # answered as after the first, and nothing is stored or announced again.
    if await repository.same_follow_up(conn, opening.id, today, note, actor.subject) is not None:
        return opening
    await repository.insert_follow_up(conn, uuid.uuid4(), opening.id, today, note, actor.subject)
    # The note may describe people; it goes neither to the audit details nor to the event.
    await record(conn, actor=actor.subject, action="opening.followed_up", subject=opening.id)
    followed = replace(opening, followed_up_on=max(today, opening.followed_up_on or today))
    await _emit(conn, followed)
    return followed


async def list_follow_ups(conn: asyncpg.Connection, viewer: Principal, opening_id: UUID) -> list[FollowUp]:
    opening = await _visible_opening(conn, viewer, opening_id)
    return await repository.list_follow_ups(conn, opening.id)


async def _change_status(
    conn: asyncpg.Connection,
    actor: Principal,
    opening: Opening,
    status: OpeningStatus,
    today: date,
    *,
    reason: HandOverReason | None = None,
    municipality_id: UUID | None = None,
) -> Opening:
    require_open(opening.status)
    await repository.set_status(conn, opening.id, status, today, reason=reason, municipality_id=municipality_id)
    changed = replace(
        opening,
        status=status,
        handed_over_reason=reason,
        municipality_id=municipality_id,
        followed_up_on=max(today, opening.followed_up_on or today),
    )
    details: dict[str, object] = {"from": opening.status, "to": status}
    if reason is not None:
        details |= {"reason": reason, "municipality_id": str(municipality_id)}
    await record(conn, actor=actor.subject, action=f"opening.{status}", subject=opening.id, details=details)
    await _emit(conn, changed)
    return changed


async def hand_over(
    conn: asyncpg.Connection,
    actor: Principal,
    opening_id: UUID,
    *,
    reason: HandOverReason,
    municipality_id: UUID,
    today: date,
) -> Opening:
    """Hands an open opening to ``municipality_id``. Errors: 404 ``opening``; 409 ``opening-not-open``;
    422 ``exists`` (municipality_id)."""
    opening = await _visible_opening(conn, actor, opening_id, lock=True)
    require_open(opening.status)
    if await agreements.municipality_name(conn, municipality_id) is None:
        raise invalid("municipality_id", "exists", "No municipality with that id")
    return await _change_status(
        conn, actor, opening, "handed_over", today, reason=reason, municipality_id=municipality_id
    )


async def close(
    conn: asyncpg.Connection,
    actor: Principal,
    opening_id: UUID,
    status: OpeningStatus,
    today: date,
) -> Opening:
    """Marks an open opening filled (outside a placement) or withdrawn."""
    opening = await _visible_opening(conn, actor, opening_id, lock=True)
    return await _change_status(conn, actor, opening, status, today)


async def fill_for_placement(
    conn: asyncpg.Connection, actor: Principal, opening_id: UUID, company_id: UUID, today: date
) -> Opening:
    """Placing a citizen from an opening fills it, in the placement's own transaction."""
    opening = await repository.get_opening(conn, opening_id, lock=True)
    if opening is None:
        raise invalid("opening_id", "exists", "No opening with that id")
    if opening.company_id != company_id:
        raise invalid("opening_id", "same-company", "The opening belongs to another company than the placement")
    return await _change_status(conn, actor, opening, "filled", today)


async def overdue_openings_of(
    conn: asyncpg.Connection, consultant_id: str, company_ids: set[UUID], on: date, rule: FollowUpRule
) -> list[Opening]:
    """Issue 14 (part A, the consultant digest): the open openings not followed up within ``rule`` on ``on`` that
    are the consultant's: reported by them, or of a company where they have an active placement. Oldest first."""
    rows = await repository.open_openings_of(conn, consultant_id, sorted(company_ids))
    return [o for o in rows if is_overdue(o.status, o.reported_on, o.followed_up_on, rule, on)]
