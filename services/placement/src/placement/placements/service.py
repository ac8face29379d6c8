"""Placements: a referred citizen hired out to a company, planned → active → ended, with dated rate versions."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from uuid import UUID

import asyncpg

from placement.audit.repository import record
from placement.citizens import service as citizens
from placement.companies import service as companies
from placement.field_rules import refuse_cpr
from placement.openings import service as openings
from placement.placements import repository
from placement.placements.models import (
    EndReason,
    Placement,
    PlacementInput,
    RatedPlacement,
    RateVersion,
    StatusChangeRecorded,
    check_can_activate,
    check_can_end,
    check_period,
    check_rate_date,
    overlap,
    overlapping,
)
from vikar_shared.auth import Principal
from vikar_shared.errors import invalid, not_found
from vikar_shared.events.placement import PlacementCreated, PlacementRatesChanged, PlacementStatusChanged
from vikar_shared.events.placement import RateVersion as RateVersionEvent
from vikar_shared.outbox import add_event

SOURCE = "placement"


async def create_placement(
    conn: asyncpg.Connection, actor: Principal, body: PlacementInput, today: date
) -> RatedPlacement:
    """Creates a planned placement (filling the opening it is made from); emits PlacementCreated. The citizen's
    first placement also gives them an employee number (``citizens.service.employ``: ``EmployeeRegistered``).
    Errors: 409 ``placement-overlaps`` (member ``existing``), ``opening-not-open``; 422 ``exists``,
    ``after-start``, ``after-referral``, ``same-company``, ``cpr-not-allowed`` (``consultant_id`` holding a CPR
    number: it leaves placement on ``placement.placement_created``)."""
    refuse_cpr([("consultant_id", body.consultant_id)])
    referral = await citizens.referral(conn, body.referral_id)
    if referral is None:
        raise invalid("referral_id", "exists", "No referral with that id")
    if not await companies.company_exists(conn, body.company_id):
        raise invalid("company_id", "exists", "No company with that id")
    check_period(body.start_date, body.end_date, referral.referred_on)
    hours = body.hours_per_week_minutes
    if body.opening_id is not None:
        opening = await openings.fill_for_placement(conn, actor, body.opening_id, body.company_id, today)
        hours = hours or opening.hours_per_week_minutes
    placement = Placement(
        id=uuid.uuid4(),
        referral_id=referral.id,
        citizen_id=referral.citizen_id,
        citizen_name=referral.citizen_name,
        company_id=body.company_id,
        municipality_id=referral.municipality_id,
        co_financing_eligible=referral.eligible,
        start_date=body.start_date,
        end_date=body.end_date,
        status="planned",
        end_reason=None,
        consultant_id=body.consultant_id or actor.subject,
        opening_id=body.opening_id,
        hours_per_week_minutes=hours,
    )
    first = RateVersion(body.start_date, body.bill_rate_ore_per_hour, body.wage_rate_ore_per_hour)
    # One placement of a citizen at a company on any day: a second (a retry, a double click, or a real
    # overlap) is refused, naming the placement already there.
    existing = await repository.insert_placement(conn, placement, first, actor.subject)
    if existing is not None:
        raise overlapping(existing)
    await repository.insert_status_change(conn, placement.id, "planned", today, None, actor.subject)
    # The citizen's first placement employs them: an employee number, audited and announced (issue 13).
    await citizens.employ(conn, actor, placement.citizen_id, placement.start_date, placement.id)
    await record(
        conn,
        actor=actor.subject,
        action="placement.created",
        subject=placement.id,
        details={
            "bill_rate_ore_per_hour": first.bill_rate_ore_per_hour,
            "wage_rate_ore_per_hour": first.wage_rate_ore_per_hour,
            "consultant_id": placement.consultant_id,
            "opening_id": str(placement.opening_id) if placement.opening_id else None,
        },
    )
    await _created(conn, placement, first)
    return RatedPlacement(placement, [first])


async def _created(conn: asyncpg.Connection, placement: Placement, first: RateVersion) -> None:
    """Writes ``placement.placement_created`` for ``placement`` with ``first``, the rate version from its start."""
    await add_event(
        conn,
        PlacementCreated(
            placement_id=placement.id,
            citizen_id=placement.citizen_id,
            citizen_name=placement.citizen_name,
            referral_id=placement.referral_id,
            municipality_id=placement.municipality_id,
            co_financing_eligible=placement.co_financing_eligible,
            company_id=placement.company_id,
            start_date=placement.start_date,
            end_date=placement.end_date,
            bill_rate_ore_per_hour=first.bill_rate_ore_per_hour,
            status=placement.status,
            consultant_id=placement.consultant_id,
            opening_id=placement.opening_id,
            hours_per_week_minutes=placement.hours_per_week_minutes,
            wage_rate_ore_per_hour=first.wage_rate_ore_per_hour,
        ),
        source=SOURCE,
        subject=placement.id,
    )


async def get_placement(conn: asyncpg.Connection, viewer: Principal, placement_id: UUID) -> RatedPlacement:
    placement = await repository.get_placement(conn, placement_id)
    visible = placement is not None and (
        viewer.may_see_company(placement.company_id) or viewer.may_see_municipality(placement.municipality_id)
    )
    if placement is None or not visible:
        raise not_found("placement")
    return RatedPlacement(placement, await repository.list_rates(conn, placement.id))


async def _locked(conn: asyncpg.Connection, placement_id: UUID) -> Placement:
    # Only agency staff reach the write endpoints, and staff see every placement.
    placement = await repository.get_placement(conn, placement_id, lock=True)
    if placement is None:
        raise not_found("placement")
    return placement


async def _status_changed(conn: asyncpg.Connection, actor: Principal, before: Placement, after: Placement) -> None:
    await record(
        conn,
        actor=actor.subject,
        action=f"placement.{after.status}",
        subject=after.id,
        details={
            "from": before.status,
            "to": after.status,
            "end_date": str(after.end_date),
            "reason": after.end_reason,
        },
    )
    await add_event(
        conn,
        PlacementStatusChanged(
            placement_id=after.id,
            company_id=after.company_id,
            citizen_id=after.citizen_id,
            status=after.status,
            start_date=after.start_date,
            end_date=after.end_date,
            end_reason=after.end_reason,
        ),
        source=SOURCE,
        subject=after.id,
    )


async def activate(conn: asyncpg.Connection, actor: Principal, placement_id: UUID, today: date) -> RatedPlacement:
    placement = await _locked(conn, placement_id)
    check_can_activate(placement.status)
    active = replace(placement, status="active")
    await repository.set_status(conn, active.id, active.status, active.end_date, None)
    await repository.insert_status_change(conn, active.id, active.status, today, None, actor.subject)
    await _status_changed(conn, actor, placement, active)
    return RatedPlacement(active, await repository.list_rates(conn, active.id))


async def end(
    conn: asyncpg.Connection, actor: Principal, placement_id: UUID, *, end_date: date, reason: EndReason
) -> RatedPlacement:
    """Ends an active placement. Errors: 404 ``placement``; 409 ``placement-not-active``,
    ``placement-overlaps``; 422 ``after-start``."""
    placement = await _locked(conn, placement_id)
    check_can_end(placement.status, placement.start_date, end_date)
    ended = replace(placement, status="ended", end_date=end_date, end_reason=reason)
    if not await repository.set_status(conn, ended.id, ended.status, ended.end_date, ended.end_reason):
        raise overlap()
    await repository.insert_status_change(conn, ended.id, ended.status, end_date, reason, actor.subject)
    await _status_changed(conn, actor, placement, ended)
    return RatedPlacement(ended, await repository.list_rates(conn, ended.id))


async def set_rates(
    conn: asyncpg.Connection, actor: Principal, placement_id: UUID, version: RateVersion
) -> RatedPlacement:
    """Adds a rate version, or replaces the one with the same ``effective_from``; emits PlacementRatesChanged
    unless nothing changed. Errors: 404 ``placement``; 422 ``on-or-after-start``, ``on-or-before-end``."""
    placement = await _locked(conn, placement_id)
    check_rate_date(version.effective_from, placement.start_date, placement.end_date)
    before = {v.effective_from: v for v in await repository.list_rates(conn, placement.id)}
    if before.get(version.effective_from) == version:
        # Sending the same version again changes nothing and tells nobody.
        return RatedPlacement(placement, list(before.values()))
    await repository.save_rate(conn, placement.id, version, actor.subject)
    replaced = before.get(version.effective_from)
    replaced_rates = None if replaced is None else [replaced.bill_rate_ore_per_hour, replaced.wage_rate_ore_per_hour]
    await record(
        conn,
        actor=actor.subject,
        action="placement.rates_set",
        subject=placement.id,
        details={
            "effective_from": str(version.effective_from),
            "bill_rate_ore_per_hour": version.bill_rate_ore_per_hour,
            "wage_rate_ore_per_hour": version.wage_rate_ore_per_hour,
            "replaced": replaced_rates,
        },
    )
    rates = await repository.list_rates(conn, placement.id)
    await _rates_changed(conn, placement, rates)
    return RatedPlacement(placement, rates)


async def _rates_changed(conn: asyncpg.Connection, placement: Placement, rates: list[RateVersion]) -> None:
    """Writes ``placement.placement_rates_changed`` with all of ``rates`` (every version, oldest first)."""
    await add_event(
        conn,
        PlacementRatesChanged(
            placement_id=placement.id,
            company_id=placement.company_id,
            rates=[
                RateVersionEvent(
                    effective_from=v.effective_from,
                    bill_rate_ore_per_hour=v.bill_rate_ore_per_hour,
                    wage_rate_ore_per_hour=v.wage_rate_ore_per_hour,
                )
                for v in rates
            ],
        ),
        source=SOURCE,
        subject=placement.id,
    )


async def announce_wage_rates(conn: asyncpg.Connection) -> list[UUID]:
    """Republishes, once, the rate versions of the placements created before issue 13 (listed by migration
    ``20261215_10``): one ``placement.placement_rates_changed`` with all current versions each (as ``set_rates``
    writes it), so invoicing stores their wage rates; the versions are unchanged, so no bill is adjusted. Each
    placement is locked while its event is written, so a rate change at the same time leaves after it. The migrate
    step at startup; idempotent (a second run finds nothing). Returns the placements announced."""
    announced = await repository.wage_rates_unannounced(conn)
    for placement_id in announced:
        placement = await repository.get_placement(conn, placement_id, lock=True)
        if placement is None:  # never: the marker row references the placement
            continue
        await _rates_changed(conn, placement, await repository.list_rates(conn, placement_id))
    if announced:
        await repository.mark_wage_rates_announced(conn, announced)
    return announced


async def announce_directory(conn: asyncpg.Connection) -> list[UUID]:
    """Issue 14 (fix): republishes, once, the placements created before notifications kept placements and their
    consultants (listed by migration ``20261216_40``): a ``placement.placement_created`` each from the placement's
    current state (status, dates, consultant, current citizen name; the rates of the version from its start, as
    the create path carries them), then a ``placement.placement_rates_changed`` with every current version (as
    ``set_rates`` writes it), because timesheet takes the created event's rate as the placement's only version.

    Harmless to every consumer that knew the placement: timesheet's read model upserts and takes status and dates
    only from an event newer than the one that set them (this one is the newest and carries the current ones);
    invoicing's accruals upsert the placement (a line already accrued is never re-priced) and its municipality
    figures leave a known placement as it is; notifications' directory upserts. Each placement is locked while
    its events are written, so a change at the same time leaves after them. The rates event is the one
    :func:`announce_wage_rates` writes, so those placements are marked announced there too (run this first and
    nothing goes out twice). The migrate step at startup; idempotent (a second run finds nothing). Returns the
    placements announced."""
    announced = await repository.directory_unannounced(conn)
    for placement_id in announced:
        placement = await repository.get_placement(conn, placement_id, lock=True)
        if placement is None:  # never: the marker row references the placement
            continue
        rates = await repository.list_rates(conn, placement_id)
        await _created(conn, placement, rates[0])  # every placement has its first version (insert_placement)
        await _rates_changed(conn, placement, rates)
    if announced:
        await repository.mark_directory_announced(conn, announced)
        # Their rates went out whole just now: what announce_wage_rates would still write for them is written.
        await repository.mark_wage_rates_announced(conn, announced)
    return announced


async def placement_citizen(conn: asyncpg.Connection, placement_id: UUID) -> UUID | None:
    """The citizen of the placement, or None when there is no such placement (for other domains)."""
    return await repository.placement_citizen(conn, placement_id)


async def status_changes_recorded(conn: asyncpg.Connection, citizen_id: UUID) -> list[StatusChangeRecorded]:
    """The status changes of every placement of the citizen, as timeline items (the caller filters)."""
    return await repository.status_changes_recorded(conn, citizen_id)


async def active_placements_of(conn: asyncpg.Connection, consultant_id: str) -> list[Placement]:
    """The consultant's active placements (for the follow-ups owed)."""
    return await repository.active_placements_of(conn, consultant_id)
