"""The placement service: municipalities and terms, companies, referrals (CPR sealed), placements."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from fastapi import FastAPI

from placement.activities.endpoints import router as activities
from placement.agreements.endpoints import router as agreements
from placement.citizens import service as citizens
from placement.citizens.endpoints import router as referrals
from placement.citizens.repair import merge_duplicate_citizens
from placement.citizens.vault import CprVault
from placement.companies import service as companies_service
from placement.companies.endpoints import router as companies
from placement.config import PlacementSettings
from placement.identity.endpoints import router as identity
from placement.identity.pages import install_identity_error_pages
from placement.openings.endpoints import router as openings
from placement.placements import service as placements_service
from placement.placements.endpoints import router as placements
from placement.problem_codes import router as problem_pages
from placement.reference.endpoints import router as reference
from placement.staff.endpoints import router as staff  # issue 14 (part A)
from vikar_shared.db import transaction
from vikar_shared.http.app import create_service_app
from vikar_shared.runtime import Role

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
log = logging.getLogger(__name__)


async def announce_after_migration(pool: asyncpg.Pool) -> None:
    """Issue 13: announces what the migration ``20261215_10`` recorded without an event (after the citizen repair,
    in the process that migrated): an ``employee_registered`` for every numbered citizen not yet announced, and one
    ``placement_rates_changed`` (all current versions) for every placement created before the issue, so invoicing
    learns their wage rates. Issue 14 (fix): what migration ``20261216_40`` listed, so notifications' read models
    know companies and placements made before issue 14: a ``company_updated`` with the whole current state of each
    company, and a ``placement_created`` (then its ``placement_rates_changed``, which also stands for the issue-13
    one) from each placement's current state.
    Idempotent: a second run (another replica, a restart) writes nothing."""
    async with transaction(pool) as conn:
        employees = await citizens.announce_employees(conn)
        # Issue 14 (fix): before the wage rates, whose event it writes too (each placement's rates go out once).
        placements_known = await placements_service.announce_directory(conn)
        placed = await placements_service.announce_wage_rates(conn)
        companies_known = await companies_service.announce_directory(conn)  # issue 14 (fix)
    log.info("announced %d employees and the rates of %d placements", len(employees), len(placed))
    log.info("announced %d companies and %d placements to the directories", len(companies_known), len(placements_known))


def create_app(settings: PlacementSettings | None = None, role: Role = Role.ALL) -> FastAPI:
    settings = settings or PlacementSettings()

    @asynccontextmanager
    async def repair_citizens(app: FastAPI) -> AsyncIterator[None]:
        # After the migrations: one person stored twice (full-width CPR digits) becomes one citizen again.
        # Idempotent; runs in the process that migrated (the `migrate` role, or `all`).
        if app.state.migrated:
            async with transaction(app.state.pool) as conn:
                await merge_duplicate_citizens(conn, app.state.cpr_vault)
            await announce_after_migration(app.state.pool)
        yield

    app = create_service_app(
        settings,
        title="Vikarmodel placement",
        description="Municipality agreements, companies, referrals and placements. The CPR number stays here.",
        routers=[
            agreements,
            companies,
            referrals,
            reference,
            placements,
            openings,
            activities,
            identity,
            staff,  # issue 14 (part A)
            problem_pages,
        ],
        migrations=MIGRATIONS,
        extra_lifespan=repair_citizens,
        role=role,
    )
    app.state.cpr_vault = CprVault(settings.cpr_encryption_key, settings.cpr_hash_key)
    install_identity_error_pages(app)
    return app
