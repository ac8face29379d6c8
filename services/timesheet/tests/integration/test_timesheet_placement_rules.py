"""Hours are checked against the read model of placements: status, dates and rate versions from
placement.events, whatever order the events arrive in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from vikar_shared.events.placement import PlacementRatesChanged, PlacementStatusChanged, RateVersion
from vikar_shared.testing.problems import field_errors

if TYPE_CHECKING:
    from conftest import Harness


async def test_a_placement_created_without_a_status_is_active_and_takes_hours(timesheet: Harness) -> None:
    h = timesheet
    assert h.placement.status is None
    assert await h.pool.fetchval("select status from placements where placement_id = $1", h.placement.placement_id) == (
        "active"
    )

    response = await h.submit([{"work_date": h.day(1), "minutes": 60}])

    assert response.status_code == 201, response.text


async def test_a_planned_placement_takes_no_hours_until_it_becomes_active(timesheet: Harness) -> None:
    h = timesheet
    planned = await h.placement_for(citizen_id=uuid.uuid4(), status="planned")

    refused = await h.submit([{"work_date": h.day(1), "minutes": 60}], placement_id=planned.placement_id)
    await h.change_status(planned, "active")
    accepted = await h.submit([{"work_date": h.day(1), "minutes": 60}], placement_id=planned.placement_id)

    assert refused.status_code == 422
    assert field_errors(refused) == [("entries.0.work_date", "placement-not-active")]
    assert accepted.status_code == 201, accepted.text


async def test_an_ended_placement_takes_hours_up_to_its_end_date_and_none_after(timesheet: Harness) -> None:
    h = timesheet
    await h.change_status(h.placement, "ended", end_date=h.today - timedelta(days=5))

    on_end = await h.submit([{"work_date": h.day(5), "minutes": 60}])
    after_end = await h.submit([{"work_date": h.day(4), "minutes": 60}])

    assert on_end.status_code == 201, on_end.text
    assert after_end.status_code == 422
    assert field_errors(after_end) == [("entries.0.work_date", "work-date-after-placement")]


async def test_an_ended_placement_without_an_end_date_takes_no_hours(timesheet: Harness) -> None:
    h = timesheet
    await h.change_status(h.placement, "ended", end_date=None)

    response = await h.submit([{"work_date": h.day(3), "minutes": 60}])

    assert response.status_code == 422
    assert field_errors(response) == [("entries.0.work_date", "placement-not-active")]


async def test_the_bill_rate_in_force_on_the_work_date_is_stored_on_each_entry(timesheet: Harness) -> None:
    h = timesheet
    await h.change_rates(h.placement, [(h.placement.start_date, 15_500), (h.today - timedelta(days=5), 17_250)])

    response = await h.submit(
        [
            {"work_date": h.day(6), "minutes": 60},
            {"work_date": h.day(5), "minutes": 60},
            {"work_date": h.day(1), "minutes": 60},
        ]
    )
    assert response.status_code == 201, response.text
    ids = [e["id"] for e in response.json()["entries"]]
    # A later change of the rates does not rewrite what was recorded.
    await h.change_rates(h.placement, [(h.placement.start_date, 99_900)])

    stored = [(await h.get(i))["bill_rate_ore_per_hour"] for i in ids]
    assert stored == [15_500, 17_250, 17_250]
    rows = await h.pool.fetch(
        "select bill_rate_ore_per_hour from entries where id = any($1::uuid[]) order by work_date",
        [uuid.UUID(i) for i in ids],
    )
    assert [r["bill_rate_ore_per_hour"] for r in rows] == [15_500, 17_250, 17_250]


async def test_a_work_date_before_the_first_rate_version_is_422_no_rate_in_force(timesheet: Harness) -> None:
    h = timesheet
    await h.change_rates(h.placement, [(h.today - timedelta(days=5), 17_250)])

    response = await h.submit([{"work_date": h.day(6), "minutes": 60}, {"work_date": h.day(5), "minutes": 60}])

    assert response.status_code == 422
    assert field_errors(response) == [("entries.0.work_date", "no-rate-in-force")]
    assert await h.pool.fetchval("select count(*) from entries") == 0


async def test_events_replayed_out_of_order_never_let_an_older_fact_overwrite_a_newer_one(timesheet: Harness) -> None:
    h = timesheet
    created = h.draft_placement(citizen_id=uuid.uuid4(), end_date=None, bill_rate_ore_per_hour=10_000)
    ended_on = h.today - timedelta(days=4)
    status = PlacementStatusChanged(
        placement_id=created.placement_id,
        company_id=created.company_id,
        citizen_id=created.citizen_id,
        status="ended",
        start_date=created.start_date,
        end_date=ended_on,
        end_reason="completed",
    )
    rates = PlacementRatesChanged(
        placement_id=created.placement_id,
        company_id=created.company_id,
        rates=[RateVersion(effective_from=created.start_date, bill_rate_ore_per_hour=12_000)],
    )
    t0 = datetime.now(UTC) - timedelta(minutes=10)

    # The status change arrives alone: the placement is not known yet, so hours wait for it.
    await h.publish_and_wait(
        [(status, created.placement_id)], what="status change", occurred_at=[t0 + timedelta(seconds=2)]
    )
    early = await h.submit([{"work_date": h.day(5), "minutes": 60}], placement_id=created.placement_id)
    # Then the newer rates, then the (older) PlacementCreated, replayed late from a dead letter.
    await h.publish_and_wait(
        [(rates, created.placement_id), (created, created.placement_id)],
        what="rates and the late placement",
        occurred_at=[t0 + timedelta(seconds=3), t0],
    )
    in_time = await h.submit([{"work_date": h.day(4), "minutes": 60}], placement_id=created.placement_id)
    too_late = await h.submit([{"work_date": h.day(3), "minutes": 60}], placement_id=created.placement_id)

    assert early.status_code == 404
    assert early.json()["code"] == "placement-not-found"
    assert in_time.status_code == 201, in_time.text
    assert (await h.get(in_time.json()["entries"][0]["id"]))["bill_rate_ore_per_hour"] == 12_000
    assert too_late.status_code == 422
    assert field_errors(too_late) == [("entries.0.work_date", "work-date-after-placement")]
    row = await h.pool.fetchrow("select * from placements where placement_id = $1", created.placement_id)
    assert (row["citizen_name"], row["status"], row["end_date"]) == ("Ida Jensen", "ended", ended_on)
