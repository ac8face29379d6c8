"""The placement app on a database of its own, with a clock the test sets (openings, follow-ups)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from placement.app import MIGRATIONS, create_app
from placement.citizens.repair import RepairReport, merge_duplicate_citizens
from placement.citizens.vault import CprVault
from placement.config import PlacementSettings
from vikar_shared.auth import Role
from vikar_shared.clock import Clock, FixedClock
from vikar_shared.db import create_pool, transaction
from vikar_shared.testing.plugin import bearer, serve_in_process
from vikar_shared.types.identifiers import contains_cpr


@dataclass
class Api:
    client: httpx.AsyncClient
    settings: PlacementSettings
    clock: Clock

    async def sql(self, query: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.settings.database_url)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    async def municipality(self, name: str = "Aalborg", co_financing_rate_ore_per_hour: int = 6500) -> str:
        """Registers a municipality (as an admin) with terms in force since 2024-01-01; returns its id."""
        admin = bearer(Role.ADMIN, sub="admin-1")
        m = await self.client.post("/municipalities", json={"name": name}, headers=admin)
        assert m.status_code == 201, m.text
        mid: str = m.json()["id"]
        terms = {
            "effective_from": "2024-01-01",
            "co_financing_rate_ore_per_hour": co_financing_rate_ore_per_hour,
            "eligibility_threshold_weeks": 26,
        }
        answer = await self.client.post(f"/municipalities/{mid}/terms", headers=admin, json=terms)
        assert answer.status_code == 201, answer.text
        return mid

    async def repair(self, vault: CprVault) -> RepairReport:
        """Runs the citizen repair (``merge_duplicate_citizens``) on the app's database, as startup does."""
        pool = await create_pool(self.settings.database_url)
        try:
            async with transaction(pool) as conn:
                return await merge_duplicate_citizens(conn, vault)
        finally:
            await pool.close()

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        rows = await self.sql(
            "select envelope::text as e from outbox where envelope->>'type' = $1 order by id", event_type
        )
        return [json.loads(r["e"]) for r in rows]


ServePlacement = Callable[..., Any]


@pytest.fixture
def serve_placement(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str
) -> ServePlacement:
    """``async with serve_placement(today, **settings_overrides) as api:`` runs the app; with ``today`` its
    clock is frozen at noon that day (``api.clock.set_today(day)`` moves it), without it the app keeps its
    configured clock (the real time)."""

    @asynccontextmanager
    async def serve(today: date | None = None, **overrides: Any) -> AsyncIterator[Api]:
        settings = PlacementSettings(
            database_url=await make_database("placement", MIGRATIONS),
            kafka_bootstrap=kafka,
            kafka_namespace=kafka_namespace,
            **overrides,
        )
        app = create_app(settings)
        if today is not None:
            app.state.clock = FixedClock.on(today)
        clock: Clock = app.state.clock
        async with serve_in_process(app) as client:
            yield Api(client, settings, clock)

    return serve


# --- Issue 13 (part A): employing citizens (test_employee_numbers.py, test_cpr_export.py) -------------------------
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class World:
    municipality: str
    companies: list[str]
    referrals: dict[str, str]  # name -> referral id
    citizens: dict[str, str]  # name -> citizen id


class Hiring:
    """Referred citizens and their placements, through the API, and the no-CPR check."""

    CPRS = {"Mette Jensen": "010190-1234", "Ole Hansen": "150285-2345", "Sara Lund": "230477-3456"}

    def assert_no_cpr(self, text: str) -> None:
        """No CPR number in ``text``: none of the test's numbers in either spelling, and nothing CPR-shaped once
        the ids (UUIDs, whose digit runs can look like one) are taken out."""
        for cpr in self.CPRS.values():
            assert cpr not in text and cpr.replace("-", "") not in text
        assert not contains_cpr(_UUID.sub("", text))

    async def world(self, client: httpx.AsyncClient, names: tuple[str, ...] = ("Mette Jensen", "Ole Hansen")) -> World:
        """A municipality (terms since 2024), two companies, and a referral (1 February 2026) of each of ``names``."""
        admin, consultant = bearer(Role.ADMIN, sub="admin-1"), bearer(Role.CONSULTANT, sub="anna")
        m = await client.post("/municipalities", json={"name": "Aalborg"}, headers=admin)
        assert m.status_code == 201, m.text
        mid = m.json()["id"]
        terms = {
            "effective_from": "2024-01-01",
            "co_financing_rate_ore_per_hour": 6500,
            "eligibility_threshold_weeks": 26,
        }
        assert (await client.post(f"/municipalities/{mid}/terms", headers=admin, json=terms)).status_code == 201
        companies = []
        for cvr in ("12345674", "10150817"):
            c = await client.post(
                "/companies",
                headers=consultant,
                json={"name": f"Firma {cvr}", "cvr": cvr, "approvers": [{"email": f"ib@{cvr}.dk", "name": "Ib"}]},
            )
            assert c.status_code == 201, c.text
            companies.append(c.json()["id"])
        referrals, citizens = {}, {}
        for name in names:
            body = {
                "cpr": self.CPRS[name],
                "name": name,
                "municipality_id": mid,
                "referred_on": "2026-02-01",
                "weeks_unemployed": 60,
            }
            r = await client.post("/referrals", headers=consultant, json=body)
            assert r.status_code == 201, r.text
            referrals[name], citizens[name] = r.json()["id"], r.json()["citizen_id"]
        return World(mid, companies, referrals, citizens)

    async def place(self, api: Api, w: World, name: str, start: str, company: int = 0) -> dict[str, Any]:
        """Places ``name`` at ``w.companies[company]`` from ``start`` (as consultant anna); the placement."""
        body = {
            "referral_id": w.referrals[name],
            "company_id": w.companies[company],
            "start_date": start,
            "bill_rate_ore_per_hour": 18_550,
            "wage_rate_ore_per_hour": 14_000,
        }
        r = await api.client.post("/placements", headers=bearer(Role.CONSULTANT, sub="anna"), json=body)
        assert r.status_code == 201, r.text
        placed: dict[str, Any] = r.json()
        return placed


@pytest.fixture
def hiring() -> Hiring:
    return Hiring()
