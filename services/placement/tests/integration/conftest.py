"""The placement app on a database of its own, with a clock the test sets (openings, follow-ups)."""

from __future__ import annotations

import json
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
from placement.config import PlacementSettings
from vikar_shared.auth import Role
from vikar_shared.clock import Clock, FixedClock
from vikar_shared.testing.plugin import bearer, serve_in_process


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
