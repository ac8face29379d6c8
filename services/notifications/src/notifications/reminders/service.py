"""The ladder settings use cases (``GET``/``PUT /companies/{company_id}/reminder-settings``): who may read and
change a company's ladder, and the rules a ladder keeps."""

from __future__ import annotations

import uuid

import asyncpg

from notifications.companies import reads as companies
from notifications.reminders import repository
from notifications.reminders.models import Ladder, LadderSettings
from vikar_shared.auth.principal import Principal, Role
from vikar_shared.errors import Category, DomainError, FieldViolation, forbidden, not_found

MAX_WORKING_DAYS = 60
SETTINGS_INVALID = "reminder-settings-invalid"
OUT_OF_RANGE = "working-days-out-of-range"
NOT_RISING = "ladder-not-rising"
EDITORS = frozenset({Role.CONSULTANT, Role.ADMIN})


async def ladder_settings(
    conn: asyncpg.Connection, principal: Principal, company_id: uuid.UUID, default: Ladder
) -> LadderSettings:
    """The ladder in force for the company: its own, else ``default`` (deemed approval off). Agency staff see
    every company's, an approver only their own company's (404 ``company-not-found`` otherwise)."""
    if not principal.may_see_company(company_id):
        raise not_found("company")
    found = await repository.settings(conn, company_id)
    if found is None:
        return LadderSettings(company_id, default, custom=False, updated_by=None, updated_at=None)
    ladder, updated_by, updated_at = found
    return LadderSettings(company_id, ladder, custom=True, updated_by=updated_by, updated_at=updated_at)


def checked_ladder(
    *,
    reminder: int,
    follow_up: int,
    escalation: int,
    deemed_approval: bool,
    deemed_approval_working_days: int | None,
    default_deemed_days: int,
) -> Ladder:
    """The ladder a ``PUT`` asks for, or 422 ``reminder-settings-invalid`` listing every broken rule
    (``working-days-out-of-range``: each count 1..60; ``ladder-not-rising``: reminder < follow-up <
    escalation < deemed approval). Deemed approval on without days takes ``default_deemed_days``; off, the
    ladder has no deemed-approval step (days given are checked and kept only when on)."""
    violations: list[FieldViolation] = []
    counts = {
        "reminder_working_days": reminder,
        "follow_up_working_days": follow_up,
        "escalation_working_days": escalation,
    }
    deemed_days = deemed_approval_working_days
    if deemed_approval and deemed_days is None:
        deemed_days = default_deemed_days
    if deemed_approval_working_days is not None:
        counts["deemed_approval_working_days"] = deemed_approval_working_days
    for name, days in counts.items():
        if not 1 <= days <= MAX_WORKING_DAYS:
            violations.append(
                FieldViolation(
                    name,
                    OUT_OF_RANGE,
                    f"{name} must be a whole number of working days, 1 to {MAX_WORKING_DAYS}; {days} is not",
                )
            )
    if follow_up <= reminder:
        violations.append(
            FieldViolation(
                "follow_up_working_days",
                NOT_RISING,
                f"the follow-up ({follow_up}) must come after the reminder ({reminder})",
            )
        )
    if escalation <= follow_up or escalation <= reminder:
        violations.append(
            FieldViolation(
                "escalation_working_days",
                NOT_RISING,
                f"the escalation ({escalation}) must come after the reminder ({reminder}) and the "
                f"follow-up ({follow_up})",
            )
        )
    if deemed_approval and deemed_days is not None and deemed_days <= escalation:
        violations.append(
            FieldViolation(
                "deemed_approval_working_days",
                NOT_RISING,
                f"deemed approval ({deemed_days}) must come after the escalation ({escalation})",
            )
        )
    if violations:
        raise DomainError(Category.VALIDATION, SETTINGS_INVALID, "; ".join(v.message for v in violations), violations)
    return Ladder(reminder, follow_up, escalation, deemed_days if deemed_approval else None)


async def set_ladder(
    conn: asyncpg.Connection,
    principal: Principal,
    company_id: uuid.UUID,
    ladder: Ladder,
    *,
    deemed_approval: bool,
    keep_deemed_days: int | None,
    default: Ladder,
) -> LadderSettings:
    """Stores the company's ladder (consultants and admins only: 403 ``forbidden``; a company this service does not
    know: 404 ``company-not-found``), recording who changed it; returns it as in force."""
    if principal.role not in EDITORS:
        raise forbidden(f"Role {principal.role.value} may not change a reminder ladder")
    if await companies.company_name(conn, company_id) is None:
        # A company placement has not announced (a mistyped id): nothing to remind, so nothing is stored.
        raise not_found("company")
    await repository.upsert_settings(
        conn,
        company_id,
        Ladder(ladder.reminder, ladder.follow_up, ladder.escalation, ladder.deemed_approval or keep_deemed_days),
        deemed_approval,
        principal.subject,
    )
    return await ladder_settings(conn, principal, company_id, default)
