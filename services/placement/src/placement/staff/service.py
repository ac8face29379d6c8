"""Use cases of the staff directory (issue 14): add, change, deactivate (never delete), list and read.

Every change is audited (``staff.added``, ``staff.changed``) and emits ``StaffMemberChanged`` carrying the
whole member, in the change's transaction, so notifications' directory replaces, never merges."""

from __future__ import annotations

import uuid
from dataclasses import asdict, replace
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from placement.activities import service as activities
from placement.audit.repository import record
from placement.companies import service as companies
from placement.field_rules import refuse_cpr
from placement.openings import service as openings
from placement.openings.models import FollowUpRule, follow_up_due_on
from placement.staff import repository
from placement.staff.models import (
    ConsultantDigest,
    DigestFollowUp,
    DigestOpening,
    StaffChanges,
    StaffInput,
    StaffMember,
)
from vikar_shared.auth import Principal, Role
from vikar_shared.errors import duplicate, forbidden, invalid, not_found
from vikar_shared.events.placement import StaffMemberChanged
from vikar_shared.outbox import add_event

SOURCE = "placement"


def _text(raw: str, field: str) -> str:
    if not raw.strip():
        raise invalid(field, "not-blank", f"{field} cannot be blank")
    return raw.strip()


def _json(member: StaffMember, only: set[str] | None = None) -> dict[str, object]:
    """The member as the audit trail stores it (JSON values; ``only``: just these fields)."""
    fields = {k: v for k, v in asdict(member).items() if k not in ("staff_id", "created_at", "updated_at")}
    return {k: v for k, v in fields.items() if only is None or k in only}


async def _announce(conn: asyncpg.Connection, member: StaffMember) -> None:
    event = StaffMemberChanged(
        staff_id=member.staff_id,
        subject=member.subject,
        name=member.name,
        email=member.email,
        role=member.role,
        active=member.active,
        language=member.language,
    )
    await add_event(conn, event, source=SOURCE, subject=member.staff_id)


async def add_member(conn: asyncpg.Connection, actor: Principal, body: StaffInput) -> StaffMember:
    """Adds a member; audits ``staff.added`` and emits StaffMemberChanged. Errors: 409 ``staff-subject-taken``
    (``existing`` names the member with that subject); 422 ``not-blank`` (``subject``, ``name``),
    ``cpr-not-allowed`` (a name or address holding a CPR number: they leave placement on its events)."""
    refuse_cpr([("subject", body.subject), ("name", body.name), ("email", body.email)])
    member = StaffMember(
        staff_id=uuid.uuid4(),
        subject=_text(body.subject, "subject"),
        name=_text(body.name, "name"),
        email=body.email.lower(),
        role=body.role,
        active=body.active,
        language=body.language,
    )
    if not await repository.insert_member(conn, member, actor.subject):
        existing = await repository.member_with_subject(conn, member.subject)
        detail = "A staff member already signs in with this subject"
        raise duplicate("staff-subject-taken", detail, "staff", existing.staff_id if existing else "")
    await record(conn, actor=actor.subject, action="staff.added", subject=member.staff_id, details=_json(member))
    await _announce(conn, member)
    return await repository.get_member(conn, member.staff_id) or member


async def change_member(
    conn: asyncpg.Connection, actor: Principal, staff_id: UUID, changes: StaffChanges
) -> StaffMember:
    """Changes the fields sent (``active`` false deactivates); audits ``staff.changed`` with the changed fields
    and emits StaffMemberChanged when something changed (a repeated change writes nothing). Errors: 404
    ``staff-not-found``; 422 ``not-blank``, ``cpr-not-allowed``."""
    refuse_cpr([(k, v) for k, v in changes.items() if k in ("name", "email") and isinstance(v, str)])
    fields: dict[str, Any] = {**changes}
    if "name" in fields:
        fields["name"] = _text(fields["name"], "name")
    if "email" in fields:
        fields["email"] = fields["email"].lower()
    current = await repository.lock_member(conn, staff_id)
    if current is None:
        raise not_found("staff")
    updated = replace(current, **fields)
    changed = {f for f in fields if getattr(current, f) != getattr(updated, f)}
    if not changed:
        return current
    await repository.update_member(conn, updated)
    await record(
        conn,
        actor=actor.subject,
        action="staff.changed",
        subject=staff_id,
        details={"changed": _json(updated, changed)},
    )
    await _announce(conn, updated)
    return await repository.get_member(conn, staff_id) or updated


async def get_member(conn: asyncpg.Connection, staff_id: UUID) -> StaffMember:
    """Errors: 404 ``staff-not-found``."""
    member = await repository.get_member(conn, staff_id)
    if member is None:
        raise not_found("staff")
    return member


async def list_members(
    conn: asyncpg.Connection, *, role: str | None, active: bool | None, limit: int, offset: int
) -> list[StaffMember]:
    """Members by name (then id, so pages are stable), optionally of one role and/or activity."""
    return await repository.list_members(conn, role=role, active=active, limit=limit, offset=offset)


async def member_with_subject(conn: asyncpg.Connection, subject: str) -> StaffMember | None:
    """The member signing in with ``subject`` (for other domains: the consultant digest names them)."""
    return await repository.member_with_subject(conn, subject)


async def consultant_digest(
    conn: asyncpg.Connection, viewer: Principal, consultant_id: str, week: str | None, today: date, rule: FollowUpRule
) -> ConsultantDigest:
    """Issue 14 (part A): the follow-ups ``consultant_id`` owes in ``week`` (``2026-W49``; default: this week; see
    ``activities.service.follow_ups_owed``) and their openings not followed up within ``rule`` (reported by them or
    of a company where they have an active placement), judged on today clamped into the week. Names only (citizen,
    company), never a CPR number or a note. Who may ask: the service role and admins for anyone, a consultant for
    themselves. Errors: 403 ``forbidden``; 422 ``iso-week-invalid``, ``iso-week-out-of-range`` (week)."""
    if viewer.role not in (Role.SERVICE, Role.ADMIN) and viewer.subject != consultant_id:
        raise forbidden("A consultant reads their own digest only")
    owed = await activities.follow_ups_owed_by(conn, consultant_id, week, today)
    monday = owed.week_starts_on
    as_of = min(max(today, monday), monday + timedelta(days=6))
    company_ids = {d.company_id for d in owed.due}
    placed_at = await activities.companies_of_consultant(conn, consultant_id)
    late = await openings.overdue_openings_of(conn, consultant_id, placed_at, as_of, rule)
    names = await companies.company_names(conn, sorted(company_ids | {o.company_id for o in late}))
    return ConsultantDigest(
        consultant_id=consultant_id,
        week=owed.week,
        week_starts_on=monday,
        as_of=as_of,
        follow_ups=[
            DigestFollowUp(
                d.placement_id,
                d.citizen_name,
                d.company_id,
                names.get(d.company_id, ""),
                d.activity_type,
                d.due_on,
                d.overdue,
            )
            for d in owed.due
        ],
        overdue_openings=[
            DigestOpening(
                o.id,
                o.company_id,
                names.get(o.company_id, ""),
                o.job_category,
                o.reported_on,
                follow_up_due_on(o.reported_on, o.followed_up_on, rule),
            )
            for o in late
        ],
    )
