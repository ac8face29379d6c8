"""Placements: a referred citizen hired out to a company from a start date at a bill rate."""

from __future__ import annotations

import uuid
from uuid import UUID

import asyncpg

from placement.audit.repository import record
from placement.citizens import repository as citizens
from placement.companies import repository as companies
from placement.placements import repository
from placement.placements.models import check_period
from placement.placements.schemas import PlacementCreate, PlacementOut
from vikar_shared.auth import Principal
from vikar_shared.errors import invalid, not_found
from vikar_shared.events.placement import PlacementCreated
from vikar_shared.outbox import add_event


async def create_placement(conn: asyncpg.Connection, actor: Principal, body: PlacementCreate) -> PlacementOut:
    referral = await citizens.get_referral(conn, body.referral_id)
    if referral is None:
        raise invalid("referral_id", "exists", "No referral with that id")
    if not await companies.company_exists(conn, body.company_id):
        raise invalid("company_id", "exists", "No company with that id")
    check_period(body.start_date, body.end_date, referral.referred_on)
    placement = PlacementOut(
        id=uuid.uuid4(),
        referral_id=referral.id,
        citizen_id=referral.citizen_id,
        citizen_name=referral.citizen_name,
        company_id=body.company_id,
        municipality_id=referral.municipality_id,
        start_date=body.start_date,
        end_date=body.end_date,
        bill_rate_ore_per_hour=body.bill_rate_ore_per_hour,
        co_financing_eligible=referral.eligible,
    )
    await repository.insert_placement(conn, placement, actor.subject)
    await record(
        conn,
        actor=actor.subject,
        action="placement.created",
        subject=placement.id,
        details={"bill_rate_ore_per_hour": placement.bill_rate_ore_per_hour},
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
            bill_rate_ore_per_hour=placement.bill_rate_ore_per_hour,
        ),
        source="placement",
        subject=placement.id,
    )
    return placement


async def get_placement(conn: asyncpg.Connection, viewer: Principal, placement_id: UUID) -> PlacementOut:
    placement = await repository.get_placement(conn, placement_id)
    visible = placement is not None and (
        viewer.may_see_company(placement.company_id) or viewer.may_see_municipality(placement.municipality_id)
    )
    if placement is None or not visible:
        raise not_found("placement")
    return placement
