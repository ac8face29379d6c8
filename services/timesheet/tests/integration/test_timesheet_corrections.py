"""An approved entry is never edited: a correction entry carries a signed change and needs approval."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest

from vikar_shared.auth.principal import Role
from vikar_shared.testing.plugin import bearer
from vikar_shared.testing.problems import field_errors

if TYPE_CHECKING:
    import httpx
    from conftest import Harness


async def _correct(
    h: Harness, entry: dict[str, Any], delta: object, reason: str = "Stayed an hour longer", **kw: Any
) -> httpx.Response:
    headers = kw.get("headers", h.consultant)
    return await h.client.post(
        f"/entries/{entry['id']}/corrections", json={"minutes_delta": delta, "reason": reason}, headers=headers
    )


async def test_a_correction_is_a_new_submitted_entry_referring_to_the_approved_original(timesheet: Harness) -> None:
    h = timesheet
    original = await h.approve(await h.entry_for(3, 240))

    response = await _correct(h, original, 60, "  Stayed an hour longer  ")

    assert response.status_code == 201, response.text
    correction = response.json()
    assert correction["id"] != original["id"]
    assert (correction["corrects_entry_id"], correction["correction_reason"]) == (
        original["id"],
        "Stayed an hour longer",
    )
    assert (correction["status"], correction["minutes"], correction["version"]) == ("submitted", 60, 1)
    assert (correction["work_date"], correction["placement_id"], correction["company_id"]) == (
        original["work_date"],
        original["placement_id"],
        original["company_id"],
    )
    assert (correction["bill_rate_ore_per_hour"], correction["submitted_by"]) == (15_500, "anna.consultant")
    assert await h.get(original["id"]) == original
    [announced] = (await h.envelopes("timesheet.hours_submitted"))[1:]
    assert announced["subject"] == correction["submission_id"]
    assert announced["data"]["entries"] == [
        {
            "entry_id": correction["id"],
            "work_date": original["work_date"],
            "minutes": 60,
            "corrects_entry_id": original["id"],
            "version": 1,  # issue 14: the entry's version once submitted
        }
    ]
    assert announced["data"]["company_id"] == original["company_id"]


async def test_an_approved_correction_emits_entry_approved_with_the_signed_minutes_and_the_original(
    timesheet: Harness,
) -> None:
    h = timesheet
    original = await h.approve(await h.entry_for(3, 240))
    # One open correction at a time (issue 6): the second is made once the first is decided.
    up = (await _correct(h, original, 60)).json()
    await h.approve(up)
    down = (await _correct(h, original, -90, "Left early")).json()
    approved_down = await h.approve(down)

    assert approved_down["status"] == "approved"
    events = [e["data"] for e in await h.envelopes("timesheet.entry_approved")]
    assert [(e["entry_id"], e["minutes"], e["corrects_entry_id"]) for e in events] == [
        (original["id"], 240, None),
        (up["id"], 60, original["id"]),
        (down["id"], -90, original["id"]),
    ]
    assert (await h.get(original["id"]))["minutes"] == 240


async def test_corrections_keep_the_entry_within_0_and_720_minutes_counting_approved_ones(
    timesheet: Harness,
) -> None:
    # Issue 6 changed this test: at most one correction is open at a time, so pending corrections no
    # longer stack up side by side; the range counts the approved ones (and the open one, see below).
    h = timesheet
    original = await h.approve(await h.entry_for(3, 480))

    up = await _correct(h, original, 240)
    while_open = await _correct(h, original, 15)
    rejected_up = await h.reject(up.json(), "Was not there")
    up_again = await _correct(h, original, 240)
    await h.approve(up_again.json())
    too_high = await _correct(h, original, 15)
    down = await _correct(h, original, -720)
    await h.approve(down.json())
    too_low = await _correct(h, original, -15)

    assert (up.status_code, up_again.status_code, down.status_code) == (201, 201, 201)
    assert rejected_up["status"] == "rejected"
    assert while_open.status_code == 409
    assert while_open.json()["code"] == "correction-open"
    assert too_high.status_code == 422
    assert too_high.json()["code"] == "correction-invalid"
    assert field_errors(too_high) == [("minutes_delta", "corrected-minutes-out-of-range")]
    assert field_errors(too_low) == [("minutes_delta", "corrected-minutes-out-of-range")]
    corrections = await h.pool.fetch(
        "select minutes, status from entries where corrects_entry_id = $1 order by submitted_at",
        uuid.UUID(original["id"]),
    )
    assert [(r["minutes"], r["status"]) for r in corrections] == [
        (240, "rejected"),
        (240, "approved"),
        (-720, "approved"),
    ]


@pytest.mark.parametrize(
    ("delta", "rule"),
    [(0, "minutes-delta-zero"), (20, "minutes-not-quarter-hours"), (60.0, "int_type"), ("60", "int_type")],
)
async def test_a_correction_is_a_non_zero_whole_multiple_of_15_minutes(
    timesheet: Harness, delta: object, rule: str
) -> None:
    h = timesheet
    original = await h.approve(await h.entry_for(3, 240))

    response = await _correct(h, original, delta)

    assert response.status_code == 422
    assert field_errors(response) == [("minutes_delta", rule)]
    assert await h.pool.fetchval("select count(*) from entries") == 1


async def test_a_correction_needs_a_reason(timesheet: Harness) -> None:
    h = timesheet
    original = await h.approve(await h.entry_for(3, 240))

    response = await h.client.post(
        f"/entries/{original['id']}/corrections", json={"minutes_delta": 60}, headers=h.consultant
    )

    assert response.status_code == 422
    assert field_errors(response) == [("reason", "missing")]


async def test_only_an_approved_original_entry_can_be_corrected(timesheet: Harness) -> None:
    h = timesheet
    submitted = await h.entry_for(3, 240)
    rejected = await h.reject(await h.entry_for(4, 240))
    original = await h.approve(await h.entry_for(5, 240))
    correction = (await _correct(h, original, 60)).json()
    await h.approve(correction)

    responses = [await _correct(h, e, 15) for e in (submitted, rejected, correction)]

    assert [r.status_code for r in responses] == [409, 409, 409]
    assert [r.json()["code"] for r in responses] == [
        "entry-not-approved",
        "entry-not-approved",
        "entry-is-a-correction",
    ]
    assert responses[0].json()["entry"]["status"] == "submitted"
    assert responses[1].json()["entry"]["decided_by"] == "bo.approver"
    assert original["id"] in responses[2].json()["detail"]


async def test_a_correction_adding_hours_respects_the_citizens_12_hour_day(timesheet: Harness) -> None:
    h = timesheet
    elsewhere = await h.placement_for()
    original = await h.approve(await h.entry_for(3, 480))
    other = await h.submit([{"work_date": h.day(3), "minutes": 180}], placement_id=elsewhere.placement_id)
    assert other.status_code == 201

    too_much = await _correct(h, original, 75)
    fits = await _correct(h, original, 60)

    assert too_much.status_code == 422
    assert field_errors(too_much) == [("minutes_delta", "citizen-day-over-12-hours")]
    assert fits.status_code == 201


@pytest.mark.parametrize("role", [Role.COMPANY_APPROVER, Role.FINANCE, Role.MUNICIPALITY])
async def test_only_consultants_and_admins_correct_entries(timesheet: Harness, role: Role) -> None:
    h = timesheet
    original = await h.approve(await h.entry_for(3, 240))
    headers = bearer(role, company_id=h.placement.company_id, municipality_id=h.placement.municipality_id)

    response = await _correct(h, original, 60, headers=headers)

    assert response.status_code == 403
    assert await h.pool.fetchval("select count(*) from entries") == 1


async def test_an_unknown_entry_cannot_be_corrected(timesheet: Harness) -> None:
    response = await _correct(timesheet, {"id": uuid.uuid4()}, 60)

    assert response.status_code == 404
    assert response.json()["code"] == "entry-not-found"


async def test_a_rejected_correction_is_edited_and_submitted_again_for_the_same_day(timesheet: Harness) -> None:
    h = timesheet
    original = await h.approve(await h.entry_for(3, 240))
    correction = await h.reject((await _correct(h, original, 60)).json(), "It was half an hour")

    other_day = await h.client.put(
        f"/entries/{correction['id']}", json={"work_date": h.day(2), "minutes": 30}, headers=h.consultant
    )
    too_low = await h.client.put(
        f"/entries/{correction['id']}", json={"work_date": h.day(3), "minutes": -255}, headers=h.consultant
    )
    same_day = await h.client.put(
        f"/entries/{correction['id']}", json={"work_date": h.day(3), "minutes": 30}, headers=h.consultant
    )

    assert other_day.status_code == 422
    assert field_errors(other_day) == [("work_date", "correction-work-date-fixed")]
    assert field_errors(too_low) == [("minutes", "corrected-minutes-out-of-range")]
    assert same_day.status_code == 200, same_day.text
    body = same_day.json()
    assert (body["status"], body["minutes"], body["corrects_entry_id"], body["version"]) == (
        "submitted",
        30,
        original["id"],
        3,
    )
    resubmitted = (await h.envelopes("timesheet.hours_submitted"))[-1]["data"]["entries"]
    assert resubmitted == [
        {
            "entry_id": correction["id"],
            "work_date": h.day(3),
            "minutes": 30,
            "corrects_entry_id": original["id"],
            "version": 3,  # issue 14: submitted, rejected, submitted again
        }
    ]
