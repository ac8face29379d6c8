"""Placements: a referred citizen hired out to a company, planned → active → ended, with dated rate versions."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from uuid import UUID

import asyncpg

from placement.audit.repository import record
from placement.citizens import repository as citizens
from placement.companies import repository as companies
from placement.openings import service as openings
from placement.placements import repository
from placement.placements.models import (
    Placement,
    RateVersion,
    check_can_activate,
    check_can_end,
    check_period,
    check_rate_date,
    overlap,
    overlapping,
)
from placement.placements.schemas import PlacementCreate, PlacementEnd, PlacementOut, RatesSet, RateVersionOut
from vikar_shared.auth import Principal
from vikar_shared.errors import invalid, not_found
from vikar_shared.events.placement import PlacementCreated, PlacementRatesChanged, PlacementStatusChanged
from vikar_shared.events.placement import RateVersion as RateVersionEvent
from vikar_shared.outbox import add_event

SOURCE = "placement"


def _out(p: Placement, rates: list[RateVersion], viewer: Principal) -> PlacementOut:
    # The wage, and so the agency's margin, is the agency's business only.
    wage = viewer.is_agency_staff
    versions = [
        RateVersionOut(
            effective_from=v.effective_from,
            bill_rate_ore_per_hour=v.bill_rate_ore_per_hour,
            wage_rate_ore_per_hour=v.wage_rate_ore_per_hour if wage else None,
        )
        for v in rates
    ]
    first = versions[0]
    return PlacementOut(
        id=p.id,
        referral_id=p.referral_id,
        citizen_id=p.citizen_id,
        citizen_name=p.citizen_name,
        company_id=p.company_id,
        municipality_id=p.municipality_id,
        start_date=p.start_date,
        end_date=p.end_date,
        bill_rate_ore_per_hour=first.bill_rate_ore_per_hour,
        wage_rate_ore_per_hour=first.wage_rate_ore_per_hour,
        co_financing_eligible=p.co_financing_eligible,
        status=p.status,
        end_reason=p.end_reason,
        consultant_id=p.consultant_id,
        opening_id=p.opening_id,
        hours_per_week_minutes=p.hours_per_week_minutes,
        rates=versions,
    )


async def create_placement(
    conn: asyncpg.Connection, actor: Principal, body: PlacementCreate, today: date
) -> PlacementOut:
    referral = await citizens.get_referral(conn, body.referral_id)
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
    return _out(placement, [first], actor)


async def get_placement(conn: asyncpg.Connection, viewer: Principal, placement_id: UUID) -> PlacementOut:
    placement = await repository.get_placement(conn, placement_id)
    visible = placement is not None and (
        viewer.may_see_company(placement.company_id) or viewer.may_see_municipality(placement.municipality_id)
    )
    if placement is None or not visible:
        raise not_found("placement")
    return _out(placement, await repository.list_rates(conn, placement.id), viewer)


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


async def activate(conn: asyncpg.Connection, actor: Principal, placement_id: UUID, today: date) -> PlacementOut:
    placement = await _locked(conn, placement_id)
    check_can_activate(placement.status)
    active = replace(placement, status="active")
    await repository.set_status(conn, active.id, active.status, active.end_date, None)
    await repository.insert_status_change(conn, active.id, active.status, today, None, actor.subject)
    await _status_changed(conn, actor, placement, active)
    return _out(active, await repository.list_rates(conn, active.id), actor)


async def end(conn: asyncpg.Connection, actor: Principal, placement_id: UUID, body: PlacementEnd) -> PlacementOut:
    placement = await _locked(conn, placement_id)
    check_can_end(placement.status, placement.start_date, body.end_date)
    ended = replace(placement, status="ended", end_date=body.end_date, end_reason=body.reason)
    if not await repository.set_status(conn, ended.id, ended.status, ended.end_date, ended.end_reason):
        raise overlap()
    await repository.insert_status_change(conn, ended.id, ended.status, body.end_date, body.reason, actor.subject)
    await _status_changed(conn, actor, placement, ended)
    return _out(ended, await repository.list_rates(conn, ended.id), actor)


async def set_rates(conn: asyncpg.Connection, actor: Principal, placement_id: UUID, body: RatesSet) -> PlacementOut:
    placement = await _locked(conn, placement_id)
    check_rate_date(body.effective_from, placement.start_date, placement.end_date)
    version = RateVersion(body.effective_from, body.bill_rate_ore_per_hour, body.wage_rate_ore_per_hour)
    before = {v.effective_from: v for v in await repository.list_rates(conn, placement.id)}
    if before.get(version.effective_from) == version:
        # Sending the same version again changes nothing and tells nobody.
        return _out(placement, list(before.values()), actor)
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
    return _out(placement, rates, actor)
