"""Citizens and their referrals: a citizen sent by a job centre, with the eligibility decision of the
terms in force. The CPR number is only ever parsed, hashed and sealed here; it is never returned."""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

import asyncpg

from placement.agreements import service as agreements
from placement.audit.repository import record
from placement.citizens import repository
from placement.citizens.cpr_export import cpr_export_csv
from placement.citizens.models import (
    Citizen,
    Employee,
    NameChange,
    NameChangeRecorded,
    NewEmployee,
    Referral,
    ReferralInput,
    ReferralRecorded,
    check_export_range,
    check_referral,
    is_eligible,
    no_terms,
    parse_cpr,
)
from placement.citizens.vault import CprVault
from placement.field_rules import refuse_cpr
from placement.reference import service as reference
from placement.reference.models import check_target_group
from vikar_shared.auth import Principal, Role
from vikar_shared.db import lock_natural_key
from vikar_shared.errors import duplicate, forbidden, invalid, not_found
from vikar_shared.events.placement import CitizenReferred, EmployeeRegistered
from vikar_shared.outbox import add_event


async def refer_citizen(
    conn: asyncpg.Connection, actor: Principal, vault: CprVault, body: ReferralInput, today: date
) -> Referral:
    """Refers a citizen; the same CPR number (however its digits were typed) is the same citizen.

    Names: the citizen has one current name, the one given by the most recently recorded referral; this
    service's answers, the timeline and events written from then on (referrals, new placements) carry it.
    A referral that gives a different name answers with ``name_changed: {from, to}``, keeps the earlier
    name in the audit trail (``citizen.renamed``) and in ``citizen_name_changes`` (a ``name_change`` item
    on the citizen's timeline). Documents (invoice lines, co-financing statements, approval mails, the
    portal) use the name on the placement: the current name when the placement was created, carried by
    ``placement.placement_created``; so all documents of one placement agree, and placements made after
    a rename carry the new name (README, "Names").

    ``case_number`` (optional, the municipality's) is stored, returned and audited; ``placement.citizen_referred``
    carries it and the citizen's ``birth_year`` (from the CPR's date and century digit), never the number: a
    co-financing statement identifies the citizen by one or the other (the agreement's ``citizen_reference``).

    Raises ``DomainError``: ``cpr-format``, ``cpr-date``, ``cpr-not-allowed`` (``name`` or ``case_number``
    holding a CPR number), ``not-in-future``, ``exists``, ``terms-in-force``,
    ``target-group-exists``, ``target-group-valid-on-date`` (422)."""
    cpr = parse_cpr(body.cpr)
    check_referral(body.weeks_unemployed, body.referred_on, today)
    # Both leave placement on placement.citizen_referred (the name also on placement_created) and end up on
    # statements, invoices and e-invoices: neither may hold a CPR number (the citizen's own typed in by mistake).
    refuse_cpr([("name", body.name), ("case_number", body.case_number)])
    if body.target_group_code is not None:
        group = await reference.target_group(conn, body.target_group_code)
        check_target_group(group, body.target_group_code, body.referred_on)
    municipality = await agreements.municipality_name(conn, body.municipality_id)
    if municipality is None:
        raise invalid("municipality_id", "exists", "No municipality with that id")
    terms = await agreements.terms_in_force_on(conn, body.municipality_id, body.referred_on)
    if terms is None:
        raise no_terms(municipality)
    citizen_id, stored_name = await repository.find_or_create_citizen(
        conn, uuid.uuid4(), vault.lookup_hash(cpr), vault.seal(cpr), body.name
    )
    # One referral per citizen, municipality and day: the same referral sent again (a retry, a double
    # click) is refused, naming the first. A later day is a new referral (the citizen was referred again).
    await lock_natural_key(conn, "placement.referral", citizen_id, body.municipality_id, body.referred_on)
    existing = await repository.referral_on(conn, citizen_id, body.municipality_id, body.referred_on)
    if existing is not None:
        raise duplicate(
            "referral-exists",
            f"The citizen was already referred by this municipality on {body.referred_on} (referral {existing})",
            "referral",
            existing,
        )
    renamed = stored_name is not None and stored_name != body.name
    referral = Referral(
        id=uuid.uuid4(),
        citizen_id=citizen_id,
        citizen_name=body.name,
        municipality_id=body.municipality_id,
        referred_on=body.referred_on,
        weeks_unemployed=body.weeks_unemployed,
        eligible=is_eligible(body.weeks_unemployed, terms.eligibility_threshold_weeks),
        threshold_weeks_applied=terms.eligibility_threshold_weeks,
        terms_id=terms.id,
        target_group_code=body.target_group_code,
        caseworker=body.caseworker,
        case_number=body.case_number,
        name_changed=NameChange(from_=stored_name, to=body.name) if renamed and stored_name else None,
    )
    await repository.insert_referral(conn, referral, actor.subject)
    if referral.name_changed is not None:
        await repository.rename_citizen(
            conn, citizen_id, referral.id, referral.name_changed.from_, referral.name_changed.to, actor.subject
        )
        await record(
            conn,
            actor=actor.subject,
            action="citizen.renamed",
            subject=citizen_id,
            details={
                "referral_id": str(referral.id),
                "from": referral.name_changed.from_,
                "to": referral.name_changed.to,
            },
        )
    await record(
        conn,
        actor=actor.subject,
        action="citizen.referred",
        subject=referral.id,
        details={
            "citizen_id": str(citizen_id),
            "eligible": referral.eligible,
            "terms_id": str(terms.id),
            "target_group_code": referral.target_group_code,
            "case_number": referral.case_number,
        },
    )
    await add_event(
        conn,
        CitizenReferred(
            referral_id=referral.id,
            citizen_id=citizen_id,
            citizen_name=referral.citizen_name,
            municipality_id=referral.municipality_id,
            referred_on=referral.referred_on,
            weeks_unemployed=referral.weeks_unemployed,
            eligible=referral.eligible,
            threshold_weeks_applied=referral.threshold_weeks_applied,
            terms_id=terms.id,
            target_group_code=referral.target_group_code,
            case_number=referral.case_number,
            birth_year=cpr.birth_year,
        ),
        source="placement",
        subject=referral.id,
        key=citizen_id,
    )
    return referral


