"""Issue 6, item 2: the one live entry of a day "can be changed while submitted".

``PUT /entries/{id}`` on a submitted entry (not decided yet) changes its work date and/or minutes at the
version the editor saw: it stays submitted in its submission, its version goes up (so an approval at the
old version is refused), a ``changed`` history row is written and ``timesheet.entry_changed`` is
published (no new ``hours_submitted``: approvers are mailed once per submission)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from vikar_shared.auth.principal import Role
from vikar_shared.testing.plugin import bearer
from vikar_shared.testing.problems import field_errors

if TYPE_CHECKING:
    import httpx
    from conftest import Harness


async def _put(h: Harness, entry: dict[str, Any], body: dict[str, Any], **kw: Any) -> httpx.Response:
    return await h.client.put(f"/entries/{entry['id']}", json=body, headers=kw.get("headers", h.consultant))


async def test_a_submitted_entry_typed_wrong_is_changed_before_approval(timesheet: Harness) -> None:
    h = timesheet
    entry = await h.entry_for(3, 240)

    response = await _put(
        h, entry, {"work_date": h.day(3), "minutes": 180, "expected_version": 1}, headers=bearer(Role.ADMIN, sub="root")
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["id"], body["status"], body["version"], body["minutes"]) == (entry["id"], "submitted", 2, 180)
    # Still the same submission, by the same submitter; no decision.
    assert (body["submission_id"], body["submitted_by"], body["submitted_at"]) == (
        entry["submission_id"],
        "anna.consultant",
        entry["submitted_at"],
    )
    assert (body["decided_by"], body["decided_at"]) == (None, None)
    assert await h.get(entry["id"]) == body
    assert await h.outbox_types() == ["timesheet.hours_submitted", "timesheet.entry_changed"]
    changed = (await h.outbox())[-1]
    assert changed["key"] == str(h.placement.placement_id)
    envelope = changed["envelope"]
    assert (envelope["version"], envelope["subject"]) == (1, entry["id"])
    data = envelope["data"]
    assert data["changed_at"]
    del data["changed_at"]
    assert data == {
        "entry_id": entry["id"],
        "submission_id": entry["submission_id"],
        "placement_id": str(h.placement.placement_id),
        "company_id": str(h.placement.company_id),
        "version": 2,
        "work_date": h.day(3),
        "minutes": 180,
        "previous_work_date": h.day(3),
        "previous_minutes": 240,
        "changed_by": "root",
        "corrects_entry_id": None,
    }
    history = (await h.client.get(f"/entries/{entry['id']}/history", headers=h.consultant)).json()["history"]
    assert [(r["action"], r["actor"], r["version"], r["minutes"]) for r in history] == [
        ("submitted", "anna.consultant", 1, 240),
        ("changed", "root", 2, 180),
    ]
    assert history[1]["submission_id"] == entry["submission_id"]
    approved = await h.approve(body)
    assert (approved["status"], approved["version"], approved["minutes"]) == ("approved", 3, 180)


async def test_a_submitted_entry_moved_to_another_day_takes_that_days_rate(timesheet: Harness) -> None:
    h = timesheet
    await h.change_rates(h.placement, [(h.placement.start_date, 15_500), (h.today - timedelta(days=2), 16_000)])
    entry = await h.entry_for(3, 240)

    response = await _put(h, entry, {"work_date": h.day(2), "minutes": 240, "expected_version": 1})

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["work_date"], body["minutes"], body["version"]) == (h.day(2), 240, 2)
    assert (entry["bill_rate_ore_per_hour"], body["bill_rate_ore_per_hour"]) == (15_500, 16_000)
    data = (await h.envelopes("timesheet.entry_changed"))[0]["data"]
    assert (data["previous_work_date"], data["work_date"]) == (h.day(3), h.day(2))
    # The old day is free again, the new one taken.
    assert (await h.submit([{"work_date": h.day(3), "minutes": 60}])).status_code == 201
    assert (await h.submit([{"work_date": h.day(2), "minutes": 60}])).status_code == 409


async def test_an_approval_at_the_version_seen_before_the_change_is_409_with_the_entry_as_it_stands(
    timesheet: Harness,
) -> None:
    h = timesheet
    seen = await h.entry_for(3, 240)
    changed = await _put(h, seen, {"work_date": h.day(3), "minutes": 180, "expected_version": 1})
    assert changed.status_code == 200

    stale = await h.client.post(f"/entries/{seen['id']}/approve", json={"expected_version": 1}, headers=h.approver)
    stale_reject = await h.client.post(
        f"/entries/{seen['id']}/reject", json={"expected_version": 1, "reason": "Too many hours"}, headers=h.approver
    )

    for response in (stale, stale_reject):
        assert response.status_code == 409
        problem = response.json()
        assert problem["code"] == "entry-version-mismatch"
        assert (problem["entry"]["version"], problem["entry"]["minutes"], problem["entry"]["status"]) == (
            2,
            180,
            "submitted",
        )
    assert (await h.get(seen["id"]))["status"] == "submitted"
    assert "timesheet.entry_approved" not in await h.outbox_types()


async def test_changing_a_submitted_entry_needs_its_version_and_a_stale_one_is_409(timesheet: Harness) -> None:
    h = timesheet
    entry = await h.entry_for(3, 240)

    missing = await _put(h, entry, {"work_date": h.day(3), "minutes": 180})
    stale = await _put(h, entry, {"work_date": h.day(3), "minutes": 180, "expected_version": 2})

    assert missing.status_code == 422
    assert field_errors(missing) == [("expected_version", "expected-version-required")]
    assert stale.status_code == 409
    assert (stale.json()["code"], stale.json()["entry"]["version"]) == ("entry-version-mismatch", 1)
    assert await h.get(entry["id"]) == entry
    assert await h.outbox_types() == ["timesheet.hours_submitted"]


async def test_two_changes_at_one_version_in_parallel_one_wins_the_other_is_409(timesheet: Harness) -> None:
    h = timesheet
    entry = await h.entry_for(3, 240)

    responses = await asyncio.gather(
        _put(h, entry, {"work_date": h.day(3), "minutes": 180, "expected_version": 1}),
        _put(h, entry, {"work_date": h.day(3), "minutes": 120, "expected_version": 1}),
    )

    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    won = next(r for r in responses if r.status_code == 200).json()
    lost = next(r for r in responses if r.status_code == 409).json()
    assert lost["code"] == "entry-version-mismatch"
    assert lost["entry"] == won
    assert (await h.get(entry["id"]))["minutes"] == won["minutes"]
    assert (await h.get(entry["id"]))["version"] == 2
    assert await h.outbox_types() == ["timesheet.hours_submitted", "timesheet.entry_changed"]


async def test_a_change_onto_a_day_holding_another_entry_is_409_naming_it(timesheet: Harness) -> None:
    h = timesheet
    submitted_other = await h.entry_for(2, 120)
    approved_other = await h.approve(await h.entry_for(4, 120))
    entry = await h.entry_for(3, 240)

    onto_submitted = await _put(h, entry, {"work_date": h.day(2), "minutes": 240, "expected_version": 1})
    onto_approved = await _put(h, entry, {"work_date": h.day(4), "minutes": 240, "expected_version": 1})

    assert onto_submitted.status_code == onto_approved.status_code == 409
    first, second = onto_submitted.json(), onto_approved.json()
    assert (first["code"], first["entry"]["id"], first["entry"]["status"]) == (
        "work-date-taken",
        submitted_other["id"],
        "submitted",
    )
    assert f"change it with PUT /entries/{submitted_other['id']}" in first["detail"]
    assert (second["code"], second["entry"]["id"]) == ("work-date-taken", approved_other["id"])
    assert f"correct it with POST /entries/{approved_other['id']}/corrections" in second["detail"]
    assert await h.get(entry["id"]) == entry
    assert "timesheet.entry_changed" not in await h.outbox_types()


async def test_a_change_obeys_the_12_hour_day_across_placements_counting_the_entry_once(timesheet: Harness) -> None:
    h = timesheet
    elsewhere = await h.placement_for()
    await h.entry_for(3, 300, placement=elsewhere)
    entry = await h.entry_for(3, 240)

    # 300 elsewhere + 420 here = 720: allowed (the entry's own 240 is replaced, not added to).
    up_to_cap = await _put(h, entry, {"work_date": h.day(3), "minutes": 420, "expected_version": 1})
    over_cap = await _put(h, entry, {"work_date": h.day(3), "minutes": 435, "expected_version": 2})

    assert up_to_cap.status_code == 200, up_to_cap.text
    assert over_cap.status_code == 422
    assert over_cap.json()["code"] == "entry-invalid"
    assert field_errors(over_cap) == [("minutes", "citizen-day-over-12-hours")]
    assert (await h.get(entry["id"]))["minutes"] == 420


async def test_a_change_obeys_every_submission_rule_and_leaves_the_entry_as_it_was(timesheet: Harness) -> None:
    h = timesheet
    entry = await h.entry_for(3, 240)
    before_start = (h.placement.start_date - timedelta(days=1)).isoformat()

    future = await _put(h, entry, {"work_date": h.day(-1), "minutes": 60, "expected_version": 1})
    off_quarter = await _put(h, entry, {"work_date": h.day(3), "minutes": 50, "expected_version": 1})
    too_many = await _put(h, entry, {"work_date": h.day(3), "minutes": 735, "expected_version": 1})
    too_early = await _put(h, entry, {"work_date": before_start, "minutes": 60, "expected_version": 1})

    assert field_errors(future) == [("work_date", "work-date-in-future")]
    assert field_errors(off_quarter) == [("minutes", "minutes-not-quarter-hours")]
    assert field_errors(too_many) == [("minutes", "minutes-out-of-range")]
    assert field_errors(too_early) == [("work_date", "work-date-before-placement")]
    await h.change_status(h.placement, "planned")
    not_active = await _put(h, entry, {"work_date": h.day(3), "minutes": 60, "expected_version": 1})
    assert field_errors(not_active) == [("work_date", "placement-not-active")]
    assert await h.get(entry["id"]) == entry
    assert await h.outbox_types() == ["timesheet.hours_submitted"]


async def test_sending_the_current_values_changes_nothing(timesheet: Harness) -> None:
    h = timesheet
    entry = await h.entry_for(3, 240)

    response = await _put(h, entry, {"work_date": h.day(3), "minutes": 240, "expected_version": 1})

    assert response.status_code == 200
    assert response.json() == entry
    assert await h.outbox_types() == ["timesheet.hours_submitted"]


async def test_a_submitted_correction_is_changed_within_its_bounds_on_its_day(timesheet: Harness) -> None:
    h = timesheet
    original = await h.approve(await h.entry_for(3, 240))
    created = await h.client.post(
        f"/entries/{original['id']}/corrections",
        json={"minutes_delta": 60, "reason": "Stayed late"},
        headers=h.consultant,
    )
    correction = created.json()

    # Its own pending +60 is replaced, not counted twice: 240 + 480 = 720 is the most the original (and
    # the citizen's day) may reach, 240 - 240 = 0 the least.
    to_max = await _put(h, correction, {"work_date": h.day(3), "minutes": 480, "expected_version": 1})
    to_zero = await _put(h, correction, {"work_date": h.day(3), "minutes": -240, "expected_version": 2})
    below_zero = await _put(h, correction, {"work_date": h.day(3), "minutes": -255, "expected_version": 3})
    other_day = await _put(h, correction, {"work_date": h.day(2), "minutes": 30, "expected_version": 3})

    assert to_max.status_code == 200, to_max.text
    assert to_zero.status_code == 200, to_zero.text
    assert (to_zero.json()["minutes"], to_zero.json()["corrects_entry_id"]) == (-240, original["id"])
    assert field_errors(below_zero) == [("minutes", "corrected-minutes-out-of-range")]
    assert field_errors(other_day) == [("work_date", "correction-work-date-fixed")]
    data = (await h.envelopes("timesheet.entry_changed"))[0]["data"]
    assert (data["previous_minutes"], data["minutes"], data["corrects_entry_id"]) == (60, 480, original["id"])


async def test_an_approver_cannot_change_an_entry_and_another_companys_approver_sees_nothing(
    timesheet: Harness,
) -> None:
    h = timesheet
    entry = await h.entry_for(3, 240)
    body = {"work_date": h.day(3), "minutes": 180, "expected_version": 1}

    own_approver = await _put(h, entry, body, headers=h.approver)
    finance = await _put(h, entry, body, headers=bearer(Role.FINANCE))
    unknown = await _put(h, {"id": uuid.uuid4()}, body)

    assert (own_approver.status_code, finance.status_code, unknown.status_code) == (403, 403, 404)
    assert await h.get(entry["id"]) == entry


async def test_the_put_route_documents_changing_a_submitted_entry(timesheet: Harness) -> None:
    spec = (await timesheet.client.get("/openapi.json")).json()
    operation = spec["paths"]["/entries/{entry_id}"]["put"]

    assert operation["summary"].startswith("Change a submitted entry")
    assert "expected-version-required" in operation["description"]
    assert "entry-not-editable" in operation["description"]
    assert "timesheet.entry_changed" in operation["description"]
