"""A running timesheet service (real PostgreSQL, real Kafka) that already knows one placement."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from timesheet.app import MIGRATIONS, create_app
from timesheet.config import TimesheetSettings
from vikar_shared.auth.principal import Role
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.placement import (
    PlacementCreated,
    PlacementRatesChanged,
    PlacementStatusChanged,
    RateVersion,
)
from vikar_shared.messaging.kafka import make_producer
from vikar_shared.testing.plugin import bearer, publish_events, serve_in_process, wait_until


def copenhagen_today() -> date:
    return datetime.now(ZoneInfo("Europe/Copenhagen")).date()


def placement_created(
    *,
    company_id: uuid.UUID,
    start_date: date,
    end_date: date | None,
    citizen_name: str = "Ida Jensen",
    citizen_id: uuid.UUID | None = None,
    status: str | None = None,
    bill_rate_ore_per_hour: int = 15_500,
) -> PlacementCreated:
    return PlacementCreated(
        placement_id=uuid.uuid4(),
        citizen_id=citizen_id or uuid.uuid4(),
        citizen_name=citizen_name,
        referral_id=uuid.uuid4(),
        municipality_id=uuid.uuid4(),
        co_financing_eligible=True,
        company_id=company_id,
        start_date=start_date,
        end_date=end_date,
        bill_rate_ore_per_hour=bill_rate_ore_per_hour,
        status=status,
    )


@dataclass
class Harness:
    client: httpx.AsyncClient
    pool: asyncpg.Pool
    kafka: str
    namespace: str
    placement: PlacementCreated
    today: date
    app: FastAPI | None = None  # issue 14 (C): a test moving the app's clock

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

    async def placement_for(
        self,
        *,
        citizen_id: uuid.UUID | None = None,
        company_id: uuid.UUID | None = None,
        status: str | None = None,
        end_date: date | None = None,
        citizen_name: str = "Ida Jensen",
        bill_rate_ore_per_hour: int = 15_500,
    ) -> PlacementCreated:
        """Another known placement; by default of the same citizen at another company."""
        placement = self.draft_placement(
            citizen_id=citizen_id,
            company_id=company_id,
            status=status,
            end_date=end_date,
            citizen_name=citizen_name,
            bill_rate_ore_per_hour=bill_rate_ore_per_hour,
        )
        await self.publish_placement(placement)
        return placement

    def draft_placement(
        self,
        *,
        citizen_id: uuid.UUID | None = None,
        company_id: uuid.UUID | None = None,
        status: str | None = None,
        end_date: date | None = None,
        citizen_name: str = "Ida Jensen",
        bill_rate_ore_per_hour: int = 15_500,
    ) -> PlacementCreated:
        """A PlacementCreated not yet published; by default of the same citizen at another company."""
        return placement_created(
            company_id=company_id or uuid.uuid4(),
            start_date=self.placement.start_date,
            end_date=end_date or self.placement.end_date,
            citizen_name=citizen_name,
            citizen_id=citizen_id or self.placement.citizen_id,
            status=status,
            bill_rate_ore_per_hour=bill_rate_ore_per_hour,
        )

    async def publish_and_wait(
        self, events: list[tuple[EventData, object]], *, what: str, occurred_at: list[datetime] | None = None
    ) -> None:
        """Publishes as the placement service would (key = subject), then waits until the consumer has
        handled them all. ``occurred_at`` backdates the envelopes, as a dead letter replayed late is."""
        times = occurred_at or [datetime.now(UTC)] * len(events)
        producer = make_producer(self.kafka, "test-publisher")
        await producer.start()
        ids = []
        try:
            for (data, subject), at in zip(events, times, strict=True):
                envelope = Envelope.wrap(data, source="placement", subject=subject, occurred_at=at)
                await producer.send_and_wait(
                    self.namespace + data.topic, value=envelope.model_dump_json().encode(), key=str(subject).encode()
                )
                ids.append(envelope.id)
        finally:
            await producer.stop()

        async def handled() -> bool:
            found = await self.pool.fetchval(
                "select count(*) from inbox where consumer = 'timesheet.placements' and event_id = any($1::uuid[])", ids
            )
            return bool(found == len(ids))

        await wait_until(handled, what=what)

    async def change_status(
        self, placement: PlacementCreated, status: str, *, end_date: date | None = None, start_date: date | None = None
    ) -> None:
        event = PlacementStatusChanged(
            placement_id=placement.placement_id,
            company_id=placement.company_id,
            citizen_id=placement.citizen_id,
            status=status,
            start_date=start_date or placement.start_date,
            end_date=end_date,
            end_reason="completed" if status == "ended" else None,
        )
        await self.publish_and_wait([(event, placement.placement_id)], what=f"placement {status}")

    async def change_rates(self, placement: PlacementCreated, rates: list[tuple[date, int]]) -> None:
        event = PlacementRatesChanged(
            placement_id=placement.placement_id,
            company_id=placement.company_id,
            rates=[RateVersion(effective_from=day, bill_rate_ore_per_hour=rate) for day, rate in rates],
        )
        await self.publish_and_wait([(event, placement.placement_id)], what="rate versions")

    def approver_of(self, company_id: uuid.UUID, sub: str = "bo.approver") -> dict[str, str]:
        return bearer(Role.COMPANY_APPROVER, sub=sub, company_id=company_id)

    def day(self, days_ago: int) -> str:
        return (self.today - timedelta(days=days_ago)).isoformat()

    async def entry_for(
        self, days_ago: int, minutes: int, *, placement: PlacementCreated | None = None
    ) -> dict[str, Any]:
        """Submits one entry and returns it as GET /entries/{id} shows it."""
        target = placement or self.placement
        response = await self.submit(
            [{"work_date": self.day(days_ago), "minutes": minutes}], placement_id=target.placement_id
        )
        assert response.status_code == 201, response.text
        return await self.get(response.json()["entries"][0]["id"])

    async def get(self, entry_id: object) -> dict[str, Any]:
        response = await self.client.get(f"/entries/{entry_id}", headers=bearer(Role.ADMIN))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def approve(self, entry: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(
            f"/entries/{entry['id']}/approve",
            json={"expected_version": entry["version"]},
            headers=self.approver_of(uuid.UUID(entry["company_id"])),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def reject(self, entry: dict[str, Any], reason: str = "Not at work that day") -> dict[str, Any]:
        response = await self.client.post(
            f"/entries/{entry['id']}/reject",
            json={"reason": reason, "expected_version": entry["version"]},
            headers=self.approver_of(uuid.UUID(entry["company_id"])),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def envelopes(self, event_type: str) -> list[dict[str, Any]]:
        return [r["envelope"] for r in await self.outbox() if r["envelope"]["type"] == event_type]

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
        harness = Harness(client, app.state.pool, kafka, kafka_namespace, placement, today, app)
        await harness.publish_placement(placement)
        yield harness
