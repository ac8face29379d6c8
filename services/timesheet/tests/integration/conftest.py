"""A running timesheet service (real PostgreSQL, real Kafka) that already knows one placement."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from timesheet.app import MIGRATIONS, create_app
from timesheet.config import TimesheetSettings
from vikar_shared.auth.principal import Role
from vikar_shared.events.placement import PlacementCreated
from vikar_shared.testing.plugin import bearer, publish_events, serve_in_process, wait_until


def copenhagen_today() -> date:
    return datetime.now(ZoneInfo("Europe/Copenhagen")).date()


def placement_created(
    *, company_id: uuid.UUID, start_date: date, end_date: date | None, citizen_name: str = "Ida Jensen"
) -> PlacementCreated:
    return PlacementCreated(
        placement_id=uuid.uuid4(),
        citizen_id=uuid.uuid4(),
        citizen_name=citizen_name,
        referral_id=uuid.uuid4(),
        municipality_id=uuid.uuid4(),
        co_financing_eligible=True,
        company_id=company_id,
        start_date=start_date,
        end_date=end_date,
        bill_rate_ore_per_hour=15_500,
    )


@dataclass
class Harness:
    client: httpx.AsyncClient
    pool: asyncpg.Pool
    kafka: str
    namespace: str
    placement: PlacementCreated
    today: date

    @property
    def consultant(self) -> dict[str, str]:
        return bearer(Role.CONSULTANT, sub="anna.consultant")

    @property
    def approver(self) -> dict[str, str]:
        return bearer(Role.COMPANY_APPROVER, sub="bo.approver", company_id=self.placement.company_id)

    async def another_placement(self, citizen_name: str, company_id: uuid.UUID | None = None) -> PlacementCreated:
        placement = placement_created(
            company_id=company_id or self.placement.company_id,
            start_date=self.placement.start_date,
            end_date=self.placement.end_date,
            citizen_name=citizen_name,
        )
        await self.publish_placement(placement)
        return placement

    async def publish_placement(self, placement: PlacementCreated) -> None:
        await publish_events(self.kafka, self.namespace, [(placement, placement.placement_id)])

        async def known() -> bool:
            found = await self.pool.fetchval(
                "select count(*) from placements where placement_id = $1", placement.placement_id
            )
            return bool(found == 1)

        await wait_until(known, what=f"placement {placement.placement_id} in the read model")

    async def submit(
        self, entries: list[dict[str, Any]], *, headers: dict[str, str] | None = None, placement_id: object = None
    ) -> httpx.Response:
        target = placement_id or self.placement.placement_id
        return await self.client.post(
            f"/placements/{target}/entries",
            json={"entries": entries},
            headers=self.consultant if headers is None else headers,
        )

    async def submitted_entry_id(self, days_ago: int = 1, minutes: int = 240) -> str:
        response = await self.submit(
            [{"work_date": (self.today - timedelta(days=days_ago)).isoformat(), "minutes": minutes}]
        )
        assert response.status_code == 201, response.text
        return str(response.json()["entries"][0]["id"])

    async def outbox(self) -> list[asyncpg.Record]:
        return await self.pool.fetch("select topic, key, envelope from outbox order by id")

    async def outbox_types(self) -> list[str]:
        return [row["envelope"]["type"] for row in await self.outbox()]

    async def entry_row(self, entry_id: str) -> asyncpg.Record:
        row = await self.pool.fetchrow("select * from entries where id = $1", uuid.UUID(entry_id))
        assert row is not None
        return row


@pytest.fixture
async def timesheet(
    make_database: Callable[[str, Path], Awaitable[str]], kafka: str, kafka_namespace: str
) -> AsyncIterator[Harness]:
    dsn = await make_database("timesheet", MIGRATIONS)
    settings = TimesheetSettings(
        database_url=dsn, kafka_bootstrap=kafka, kafka_namespace=kafka_namespace, consumer_retry_backoff_seconds=0.01
    )
    app = create_app(settings)
    today = copenhagen_today()
    placement = placement_created(
        company_id=uuid.uuid4(), start_date=today - timedelta(days=14), end_date=today + timedelta(days=30)
    )
    async with serve_in_process(app) as client:
        harness = Harness(client, app.state.pool, kafka, kafka_namespace, placement, today)
        await harness.publish_placement(placement)
        yield harness