async def get_referral(conn: asyncpg.Connection, viewer: Principal, referral_id: UUID) -> Referral:
    referral = await repository.get_referral(conn, referral_id)
    if referral is None or not (viewer.is_agency_staff or viewer.may_see_municipality(referral.municipality_id)):
        raise not_found("referral")
    return referral


async def visible_referrals(conn: asyncpg.Connection, viewer: Principal, citizen_id: UUID) -> list[Referral]:
    """Agency staff see every referral of the citizen; a municipality user sees only its own, and a citizen
    none of whose referrals is theirs does not exist for them."""
    only = None if viewer.is_agency_staff else viewer.municipality_id
    if not viewer.is_agency_staff and only is None:
        raise not_found("citizen")
    referrals = await repository.referrals_of(conn, citizen_id, only)
    if not referrals and (only is not None or await repository.citizen_name(conn, citizen_id) is None):
        raise not_found("citizen")
    return referrals


async def get_citizen(conn: asyncpg.Connection, viewer: Principal, citizen_id: UUID) -> Citizen:
    referrals = await visible_referrals(conn, viewer, citizen_id)
    name = await repository.citizen_name(conn, citizen_id)
    if name is None:
        raise not_found("citizen")
    return Citizen(id=citizen_id, name=name, referrals=referrals)


async def search_citizen(conn: asyncpg.Connection, actor: Principal, vault: CprVault, raw_cpr: str) -> UUID | None:
    """Finds a citizen by the keyed hash of the CPR. Every look-up is audited, hit or miss, never with the number."""
    cpr = parse_cpr(raw_cpr)
    citizen_id = await repository.citizen_by_hash(conn, vault.lookup_hash(cpr))
    await record(
        conn,
        actor=actor.subject,
        action="citizen.searched_by_cpr",
        subject=citizen_id or "-",
        details={"found": citizen_id is not None},
    )
    return citizen_id


async def referral(conn: asyncpg.Connection, referral_id: UUID) -> Referral | None:
    """The referral with this id, or None (for other domains; no viewer check)."""
    return await repository.get_referral(conn, referral_id)


async def citizen_name(conn: asyncpg.Connection, citizen_id: UUID) -> str | None:
    """The citizen's current name, or None when there is no such citizen (for other domains)."""
    return await repository.citizen_name(conn, citizen_id)


