"""Every change of an entry is written to its history, in the same transaction: who, when, what."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from vikar_shared.auth.principal import Role
from vikar_shared.testing.plugin import bearer

if TYPE_CHECKING:
    from conftest import Harness


async def _history(h: Harness, entry_id: object, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    response = await h.client.get(f"/entries/{entry_id}/history", headers=headers or h.approver)
    assert response.status_code == 200, response.text
    assert response.json()["entry_id"] == str(entry_id)
    history: list[dict[str, Any]] = response.json()["history"]
    return history


async def test_history_lists_submission_rejection_resubmission_approval_and_corrections_in_order(
    timesheet: Harness,
) -> None:
    h = timesheet
    entry = await h.entry_for(3, 240)
    await h.reject(entry, "Wrong day")
    put = await h.client.put(
        f"/entries/{entry['id']}", json={"work_date": h.day(4), "minutes": 180}, headers=h.consultant
    )
    assert put.status_code == 200, put.text
    await h.approve(put.json())
    correction = await h.client.post(
        f"/entries/{entry['id']}/corrections", json={"minutes_delta": -60, "reason": "Lunch"}, headers=h.consultant
    )
    assert correction.status_code == 201
    fix = correction.json()
    await h.approve(fix)

    history = await _history(h, entry["id"])

    assert [(r["entry_id"], r["action"], r["actor"], r["version"]) for r in history] == [
        (entry["id"], "submitted", "anna.consultant", 1),
        (entry["id"], "rejected", "bo.approver", 2),
        (entry["id"], "resubmitted", "anna.consultant", 3),
        (entry["id"], "approved", "bo.approver", 4),
        (fix["id"], "submitted", "anna.consultant", 1),
        (entry["id"], "corrected", "anna.consultant", 4),
        (fix["id"], "approved", "bo.approver", 2),
    ]
    assert [(r["work_date"], r["minutes"], r["reason"]) for r in history] == [
        (h.day(3), 240, None),
        (h.day(3), 240, "Wrong day"),
        (h.day(4), 180, None),
        (h.day(4), 180, None),
        (h.day(4), -60, "Lunch"),
        (h.day(4), -60, "Lunch"),
        (h.day(4), -60, None),
    ]
    assert history[0]["submission_id"] == entry["submission_id"]
    assert history[2]["submission_id"] == put.json()["submission_id"]
    assert history[5]["correction_entry_id"] == fix["id"]
    assert [r["correction_entry_id"] for r in history if r["action"] != "corrected"] == [None] * 6
    times = [r["occurred_at"] for r in history]
    assert times == sorted(times)
    assert [r["action"] for r in await _history(h, fix["id"])] == ["submitted", "approved"]


async def test_a_refused_change_leaves_no_trace_in_the_history(timesheet: Harness) -> None:
    h = timesheet
    entry = await h.approve(await h.entry_for(3, 240))

    again = await h.client.post(
        f"/entries/{entry['id']}/approve", json={"expected_version": entry["version"]}, headers=h.approver
    )
    too_much = await h.client.post(
        f"/entries/{entry['id']}/corrections", json={"minutes_delta": 495, "reason": "typo"}, headers=h.consultant
    )

    assert (again.status_code, too_much.status_code) == (409, 422)
    assert [r["action"] for r in await _history(h, entry["id"])] == ["submitted", "approved"]
    assert await h.pool.fetchval("select count(*) from entry_history") == 2


async def test_history_is_visible_to_staff_and_the_entrys_company_only(timesheet: Harness) -> None:
    h = timesheet
    entry = await h.entry_for(3, 240)
    url = f"/entries/{entry['id']}/history"

    staff = await h.client.get(url, headers=bearer(Role.FINANCE))
    other_company = await h.client.get(url, headers=h.approver_of(uuid.uuid4()))
    municipality = await h.client.get(url, headers=bearer(Role.MUNICIPALITY, municipality_id=uuid.uuid4()))
    unknown = await h.client.get(f"/entries/{uuid.uuid4()}/history", headers=bearer(Role.ADMIN))
    anonymous = await h.client.get(url)

    assert staff.status_code == 200
    assert [r.status_code for r in (other_company, municipality, unknown)] == [404, 404, 404]
    assert other_company.json()["code"] == "entry-not-found"
    assert anonymous.status_code == 401
