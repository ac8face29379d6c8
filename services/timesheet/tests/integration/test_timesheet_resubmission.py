"""A rejected entry may be corrected and submitted again; approvers are told again; nothing else is edited."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from vikar_shared.auth.principal import Role
from vikar_shared.testing.plugin import bearer
from vikar_shared.testing.problems import field_errors

if TYPE_CHECKING:
    import httpx
    from conftest import Harness


async def _put(h: Harness, entry: dict[str, Any], body: dict[str, Any], **kw: Any) -> httpx.Response:
    return await h.client.put(f"/entries/{entry['id']}", json=body, headers=kw.get("headers", h.consultant))


async def test_a_rejected_entry_edited_and_submitted_again_is_pending_under_a_new_submission(
    timesheet: Harness,
) -> None:
    h = timesheet
    rejected = await h.reject(await h.entry_for(3, 240), "It was Tuesday, not Wednesday")
    assert rejected["version"] == 2

    response = await _put(h, rejected, {"work_date": h.day(4), "minutes": 225}, headers=bearer(Role.ADMIN, sub="root"))

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["id"], body["status"], body["version"]) == (rejected["id"], "submitted", 3)
    assert (body["work_date"], body["minutes"], body["submitted_by"]) == (h.day(4), 225, "root")
    assert (body["decided_by"], body["decided_at"], body["rejection_reason"]) == (None, None, None)
    assert body["submission_id"] != rejected["submission_id"]
    assert body["submitted_at"] > rejected["submitted_at"]
    assert await h.outbox_types() == [
        "timesheet.hours_submitted",
        "timesheet.entry_rejected",
        "timesheet.hours_submitted",
    ]
    again = (await h.outbox())[-1]
    assert again["key"] == str(h.placement.placement_id)
    assert again["envelope"]["subject"] == body["submission_id"]
    assert again["envelope"]["data"]["submitted_by"] == "root"
    assert again["envelope"]["data"]["entries"] == [
        # Issue 14: the entry's version once submitted again (submitted 1, rejected 2, resubmitted 3).
        {"entry_id": rejected["id"], "work_date": h.day(4), "minutes": 225, "corrects_entry_id": None, "version": 3}
    ]
    approved = await h.approve(body)
    assert (approved["status"], approved["version"]) == ("approved", 4)


# Issue 6 changed this deliberately: a submitted entry may now be changed too (see
# test_timesheet_change_submitted.py); an approved one is still never edited, only corrected.
async def test_an_approved_entry_cannot_be_edited(timesheet: Harness) -> None:
    h = timesheet
    entry = await h.approve(await h.entry_for(3, 240))

    response = await _put(h, entry, {"work_date": h.day(3), "minutes": 60, "expected_version": entry["version"]})

    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "entry-not-editable"
    assert "approved" in problem["detail"]
    assert f"POST /entries/{entry['id']}/corrections" in problem["detail"]
    assert (problem["entry"]["status"], problem["entry"]["minutes"]) == ("approved", 240)
    assert (await h.get(entry["id"]))["minutes"] == 240


async def test_an_entry_submitted_again_obeys_every_submission_rule_and_stays_rejected_if_not(
    timesheet: Harness,
) -> None:
    h = timesheet
    elsewhere = await h.placement_for()
    rejected = await h.reject(await h.entry_for(3, 240))
    busy = await h.submit([{"work_date": h.day(2), "minutes": 600}], placement_id=elsewhere.placement_id)
    assert busy.status_code == 201
    before_start = (h.placement.start_date - timedelta(days=1)).isoformat()

    future = await _put(h, rejected, {"work_date": h.day(-1), "minutes": 60})
    off_quarter = await _put(h, rejected, {"work_date": h.day(3), "minutes": 50})
    too_early = await _put(h, rejected, {"work_date": before_start, "minutes": 60})
    over_day = await _put(h, rejected, {"work_date": h.day(2), "minutes": 135})
    not_int = await _put(h, rejected, {"work_date": h.day(3), "minutes": 60.0})
    extra = await _put(h, rejected, {"work_date": h.day(3), "minutes": 60, "status": "approved"})

    assert field_errors(future) == [("work_date", "work-date-in-future")]
    assert future.json()["code"] == "entry-invalid"
    assert field_errors(off_quarter) == [("minutes", "minutes-not-quarter-hours")]
    assert field_errors(too_early) == [("work_date", "work-date-before-placement")]
    assert field_errors(over_day) == [("minutes", "citizen-day-over-12-hours")]
    assert field_errors(not_int) == [("minutes", "int_type")]
    assert field_errors(extra) == [("status", "extra_forbidden")]
    assert (await h.get(rejected["id"])) == rejected
    assert await h.outbox_types() == [
        "timesheet.hours_submitted",
        "timesheet.entry_rejected",
        "timesheet.hours_submitted",
    ]


async def test_an_edit_at_a_stale_expected_version_is_409(timesheet: Harness) -> None:
    h = timesheet
    rejected = await h.reject(await h.entry_for(3, 240))

    stale = await _put(h, rejected, {"work_date": h.day(3), "minutes": 60, "expected_version": 1})
    current = await _put(h, rejected, {"work_date": h.day(3), "minutes": 60, "expected_version": 2})

    assert stale.status_code == 409
    assert stale.json()["code"] == "entry-version-mismatch"
    assert current.status_code == 200


async def test_the_bill_rate_is_taken_again_for_the_new_work_date(timesheet: Harness) -> None:
    h = timesheet
    await h.change_rates(h.placement, [(h.placement.start_date, 15_500), (h.today - timedelta(days=2), 16_000)])
    rejected = await h.reject(await h.entry_for(3, 240))

    response = await _put(h, rejected, {"work_date": h.day(2), "minutes": 240})

    assert (rejected["bill_rate_ore_per_hour"], response.json()["bill_rate_ore_per_hour"]) == (15_500, 16_000)


@pytest.mark.parametrize("role", [Role.COMPANY_APPROVER, Role.FINANCE])
async def test_only_consultants_and_admins_edit_entries(timesheet: Harness, role: Role) -> None:
    h = timesheet
    rejected = await h.reject(await h.entry_for(3, 240))

    response = await _put(
        h, rejected, {"work_date": h.day(3), "minutes": 60}, headers=bearer(role, company_id=h.placement.company_id)
    )

    assert response.status_code == 403
    assert (await h.get(rejected["id"]))["status"] == "rejected"


async def test_editing_an_unknown_entry_is_404(timesheet: Harness) -> None:
    response = await _put(timesheet, {"id": uuid.uuid4()}, {"work_date": timesheet.day(3), "minutes": 60})

    assert response.status_code == 404
    assert response.json()["code"] == "entry-not-found"
