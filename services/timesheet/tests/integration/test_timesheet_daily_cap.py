"""At most 12 hours per citizen per day, summed across all their placements and companies, also when
two submissions race."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

from vikar_shared.testing.problems import field_errors

if TYPE_CHECKING:
    from conftest import Harness


async def _day_total(h: Harness, citizen_id: uuid.UUID, days_ago: int) -> int:
    total = await h.pool.fetchval(
        """select coalesce(sum(minutes), 0) from entries
           where citizen_id = $1 and work_date = $2::text::date and status in ('submitted', 'approved')""",
        citizen_id,
        h.day(days_ago),
    )
    return int(total)


async def test_twelve_hours_per_citizen_day_are_summed_across_placements_at_two_companies(timesheet: Harness) -> None:
    h = timesheet
    elsewhere = await h.placement_for()  # same citizen, another company
    third = await h.placement_for()  # and a third (a placement holds one live entry a day, issue 6)
    stranger = await h.placement_for(citizen_id=uuid.uuid4(), company_id=h.placement.company_id)

    first = await h.submit([{"work_date": h.day(2), "minutes": 480}])
    second = await h.submit([{"work_date": h.day(2), "minutes": 240}], placement_id=elsewhere.placement_id)
    over = await h.submit(
        [{"work_date": h.day(3), "minutes": 15}, {"work_date": h.day(2), "minutes": 15}],
        placement_id=third.placement_id,
    )
    other_citizen = await h.submit([{"work_date": h.day(2), "minutes": 720}], placement_id=stranger.placement_id)

    assert (first.status_code, second.status_code, other_citizen.status_code) == (201, 201, 201)
    assert over.status_code == 422
    assert field_errors(over) == [("entries.1.minutes", "citizen-day-over-12-hours")]
    assert "12:00 h" in over.json()["errors"][0]["message"]
    assert await _day_total(h, h.placement.citizen_id, 2) == 720
    assert await _day_total(h, h.placement.citizen_id, 3) == 0


async def test_two_concurrent_submissions_exceeding_12_hours_together_exactly_one_succeeds(timesheet: Harness) -> None:
    h = timesheet
    elsewhere = await h.placement_for()

    for days_ago in (1, 2, 3, 4):
        responses = await asyncio.gather(
            h.submit([{"work_date": h.day(days_ago), "minutes": 480}]),
            h.submit([{"work_date": h.day(days_ago), "minutes": 480}], placement_id=elsewhere.placement_id),
        )

        assert sorted(r.status_code for r in responses) == [201, 422], [r.text for r in responses]
        loser = next(r for r in responses if r.status_code == 422)
        assert field_errors(loser) == [("entries.0.minutes", "citizen-day-over-12-hours")]
        assert await _day_total(h, h.placement.citizen_id, days_ago) == 480
    assert await h.outbox_types() == ["timesheet.hours_submitted"] * 4


async def test_a_rejected_entry_frees_its_hours_of_the_day(timesheet: Harness) -> None:
    h = timesheet
    elsewhere = await h.placement_for()
    entry = await h.entry_for(2, 720)

    refused = await h.submit([{"work_date": h.day(2), "minutes": 60}], placement_id=elsewhere.placement_id)
    await h.reject(entry)
    accepted = await h.submit([{"work_date": h.day(2), "minutes": 720}], placement_id=elsewhere.placement_id)

    assert (refused.status_code, accepted.status_code) == (422, 201)


async def test_a_pending_reduction_frees_no_hours_until_it_is_approved(timesheet: Harness) -> None:
    h = timesheet
    elsewhere = await h.placement_for()
    original = await h.approve(await h.entry_for(2, 720))
    correction = await h.client.post(
        f"/entries/{original['id']}/corrections",
        json={"minutes_delta": -240, "reason": "Left at noon"},
        headers=h.consultant,
    )
    assert correction.status_code == 201, correction.text

    while_pending = await h.submit([{"work_date": h.day(2), "minutes": 60}], placement_id=elsewhere.placement_id)
    await h.approve(correction.json())
    once_approved = await h.submit([{"work_date": h.day(2), "minutes": 240}], placement_id=elsewhere.placement_id)
    # A third placement: the second one now holds its one live entry of the day (issue 6).
    third = await h.placement_for()
    one_more = await h.submit([{"work_date": h.day(2), "minutes": 15}], placement_id=third.placement_id)

    assert while_pending.status_code == 422
    assert field_errors(while_pending) == [("entries.0.minutes", "citizen-day-over-12-hours")]
    assert (once_approved.status_code, one_more.status_code) == (201, 422)