async def referrals_recorded(conn: asyncpg.Connection, citizen_id: UUID) -> list[ReferralRecorded]:
    """The citizen's referrals as timeline items, every municipality's (the caller filters)."""
    return await repository.referrals_recorded(conn, citizen_id)


async def name_changes_recorded(conn: asyncpg.Connection, citizen_id: UUID) -> list[NameChangeRecorded]:
    """The citizen's renames as timeline items, every municipality's (the caller filters)."""
    return await repository.name_changes_recorded(conn, citizen_id)


# --- Issue 13 (part A): employee numbers and the CPR export ------------------------------------------------------
SOURCE = "placement"


def employee_registered(employee: Employee) -> EmployeeRegistered:
    """The event announcing ``employee``'s number: ids, number and date only (no name, no CPR)."""
    return EmployeeRegistered(
        citizen_id=employee.citizen_id,
        employee_number=employee.employee_number,
        employed_from=employee.employed_from,
    )


async def _announce(conn: asyncpg.Connection, employee: Employee) -> None:
    await add_event(
        conn, employee_registered(employee), source=SOURCE, subject=employee.citizen_id, key=employee.citizen_id
    )


async def employ(
    conn: asyncpg.Connection, actor: Principal, citizen_id: UUID, start_date: date, placement_id: UUID
) -> Employee | None:
    """Employs the citizen when the placement ``placement_id`` (starting ``start_date``) is their first: gives
    them the next employee number (``employee_numbers``, from 1001), employed from ``start_date``, audits it
    (``citizen.employee_number_assigned``) and writes ``placement.employee_registered`` (key and subject: the
    citizen id) in the caller's transaction. A citizen who has a number keeps it (and its date): None."""
    employee = await repository.assign_employee_number(conn, citizen_id, start_date)
    if employee is None:
        return None
    await record(
        conn,
        actor=actor.subject,
        action="citizen.employee_number_assigned",
        subject=citizen_id,
        details={
            "employee_number": employee.employee_number,
            "employed_from": employee.employed_from.isoformat(),
            "placement_id": str(placement_id),
        },
    )
    await _announce(conn, employee)
    return employee


async def announce_employees(conn: asyncpg.Connection) -> list[Employee]:
    """Writes ``placement.employee_registered`` for every numbered citizen never announced (those numbered by the
    migration ``20261215_10``), by number, and marks them announced: the migrate step at startup. Idempotent
    (a second run, or a replica running it at the same time, finds nothing); returns the employees announced."""
    employees = await repository.unannounced_employees(conn)
    for employee in employees:
        await _announce(conn, employee)
    if employees:
        await repository.mark_employees_announced(conn, [e.citizen_id for e in employees])
    return employees


async def employee(conn: asyncpg.Connection, viewer: Principal, employee_number: int) -> Employee:
    """The employee with this number: citizen id, number, current name, employed from. Agency staff only (403
    ``forbidden`` otherwise); 404 ``employee-not-found``."""
    if not viewer.is_agency_staff:
        raise forbidden("Only agency staff look up employees")
    found = await repository.employee_by_number(conn, employee_number)
    if found is None:
        raise not_found("employee", "number")
    return found


async def cpr_export(conn: asyncpg.Connection, actor: Principal, vault: CprVault, first: date, last: date) -> bytes:
    """The CSV (:mod:`placement.citizens.cpr_export`) of every citizen employed from ``first`` to ``last`` (both
    included), by employee number, with the CPR number opened from its seal: the only place it leaves placement.

    Finance only. Every download is audited (``employees.cpr_exported``: the range, the employee numbers and the
    row count; never a CPR number) in the caller's transaction, before the file is built, so no file leaves
    without its audit row. Errors: 403 ``forbidden`` (any other role, admin too); 422 on ``employed_to``
    ``range-reversed``, ``range-too-long`` (more than 366 days), nothing written."""
    if actor.role != Role.FINANCE:
        raise forbidden("Only finance exports CPR numbers")
    check_export_range(first, last)
    found = await repository.employees_from(conn, first, last)
    await record(
        conn,
        actor=actor.subject,
        action="employees.cpr_exported",
        subject="employees",
        details={
            "employed_from": first.isoformat(),
            "employed_to": last.isoformat(),
            "employee_numbers": [e.employee_number for e, _ in found],
            "rows": len(found),
        },
    )
    return cpr_export_csv(NewEmployee(employee=e, cpr=vault.open(sealed)) for e, sealed in found)
