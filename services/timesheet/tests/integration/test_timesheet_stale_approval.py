"""Issue 6, item 1: a decision is made only on what the approver saw. Every approval and rejection,
single or bulk, carries the version of each entry as it was read; an entry changed (or arrived) since
makes the whole decision a 409 listing each such entry as it is now, and nothing is approved.

The issue's scenario: the approver reads the pending list with E (2026-11-19, 60 min) and F (60 min);
meanwhile both are rejected, the consultant moves E to another date with 720 min and F to 600 min and
resubmits them; the stale post must approve nothing and report both."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from vikar_shared.clock import FixedClock

if TYPE_CHECKING:
    import httpx
    from conftest import Harness

TODAY = date(2026, 11, 30)
E_DAY, F_DAY, E_MOVED_TO = date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 24)


async def _scenario(h: Harness) -> tuple[Any, dict[str, Any], dict[str, Any], list[dict[str, int | str]]]:
    """E and F submitted and read by the approver; then rejected, changed and resubmitted behind their back.
    Returns the placement, E and F as they are now, and what the approver saw (``seen``)."""
    app = h.client._transport.app  # type: ignore[attr-defined]
    app.state.clock = FixedClock.on(TODAY)
    drafted = h.draft_placement(company_id=h.placement.company_id, citizen_id=uuid.uuid4())
    placement = drafted.model_copy(update={"start_date": date(2026, 11, 2), "end_date": None})
    await h.publish_placement(placement)
    submitted = await h.submit(
        [{"work_date": E_DAY.isoformat(), "minutes": 60}, {"work_date": F_DAY.isoformat(), "minutes": 60}],
        placement_id=placement.placement_id,
    )
    assert submitted.status_code == 201, submitted.text
    e_id, f_id = (x["id"] for x in submitted.json()["entries"])
    queue = await h.client.get(f"/companies/{h.placement.company_id}/pending", headers=h.approver)
    shown = [e for w in queue.json()["weeks"] for c in w["citizens"] for e in c["entries"]]
    seen: list[dict[str, int | str]] = [{"entry_id": e["id"], "version": e["version"]} for e in shown]
    assert sorted((e["work_date"], e["minutes"], e["version"]) for e in shown) == [
        ("2026-11-19", 60, 1),
        ("2026-11-20", 60, 1),
    ]
    colleague = h.approver_of(h.placement.company_id, sub="cia.approver")
    for entry_id in (e_id, f_id):
        rejected = await h.client.post(
            f"/entries/{entry_id}/reject", json={"reason": "Check the hours", "expected_version": 1}, headers=colleague
        )
        assert rejected.status_code == 200, rejected.text
    for entry_id, day, minutes in ((e_id, E_MOVED_TO, 720), (f_id, F_DAY, 600)):
        resubmitted = await h.client.put(
            f"/entries/{entry_id}",
            json={"work_date": day.isoformat(), "minutes": minutes, "expected_version": 2},
            headers=h.consultant,
        )
        assert resubmitted.status_code == 200, resubmitted.text
    return placement, await h.get(e_id), await h.get(f_id), seen


async def _nothing_approved(h: Harness, *entries: dict[str, Any]) -> None:
    for entry in entries:
        now = await h.get(entry["id"])
        assert (now["status"], now["version"]) == ("submitted", 3)
    assert await h.envelopes("timesheet.entry_approved") == []


def _stale_answer(response: httpx.Response, e: dict[str, Any], f: dict[str, Any]) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "entries-changed"
    assert [(x["id"], x["work_date"], x["minutes"], x["version"]) for x in problem["entries"]] == [
        (f["id"], "2026-11-20", 600, 3),
        (e["id"], "2026-11-24", 720, 3),
    ]
    assert e["id"] in problem["detail"] and f["id"] in problem["detail"]


@pytest.mark.parametrize(
    "selector",
    [{"week": "2026-W47"}, {"citizen_id": "CITIZEN"}, {"all_pending": True}, {"entry_ids": "SEEN"}],
    ids=["week", "citizen", "all", "ids"],
)
async def test_a_stale_bulk_approval_approves_nothing_and_reports_both_changed_entries(
    timesheet: Harness, selector: dict[str, Any]
) -> None:
    h = timesheet
    placement, e, f, seen = await _scenario(h)
    if selector.get("citizen_id") == "CITIZEN":
        selector = {"citizen_id": str(placement.citizen_id)}
    if selector.get("entry_ids") == "SEEN":
        selector = {"entry_ids": [s["entry_id"] for s in seen]}

    response = await h.client.post(
        f"/companies/{h.placement.company_id}/approvals", json={**selector, "seen": seen}, headers=h.approver
    )

    _stale_answer(response, e, f)
    await _nothing_approved(h, e, f)


async def test_stale_single_approvals_and_rejections_are_409_with_the_entry_as_it_is_now(timesheet: Harness) -> None:
    h = timesheet
    _, e, f, _ = await _scenario(h)

    approve = await h.client.post(f"/entries/{e['id']}/approve", json={"expected_version": 1}, headers=h.approver)
    reject = await h.client.post(
        f"/entries/{f['id']}/reject", json={"reason": "Too much", "expected_version": 1}, headers=h.approver
    )

    assert (approve.status_code, reject.status_code) == (409, 409)
    assert approve.json()["code"] == reject.json()["code"] == "entry-version-mismatch"
    assert (approve.json()["entry"]["work_date"], approve.json()["entry"]["minutes"]) == ("2026-11-24", 720)
    assert (reject.json()["entry"]["minutes"], reject.json()["entry"]["version"]) == (600, 3)
    await _nothing_approved(h, e, f)


async def test_after_reading_the_list_again_the_approval_goes_through(timesheet: Harness) -> None:
    h = timesheet
    _, e, f, _ = await _scenario(h)
    seen = [{"entry_id": x["id"], "version": x["version"]} for x in (e, f)]

    response = await h.client.post(
        f"/companies/{h.placement.company_id}/approvals", json={"all_pending": True, "seen": seen}, headers=h.approver
    )

    assert response.status_code == 200, response.text
    assert sorted((x["minutes"], x["status"]) for x in response.json()["approved"]) == [
        (600, "approved"),
        (720, "approved"),
    ]


async def test_an_entry_submitted_after_the_list_was_read_is_not_approved_unseen(timesheet: Harness) -> None:
    h = timesheet
    read = await h.entry_for(3, 240)
    seen = [{"entry_id": read["id"], "version": 1}]
    newcomer = await h.entry_for(2, 60)
    week = "{}-W{:02d}".format(*date.fromisoformat(h.day(2)).isocalendar()[:2])

    by_all = await h.client.post(
        f"/companies/{h.placement.company_id}/approvals", json={"all_pending": True, "seen": seen}, headers=h.approver
    )
    by_week = await h.client.post(
        f"/companies/{h.placement.company_id}/approvals", json={"week": week, "seen": seen}, headers=h.approver
    )

    assert by_all.status_code == 409
    assert [x["id"] for x in by_all.json()["entries"]] == [newcomer["id"]]
    assert "was not seen" in by_all.json()["detail"]
    assert by_week.status_code == 409
    assert [x["id"] for x in by_week.json()["entries"]] == [newcomer["id"]]
    assert [(await h.get(x["id"]))["status"] for x in (read, newcomer)] == ["submitted", "submitted"]


async def test_decisions_without_the_version_seen_are_422_naming_the_field(timesheet: Harness) -> None:
    h = timesheet
    entry = await h.entry_for(2, 240)
    url = f"/companies/{h.placement.company_id}/approvals"

    approve = await h.client.post(f"/entries/{entry['id']}/approve", headers=h.approver)
    approve_empty = await h.client.post(f"/entries/{entry['id']}/approve", json={}, headers=h.approver)
    reject = await h.client.post(f"/entries/{entry['id']}/reject", json={"reason": "Wrong"}, headers=h.approver)
    bulk = await h.client.post(url, json={"all_pending": True}, headers=h.approver)
    ids_unseen = await h.client.post(url, json={"entry_ids": [entry["id"]], "seen": []}, headers=h.approver)
    twice = [{"entry_id": entry["id"], "version": 1}, {"entry_id": entry["id"], "version": 2}]
    contradictory = await h.client.post(url, json={"all_pending": True, "seen": twice}, headers=h.approver)

    assert [r.status_code for r in (approve, approve_empty, reject, bulk, ids_unseen, contradictory)] == [422] * 6
    assert [e["field"] for e in approve_empty.json()["errors"]] == ["expected_version"]
    assert [e["field"] for e in reject.json()["errors"]] == ["expected_version"]
    assert [e["field"] for e in bulk.json()["errors"]] == ["seen"]
    assert [(e["field"], e["rule"]) for e in ids_unseen.json()["errors"]] == [("seen", "seen-version-missing")]
    assert [(e["field"], e["rule"]) for e in contradictory.json()["errors"]] == [("seen", "seen-duplicate")]
    assert (await h.get(entry["id"]))["status"] == "submitted"


async def test_the_pending_queue_gives_each_entrys_version(timesheet: Harness) -> None:
    h = timesheet
    entry = await h.entry_for(2, 240)
    await h.reject(entry)
    resubmitted = await h.client.put(
        f"/entries/{entry['id']}",
        json={"work_date": h.day(2), "minutes": 120, "expected_version": 2},
        headers=h.consultant,
    )
    assert resubmitted.status_code == 200

    queue = await h.client.get(f"/companies/{h.placement.company_id}/pending", headers=h.approver)

    shown = [e for w in queue.json()["weeks"] for c in w["citizens"] for e in c["entries"]]
    assert [(e["id"], e["version"], e["minutes"]) for e in shown] == [(entry["id"], 3, 120)]
    assert uuid.UUID(shown[0]["id"])
