"""Reading, approving and rejecting entries: object-level access, conflicts, races and events."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from vikar_shared.auth.principal import Role
from vikar_shared.events.envelope import Envelope
from vikar_shared.testing.plugin import bearer

if TYPE_CHECKING:
    from conftest import Harness


def _other_approver() -> dict[str, str]:
    return bearer(Role.COMPANY_APPROVER, sub="eve.other", company_id=uuid.uuid4())


async def test_company_approver_approves_and_entry_approved_is_written(timesheet: Harness) -> None:
    h = timesheet
    entry_id = await h.submitted_entry_id(days_ago=2, minutes=240)

    response = await h.client.post(f"/entries/{entry_id}/approve", json={"expected_version": 1}, headers=h.approver)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["version"], body["decided_by"]) == ("approved", 2, "bo.approver")
    assert body["decided_at"] is not None
    row = await h.entry_row(entry_id)
    assert (row["status"], row["version"], row["decided_by"]) == ("approved", 2, "bo.approver")

    outbox = await h.outbox()
    assert [r["envelope"]["type"] for r in outbox] == ["timesheet.hours_submitted", "timesheet.entry_approved"]
    approved = outbox[1]
    assert approved["key"] == str(h.placement.placement_id)
    envelope = Envelope.model_validate(approved["envelope"])
    assert envelope.subject == entry_id
    assert envelope.data["entry_id"] == entry_id
    assert envelope.data["company_id"] == str(h.placement.company_id)
    assert envelope.data["work_date"] == (h.today - timedelta(days=2)).isoformat()
    assert envelope.data["minutes"] == 240
    assert envelope.data["approved_by"] == "bo.approver"
    assert envelope.data["corrects_entry_id"] is None


async def test_approving_an_approved_entry_is_409_naming_its_status(timesheet: Harness) -> None:
    h = timesheet
    entry_id = await h.submitted_entry_id()
    first = await h.client.post(f"/entries/{entry_id}/approve", json={"expected_version": 1}, headers=h.approver)
    assert first.status_code == 200

    again = await h.client.post(f"/entries/{entry_id}/approve", json={"expected_version": 1}, headers=h.approver)

    assert again.status_code == 409
    assert again.json()["code"] == "entry-not-submitted"
    assert "approved" in again.json()["detail"]
    assert (await h.entry_row(entry_id))["version"] == 2
    assert await h.outbox_types() == ["timesheet.hours_submitted", "timesheet.entry_approved"]


async def test_two_concurrent_approvals_one_succeeds_the_other_conflicts(timesheet: Harness) -> None:
    h = timesheet
    entry_id = await h.submitted_entry_id()

    responses = await asyncio.gather(
        h.client.post(f"/entries/{entry_id}/approve", json={"expected_version": 1}, headers=h.approver),
        h.client.post(f"/entries/{entry_id}/approve", json={"expected_version": 1}, headers=h.approver),
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert "approved" in loser.json()["detail"]
    assert (loser.json()["entry"]["status"], loser.json()["entry"]["decided_by"]) == ("approved", "bo.approver")
    assert (await h.entry_row(entry_id))["version"] == 2
    assert await h.outbox_types() == ["timesheet.hours_submitted", "timesheet.entry_approved"]


async def test_of_two_approvers_deciding_at_once_the_loser_sees_the_status_and_who_decided(
    timesheet: Harness,
) -> None:
    h = timesheet
    entry_id = await h.submitted_entry_id()
    cia = bearer(Role.COMPANY_APPROVER, sub="cia.approver", company_id=h.placement.company_id)

    responses = await asyncio.gather(
        h.client.post(f"/entries/{entry_id}/approve", json={"expected_version": 1}, headers=h.approver),
        h.client.post(f"/entries/{entry_id}/reject", json={"reason": "Not here", "expected_version": 1}, headers=cia),
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = next(r for r in responses if r.status_code == 200).json()
    loser = next(r for r in responses if r.status_code == 409)
    problem = loser.json()
    assert loser.headers["content-type"] == "application/problem+json"
    assert problem["code"] in ("entry-not-submitted", "entry-version-mismatch")
    assert (problem["entry"]["status"], problem["entry"]["decided_by"], problem["entry"]["version"]) == (
        winner["status"],
        winner["decided_by"],
        2,
    )
    assert problem["entry"]["decided_at"] == winner["decided_at"]
    assert winner["decided_by"] in problem["detail"]
    assert len(await h.outbox_types()) == 2


async def test_approval_at_a_stale_expected_version_is_409_and_changes_nothing(timesheet: Harness) -> None:
    h = timesheet
    entry_id = await h.submitted_entry_id()

    stale = await h.client.post(f"/entries/{entry_id}/approve", json={"expected_version": 7}, headers=h.approver)
    current = await h.client.post(f"/entries/{entry_id}/approve", json={"expected_version": 1}, headers=h.approver)

    assert stale.status_code == 409
    assert stale.json()["code"] == "entry-version-mismatch"
    assert current.status_code == 200
    assert await h.outbox_types() == ["timesheet.hours_submitted", "timesheet.entry_approved"]


@pytest.mark.parametrize("expected_version", [0, 2**31, "1", 1.0])
async def test_an_expected_version_that_is_not_a_valid_version_is_422(
    timesheet: Harness, expected_version: object
) -> None:
    h = timesheet
    entry_id = await h.submitted_entry_id()

    response = await h.client.post(
        f"/entries/{entry_id}/approve", json={"expected_version": expected_version}, headers=h.approver
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["expected_version"]
    assert (await h.entry_row(entry_id))["status"] == "submitted"


@pytest.mark.parametrize(
    "body", [{}, {"reason": "   "}, {"reason": " ok "}, {"reason": "x" * 1001}, {"reason": "bad\x00day"}, None]
)
async def test_reject_without_a_proper_reason_is_422_and_changes_nothing(
    timesheet: Harness, body: dict[str, str] | None
) -> None:
    h = timesheet
    entry_id = await h.submitted_entry_id()

    response = await h.client.post(f"/entries/{entry_id}/reject", json=body, headers=h.approver)

    assert response.status_code == 422
    field = "body" if body is None else "reason"
    assert field in [e["field"] for e in response.json()["errors"]]
    row = await h.entry_row(entry_id)
    assert (row["status"], row["version"], row["rejection_reason"]) == ("submitted", 1, None)
    assert await h.outbox_types() == ["timesheet.hours_submitted"]


async def test_reject_with_reason_stores_it_stripped_and_writes_entry_rejected(timesheet: Harness) -> None:
    h = timesheet
    entry_id = await h.submitted_entry_id()

    response = await h.client.post(
        f"/entries/{entry_id}/reject",
        json={"reason": "  Was not at work that day  ", "expected_version": 1},
        headers=h.approver,
    )

    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["rejection_reason"]) == (
        "rejected",
        "Was not at work that day",
    )
    outbox = await h.outbox()
    assert [r["envelope"]["type"] for r in outbox] == ["timesheet.hours_submitted", "timesheet.entry_rejected"]
    assert outbox[1]["key"] == str(h.placement.placement_id)
    assert outbox[1]["envelope"]["subject"] == entry_id
    assert outbox[1]["envelope"]["data"]["reason"] == "Was not at work that day"
    assert outbox[1]["envelope"]["data"]["rejected_by"] == "bo.approver"

    approve_after = await h.client.post(
        f"/entries/{entry_id}/approve", json={"expected_version": 1}, headers=h.approver
    )
    assert approve_after.status_code == 409
    assert "rejected" in approve_after.json()["detail"]


async def test_approver_of_another_company_gets_404_and_cannot_decide(timesheet: Harness) -> None:
    h = timesheet
    entry_id = await h.submitted_entry_id()
    other = _other_approver()

    get = await h.client.get(f"/entries/{entry_id}", headers=other)
    approve = await h.client.post(f"/entries/{entry_id}/approve", json={"expected_version": 1}, headers=other)
    reject = await h.client.post(
        f"/entries/{entry_id}/reject", json={"reason": "not ours", "expected_version": 1}, headers=other
    )
    listing = await h.client.get(f"/companies/{h.placement.company_id}/entries", headers=other)

    assert [r.status_code for r in (get, approve, reject, listing)] == [404, 404, 404, 404]
    assert get.json()["code"] == "entry-not-found"
    assert (await h.entry_row(entry_id))["status"] == "submitted"
    assert await h.outbox_types() == ["timesheet.hours_submitted"]


async def test_an_unknown_entry_is_404_for_the_approver(timesheet: Harness) -> None:
    response = await timesheet.client.post(
        f"/entries/{uuid.uuid4()}/approve", json={"expected_version": 1}, headers=timesheet.approver
    )

    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.ADMIN, Role.FINANCE])
async def test_agency_staff_may_not_approve_or_reject(timesheet: Harness, role: Role) -> None:
    h = timesheet
    entry_id = await h.submitted_entry_id()

    approve = await h.client.post(f"/entries/{entry_id}/approve", json={"expected_version": 1}, headers=bearer(role))
    reject = await h.client.post(
        f"/entries/{entry_id}/reject", json={"reason": "nope", "expected_version": 1}, headers=bearer(role)
    )

    assert (approve.status_code, reject.status_code) == (403, 403)
    assert (await h.entry_row(entry_id))["status"] == "submitted"


async def test_missing_and_expired_tokens_cannot_approve(timesheet: Harness) -> None:
    h = timesheet
    entry_id = await h.submitted_entry_id()
    expired = bearer(Role.COMPANY_APPROVER, company_id=h.placement.company_id, ttl=timedelta(seconds=-1))

    missing = await h.client.post(f"/entries/{entry_id}/approve", json={"expected_version": 1})
    stale = await h.client.post(f"/entries/{entry_id}/approve", json={"expected_version": 1}, headers=expired)

    assert (missing.status_code, stale.status_code) == (401, 401)
    assert (await h.entry_row(entry_id))["status"] == "submitted"


async def test_entry_is_visible_to_staff_and_its_company_approver_only(timesheet: Harness) -> None:
    h = timesheet
    entry_id = await h.submitted_entry_id(days_ago=1, minutes=45)
    municipality = bearer(Role.MUNICIPALITY, municipality_id=h.placement.municipality_id)

    by_finance = await h.client.get(f"/entries/{entry_id}", headers=bearer(Role.FINANCE))
    by_approver = await h.client.get(f"/entries/{entry_id}", headers=h.approver)
    by_municipality = await h.client.get(f"/entries/{entry_id}", headers=municipality)

    assert (by_finance.status_code, by_approver.status_code, by_municipality.status_code) == (200, 200, 404)
    body = by_approver.json()
    assert body == by_finance.json()
    assert body["placement_id"] == str(h.placement.placement_id)
    assert body["company_id"] == str(h.placement.company_id)
    assert body["citizen_name"] == "Ida Jensen"
    assert (body["work_date"], body["minutes"], body["status"], body["version"]) == (
        (h.today - timedelta(days=1)).isoformat(),
        45,
        "submitted",
        1,
    )
    assert (body["submitted_by"], body["decided_by"], body["decided_at"], body["rejection_reason"]) == (
        "anna.consultant",
        None,
        None,
        None,
    )
    assert "cpr" not in str(body).lower()


async def test_company_entries_are_filtered_by_status_and_ordered_by_date_then_citizen(timesheet: Harness) -> None:
    h = timesheet
    anders = await h.another_placement("Anders Berg")
    elsewhere = await h.another_placement("Carl Other", company_id=uuid.uuid4())
    day1, day2 = (h.today - timedelta(days=2)).isoformat(), (h.today - timedelta(days=1)).isoformat()
    ida_day2 = (await h.submit([{"work_date": day2, "minutes": 60}])).json()["entries"][0]["id"]
    ida_day1 = (await h.submit([{"work_date": day1, "minutes": 60}])).json()["entries"][0]["id"]
    anders_day2 = (await h.submit([{"work_date": day2, "minutes": 60}], placement_id=anders.placement_id)).json()[
        "entries"
    ][0]["id"]
    rejected = await h.submitted_entry_id(days_ago=3)
    other_company = await h.submit([{"work_date": day1, "minutes": 60}], placement_id=elsewhere.placement_id)
    assert other_company.status_code == 201
    reject = await h.client.post(
        f"/entries/{rejected}/reject", json={"reason": "wrong day", "expected_version": 1}, headers=h.approver
    )
    assert reject.status_code == 200

    url = f"/companies/{h.placement.company_id}/entries"
    submitted = await h.client.get(url, params={"status": "submitted"}, headers=h.approver)
    everything = await h.client.get(url, headers=bearer(Role.CONSULTANT))
    only_rejected = await h.client.get(url, params={"status": "rejected"}, headers=h.approver)
    bad_status = await h.client.get(url, params={"status": "paid"}, headers=h.approver)

    assert submitted.status_code == 200
    assert [e["id"] for e in submitted.json()["entries"]] == [ida_day1, anders_day2, ida_day2]
    assert [e["citizen_name"] for e in submitted.json()["entries"]] == ["Ida Jensen", "Anders Berg", "Ida Jensen"]
    assert [e["id"] for e in everything.json()["entries"]] == [rejected, ida_day1, anders_day2, ida_day2]
    assert [e["id"] for e in only_rejected.json()["entries"]] == [rejected]
    assert bad_status.status_code == 422


async def test_an_approval_without_and_with_an_idempotency_key_writes_the_same(timesheet: Harness) -> None:
    """Without a key the approval takes two statements (issue 8), with one a transaction with the stored
    answer: the entry, its history row and its EntryApproved (approved_at = decided_at, the request's
    correlation id) come out the same."""
    h = timesheet
    quick, keyed = await h.submitted_entry_id(days_ago=2), await h.submitted_entry_id(days_ago=3)
    answers = {}
    for entry_id, extra in ((quick, {}), (keyed, {"Idempotency-Key": f"approve-{keyed}"})):
        response = await h.client.post(
            f"/entries/{entry_id}/approve",
            json={"expected_version": 1},
            headers={**h.approver, **extra, "X-Correlation-ID": f"cid-{entry_id}"},
        )
        assert response.status_code == 200, response.text
        answers[entry_id] = response.json()
    events = {
        str(envelope.subject): envelope
        for envelope in (Envelope.model_validate(r["envelope"]) for r in await h.outbox())
        if envelope.type == "timesheet.entry_approved"
    }
    assert sorted(events) == sorted([quick, keyed])
    for entry_id in (quick, keyed):
        row = await h.entry_row(entry_id)
        assert (row["status"], row["version"], row["decided_by"]) == ("approved", 2, "bo.approver")
        assert datetime.fromisoformat(answers[entry_id]["decided_at"]) == row["decided_at"]
        envelope = events[entry_id]
        assert envelope.correlation_id == f"cid-{entry_id}"
        assert datetime.fromisoformat(str(envelope.data["approved_at"])) == row["decided_at"]
        assert envelope.data["minutes"] == row["minutes"]
        history = await h.pool.fetch(
            "select action, actor, version, reason from entry_history where entry_id = $1 order by id",
            uuid.UUID(entry_id),
        )
        assert [tuple(r) for r in history] == [
            ("submitted", history[0]["actor"], 1, None),
            ("approved", "bo.approver", 2, None),
        ]
