"""The entries API reads "today" from the app's clock (issue 7, item 2): a clock configured by
``VIKAR_CLOCK_START`` moves the line between a past and a future work date, and a frozen clock shows that
the line is the agency's (Copenhagen) midnight, not UTC's."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from timesheet.app import MIGRATIONS, create_app
from timesheet.config import TimesheetSettings
from vikar_shared.auth.principal import Role
from vikar_shared.clock import FixedClock, ShiftedClock
from vikar_shared.events.placement import PlacementCreated
from vikar_shared.testing.plugin import bearer, publish_events, serve_in_process, wait_until

# Far from the real date on purpose: with the machine's clock 10 March 2027 would be "in the future".
START = "2027-03-10T09:00:00+01:00"
PLACEMENT_START = date(2027, 3, 1)


@pytest.fixture
async def serve(
    make_database: Callable[[str, Path], Awaitable[str]], kafka: str, kafka_namespace: str
) -> AsyncIterator[tuple[httpx.AsyncClient, uuid.UUID, object]]:
    settings = TimesheetSettings(
        database_url=await make_database("timesheet", MIGRATIONS),
        kafka_bootstrap=kafka,
        kafka_namespace=kafka_namespace,
        consumer_retry_backoff_seconds=0.01,
        VIKAR_ENVIRONMENT="test",
        VIKAR_CLOCK_START=START,
    )
    app = create_app(settings)
    placement = PlacementCreated(
        placement_id=uuid.uuid4(),
        citizen_id=uuid.uuid4(),
        citizen_name="Ida Jensen",
        referral_id=uuid.uuid4(),
        municipality_id=uuid.uuid4(),
        co_financing_eligible=True,
        company_id=uuid.uuid4(),
        start_date=PLACEMENT_START,
        end_date=None,
        bill_rate_ore_per_hour=15_500,
    )
    async with serve_in_process(app) as client:
        await publish_events(kafka, kafka_namespace, [(placement, placement.placement_id)])

        async def known() -> bool:
            found = await app.state.pool.fetchval(
                "select count(*) from placements where placement_id = $1", placement.placement_id
            )
            return bool(found == 1)

        await wait_until(known, what="the placement in the read model")
        yield client, placement.placement_id, app


async def _submit(client: httpx.AsyncClient, placement_id: uuid.UUID, day: date) -> httpx.Response:
    return await client.post(
        f"/placements/{placement_id}/entries",
        json={"entries": [{"work_date": day.isoformat(), "minutes": 60}]},
        headers=bearer(Role.CONSULTANT, sub="anna.consultant"),
    )


def _rules(response: httpx.Response) -> list[tuple[str, str]]:
    return [(v["field"], v["rule"]) for v in response.json()["errors"]]


async def test_a_configured_clock_decides_which_work_dates_are_in_the_future(
    serve: tuple[httpx.AsyncClient, uuid.UUID, object],
) -> None:
    client, placement_id, app = serve
    clock = app.state.clock  # type: ignore[attr-defined]
    assert isinstance(clock, ShiftedClock)
    assert clock.today() == date(2027, 3, 10)

    accepted = await _submit(client, placement_id, date(2027, 3, 10))
    refused = await _submit(client, placement_id, date(2027, 3, 11))

    assert accepted.status_code == 201, accepted.text
    assert refused.status_code == 422, refused.text
    assert _rules(refused) == [("entries.0.work_date", "work-date-in-future")]


async def test_a_frozen_clock_turns_the_day_at_copenhagen_midnight(
    serve: tuple[httpx.AsyncClient, uuid.UUID, object],
) -> None:
    client, placement_id, app = serve
    clock = FixedClock(datetime(2027, 3, 11, 22, 59, tzinfo=UTC))  # 23:59 on 11 March in Copenhagen
    app.state.clock = clock  # type: ignore[attr-defined]

    early = await _submit(client, placement_id, date(2027, 3, 12))
    clock.advance(minutes=1)  # 00:00 on 12 March in Copenhagen, still 11 March in UTC
    on_time = await _submit(client, placement_id, date(2027, 3, 12))

    assert early.status_code == 422, early.text
    assert _rules(early) == [("entries.0.work_date", "work-date-in-future")]
    assert on_time.status_code == 201, on_time.text
