"""Approving many entries at once: by ids, ISO week, citizen or all pending, in one transaction, each with
its own EntryApproved; entries someone else decided first are reported, not failed on."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from vikar_shared.auth.principal import Role
from vikar_shared.testing.plugin import bearer

if TYPE_CHECKING:
    import httpx
    from conftest import Harness


def _iso_week(day: str) -> str:
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


async def _seen(h: Harness, body: dict[str, Any], headers: dict[str, str]) -> list[dict[str, Any]]:
    """What the approver saw before posting (issue 6): the pending queue's entries and versions, and for
    ids the queue does not show (decided, unknown, another company's), the version they could read."""
    queue = await h.client.get(f"/companies/{h.placement.company_id}/pending", headers=headers)
    seen = {}
    if queue.status_code == 200:
        for week in queue.json()["weeks"]:
            for citizen in week["citizens"]:
                seen.update({e["id"]: e["version"] for e in citizen["entries"]})
    for entry_id in body.get("entry_ids") or []:
        if isinstance(entry_id, str) and entry_id not in seen:
            found = await h.client.get(f"/entries/{entry_id}", headers=bearer(Role.ADMIN))
            seen[entry_id] = found.json()["version"] if found.status_code == 200 else 1
    return [{"entry_id": i, "version": v} for i, v in seen.items() if _is_uuid(i)]


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


async def _bulk(h: Harness, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    headers = headers or h.approver
    with_seen = body if "seen" in body else {**body, "seen": await _seen(h, body, headers)}
    return await h.client.post(f"/companies/{h.placement.company_id}/approvals", json=with_seen, headers=headers)


def _ids(entries: list[dict[str, Any]]) -> set[str]:
    return {e["id"] for e in entries}


async def _status(h: Harness, entry: dict[str, Any]) -> str:
    return str((await h.get(entry["id"]))["status"])


async def test_bulk_approval_by_iso_week_approves_that_weeks_pending_entries_only(timesheet: Harness) -> None:
    h = timesheet
    # A neighbour of day 8 inside its week, and day 1: seven days later, always the next ISO week.
    same_week = 9 if date.fromisoformat(h.day(8)).weekday() > 0 else 7
    in_week = [await h.entry_for(8, 240), await h.entry_for(same_week, 60)]
    next_week = await h.entry_for(1, 120)
    # Another placement of the company: one placement holds one live entry a day (issue 6).
    decided = await h.reject(
        await h.entry_for(8, 30, placement=await h.placement_for(company_id=h.placement.company_id))
    )

    response = await _bulk(h, {"week": _iso_week(h.day(8))})

    assert response.status_code == 200, response.text
    body = response.json()
    assert _ids(body["approved"]) == _ids(in_week)
    assert {e["decided_by"] for e in body["approved"]} == {"bo.approver"}
    assert (body["already_decided"], body["not_found"]) == ([], [])
    assert await _status(h, next_week) == "submitted"
    assert await _status(h, decided) == "rejected"
    approved_events = await h.envelopes("timesheet.entry_approved")
    assert {e["data"]["entry_id"] for e in approved_events} == _ids(in_week)
    assert {e["subject"] for e in approved_events} == _ids(in_week)


async def test_bulk_approval_by_citizen_approves_only_that_citizens_entries(timesheet: Harness) -> None:
    h = timesheet
    anders = await h.placement_for(citizen_id=uuid.uuid4(), company_id=h.placement.company_id, citizen_name="Anders")
    ida = [await h.entry_for(2, 240), await h.entry_for(3, 240)]
    theirs = await h.entry_for(2, 240, placement=anders)

    response = await _bulk(h, {"citizen_id": str(h.placement.citizen_id)})

    assert response.status_code == 200, response.text
    assert _ids(response.json()["approved"]) == _ids(ida)
    assert await _status(h, theirs) == "submitted"


async def test_bulk_approval_of_all_pending_leaves_other_companies_alone(timesheet: Harness) -> None:
    h = timesheet
    other_company = await h.placement_for(citizen_id=uuid.uuid4())
    anders = await h.placement_for(citizen_id=uuid.uuid4(), company_id=h.placement.company_id, citizen_name="Anders")
    ours = [await h.entry_for(2, 240), await h.entry_for(5, 240), await h.entry_for(2, 60, placement=anders)]
    correction_base = await h.approve(await h.entry_for(6, 240))
    correction = await h.client.post(
        f"/entries/{correction_base['id']}/corrections",
        json={"minutes_delta": -30, "reason": "Short day"},
        headers=h.consultant,
    )
    theirs = await h.entry_for(2, 240, placement=other_company)

    response = await _bulk(h, {"all_pending": True})

    assert response.status_code == 200, response.text
    assert _ids(response.json()["approved"]) == _ids([*ours, correction.json()])
    assert await _status(h, theirs) == "submitted"
    events = {e["data"]["entry_id"]: e["data"] for e in await h.envelopes("timesheet.entry_approved")}
    assert events[correction.json()["id"]]["corrects_entry_id"] == correction_base["id"]
    assert events[correction.json()["id"]]["minutes"] == -30
    again = await _bulk(h, {"all_pending": True})
    assert again.json() == {"approved": [], "already_decided": [], "not_found": []}


async def test_bulk_approval_by_ids_reports_decided_and_unknown_entries_instead_of_failing(timesheet: Harness) -> None:
    h = timesheet
    other_company = await h.placement_for(citizen_id=uuid.uuid4())
    pending = await h.entry_for(2, 240)
    rejected = await h.reject(await h.entry_for(3, 240))
    theirs = await h.entry_for(2, 240, placement=other_company)
    unknown = str(uuid.uuid4())

    response = await _bulk(h, {"entry_ids": [pending["id"], rejected["id"], theirs["id"], unknown, pending["id"]]})

    assert response.status_code == 200, response.text
    body = response.json()
    assert [e["id"] for e in body["approved"]] == [pending["id"]]
    assert [(e["id"], e["status"], e["decided_by"]) for e in body["already_decided"]] == [
        (rejected["id"], "rejected", "bo.approver")
    ]
    assert body["not_found"] == [theirs["id"], unknown]
    assert await _status(h, theirs) == "submitted"
    assert len(await h.envelopes("timesheet.entry_approved")) == 1


async def test_two_approvers_approving_in_bulk_at_once_approve_each_entry_exactly_once(timesheet: Harness) -> None:
    h = timesheet
    entries = [await h.entry_for(days_ago, 60) for days_ago in range(1, 11)]
    second = h.approver_of(h.placement.company_id, sub="cia.approver")

    responses = await asyncio.gather(
        _bulk(h, {"all_pending": True}),
        _bulk(h, {"entry_ids": [e["id"] for e in reversed(entries)]}, headers=second),
    )

    assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
    first, other = (r.json() for r in responses)
    assert _ids(first["approved"]) | _ids(other["approved"]) == _ids(entries)
    assert not _ids(first["approved"]) & _ids(other["approved"])
    # What one approver got is reported to the other as decided by the winner.
    assert _ids(other["already_decided"]) == _ids(first["approved"])
    assert {e["decided_by"] for e in other["already_decided"]} <= {"bo.approver"}
    approved_events = await h.envelopes("timesheet.entry_approved")
    assert sorted(e["data"]["entry_id"] for e in approved_events) == sorted(_ids(entries))
    rows = await h.pool.fetch("select version from entries")
    assert {r["version"] for r in rows} == {2}


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({}, "body", "exactly-one-selector"),
        ({"week": "2026-W47", "all_pending": True}, "body", "exactly-one-selector"),
        ({"week": "2026-W54"}, "week", "iso-week-invalid"),
        ({"week": "2026-47"}, "week", "iso-week-invalid"),
        ({"all_pending": False}, "all_pending", "literal_error"),
        ({"entry_ids": []}, "entry_ids", "too_short"),
        ({"entry_ids": ["nope"]}, "entry_ids.0", "uuid_parsing"),
        ({"citizen_id": str(uuid.uuid4()), "status": "approved"}, "status", "extra_forbidden"),
    ],
)
async def test_a_bulk_approval_without_exactly_one_valid_selector_is_422(
    timesheet: Harness, body: dict[str, Any], field: str, rule: str
) -> None:
    h = timesheet
    entry = await h.entry_for(2, 60)

    response = await _bulk(h, body)

    assert response.status_code == 422
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [(field, rule)]
    assert await _status(h, entry) == "submitted"


async def test_staff_may_not_approve_in_bulk_and_another_companys_approver_sees_no_company(timesheet: Harness) -> None:
    h = timesheet
    entry = await h.entry_for(2, 60)

    staff = await _bulk(h, {"all_pending": True}, headers=bearer(Role.ADMIN))
    stranger = await _bulk(h, {"all_pending": True}, headers=h.approver_of(uuid.uuid4()))

    assert staff.status_code == 403
    assert (stranger.status_code, stranger.json()["code"]) == (404, "company-not-found")
    assert await _status(h, entry) == "submitted"
