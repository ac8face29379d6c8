"""Issue 6, item 2: a retried request never creates hours twice.

One live entry per placement and work date (a partial unique index; corrections and rejected entries
left out): a second submission of a day is 409 ``work-date-taken`` naming the entry, in sequence and in
parallel. ``Idempotency-Key`` replays the first answer of a retried request."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest

from timesheet.entries import repository
from timesheet.entries.repository import NewEntry
from timesheet.entries.transitions import EntryConflictError
from vikar_shared.auth.principal import Role
from vikar_shared.errors import Category, DomainError
from vikar_shared.http.idempotency import IdempotencyRequest, claim, purge_expired
from vikar_shared.testing.plugin import bearer

if TYPE_CHECKING:
    from conftest import Harness

ISSUE_DAY, ISSUE_MINUTES = date(2026, 11, 5), 240


def _day(h: Harness) -> str:
    """2026-11-05 (the issue's day) when the placement takes hours on it, else a day it does."""
    if h.placement.start_date <= ISSUE_DAY <= h.today:
        return ISSUE_DAY.isoformat()
    return h.day(5)


async def test_a_day_submitted_twice_is_409_naming_the_entry_and_only_one_is_stored(timesheet: Harness) -> None:
    h = timesheet
    body = [{"work_date": _day(h), "minutes": ISSUE_MINUTES}]
    first = await h.submit(body)

    again = await h.submit(body)

    assert (first.status_code, again.status_code) == (201, 409)
    existing = first.json()["entries"][0]["id"]
    problem = again.json()
    assert again.headers["content-type"] == "application/problem+json"
    assert problem["code"] == "work-date-taken"
    assert existing in problem["detail"]
    assert problem["entry"]["id"] == existing
    assert [e["id"] for e in problem["entries"]] == [existing]
    assert await h.pool.fetchval("select count(*) from entries") == 1
    assert await h.outbox_types() == ["timesheet.hours_submitted"]


async def test_a_big_day_sent_twice_is_409_not_the_12_hour_cap_and_bad_minutes_are_still_422(
    timesheet: Harness,
) -> None:
    h = timesheet
    body = [{"work_date": h.day(2), "minutes": 480}]
    first = await h.submit(body)

    again = await h.submit(body)
    bad_minutes = await h.submit([{"work_date": h.day(2), "minutes": 50}])

    assert (first.status_code, again.status_code) == (201, 409)
    assert again.json()["entry"]["id"] == first.json()["entries"][0]["id"]
    assert bad_minutes.status_code == 422
    assert [e["rule"] for e in bad_minutes.json()["errors"]] == ["minutes-not-quarter-hours"]


async def test_an_approved_day_is_taken_too_but_a_rejected_day_is_free_and_corrections_are_not_counted(
    timesheet: Harness,
) -> None:
    h = timesheet
    approved = await h.approve(await h.entry_for(3, 240))
    rejected = await h.reject(await h.entry_for(4, 240))

    on_approved = await h.submit([{"work_date": h.day(3), "minutes": 60}])
    on_rejected = await h.submit([{"work_date": h.day(4), "minutes": 60}])
    correction = await h.client.post(
        f"/entries/{approved['id']}/corrections",
        json={"minutes_delta": 60, "reason": "Stayed late"},
        headers=h.consultant,
    )

    assert (on_approved.status_code, on_approved.json()["entry"]["id"]) == (409, approved["id"])
    assert on_approved.json()["entry"]["status"] == "approved"
    assert "correction" in on_approved.json()["detail"]
    assert on_rejected.status_code == 201
    assert correction.status_code == 201
    assert (await h.get(rejected["id"]))["status"] == "rejected"


async def test_moving_a_rejected_entry_onto_a_taken_day_is_409_naming_the_entry(timesheet: Harness) -> None:
    h = timesheet
    taken = await h.entry_for(2, 240)
    moved = await h.reject(await h.entry_for(3, 240))

    onto_taken = await h.client.put(
        f"/entries/{moved['id']}",
        json={"work_date": h.day(2), "minutes": 120, "expected_version": 2},
        headers=h.consultant,
    )
    onto_free = await h.client.put(
        f"/entries/{moved['id']}",
        json={"work_date": h.day(1), "minutes": 120, "expected_version": 2},
        headers=h.consultant,
    )

    assert onto_taken.status_code == 409
    assert (onto_taken.json()["code"], onto_taken.json()["entry"]["id"]) == ("work-date-taken", taken["id"])
    assert onto_free.status_code == 200, onto_free.text
    assert (onto_free.json()["work_date"], onto_free.json()["version"]) == (h.day(1), 3)


async def test_two_identical_submissions_in_parallel_without_a_key_store_exactly_one(timesheet: Harness) -> None:
    h = timesheet
    body = [{"work_date": h.day(5), "minutes": 240}]

    responses = await asyncio.gather(*(h.submit(body) for _ in range(4)))

    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409], [r.text for r in responses]
    created = next(r for r in responses if r.status_code == 201).json()["entries"][0]["id"]
    assert {r.json()["entry"]["id"] for r in responses if r.status_code == 409} == {created}
    assert await h.pool.fetchval("select count(*) from entries") == 1


async def test_the_unique_index_is_mapped_to_the_domain_409_in_the_repository(timesheet: Harness) -> None:
    """What slips past the service's check (a concurrent insert) meets the index: a 409, never a 500."""
    h = timesheet
    existing = await h.entry_for(2, 240)
    p = h.placement
    async with h.pool.acquire() as conn, conn.transaction():
        with pytest.raises(EntryConflictError) as raised:
            await repository.insert_submitted(
                conn,
                submission_id=uuid.uuid4(),
                placement_id=p.placement_id,
                company_id=p.company_id,
                citizen_id=p.citizen_id,
                submitted_by="test",
                entries=[NewEntry(uuid.uuid4(), date.fromisoformat(h.day(2)), 60, 15_500)],
            )
    assert (raised.value.code, raised.value.entry and str(raised.value.entry.id)) == (
        "work-date-taken",
        existing["id"],
    )


# --- Idempotency-Key -------------------------------------------------------------------------------


async def _post(h: Harness, body: object, key: str, headers: dict[str, str] | None = None) -> object:
    return await h.client.post(
        f"/placements/{h.placement.placement_id}/entries",
        json=body,
        headers={**(headers or h.consultant), "Idempotency-Key": key},
    )


async def test_a_retried_submission_with_its_key_replays_the_first_answer(timesheet: Harness) -> None:
    h = timesheet
    body = {"entries": [{"work_date": _day(h), "minutes": ISSUE_MINUTES}]}
    key = str(uuid.uuid4())

    first = await _post(h, body, key)
    # The same body written another way (key order, spacing) is the same request.
    retried = await h.client.post(
        f"/placements/{h.placement.placement_id}/entries",
        content=f'{{ "entries" : [ {{"minutes": {ISSUE_MINUTES}, "work_date": "{_day(h)}"}} ] }}',
        headers={**h.consultant, "Idempotency-Key": key, "Content-Type": "application/json"},
    )

    assert (first.status_code, retried.status_code) == (201, 201)  # type: ignore[attr-defined]
    assert retried.json() == first.json()  # type: ignore[attr-defined]
    assert retried.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers  # type: ignore[attr-defined]
    assert await h.pool.fetchval("select count(*) from entries") == 1
    assert await h.outbox_types() == ["timesheet.hours_submitted"]


async def test_the_same_key_sent_in_parallel_creates_once(timesheet: Harness) -> None:
    h = timesheet
    body = {"entries": [{"work_date": h.day(4), "minutes": 120}]}

    responses = await asyncio.gather(*(_post(h, body, "parallel") for _ in range(4)))

    statuses = [r.status_code for r in responses]  # type: ignore[attr-defined]
    assert set(statuses) <= {201, 409} and statuses.count(201) >= 1, statuses
    created = {r.json()["entries"][0]["id"] for r in responses if r.status_code == 201}  # type: ignore[attr-defined]
    assert len(created) == 1
    refused = [r.json()["code"] for r in responses if r.status_code == 409]  # type: ignore[attr-defined]
    assert set(refused) <= {"idempotency-key-in-flight"}
    assert await h.pool.fetchval("select count(*) from entries") == 1


async def test_a_key_reused_for_another_body_is_422_and_creates_nothing(timesheet: Harness) -> None:
    h = timesheet
    key = "retry-1"
    await _post(h, {"entries": [{"work_date": h.day(2), "minutes": 240}]}, key)

    other = await _post(h, {"entries": [{"work_date": h.day(3), "minutes": 240}]}, key)

    assert other.status_code == 422  # type: ignore[attr-defined]
    problem = other.json()  # type: ignore[attr-defined]
    assert problem["code"] == "idempotency-key-reused"
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [("Idempotency-Key", "idempotency-key-reused")]
    assert await h.pool.fetchval("select count(*) from entries") == 1


async def test_keys_are_per_caller_and_a_failed_request_leaves_its_key_free(timesheet: Harness) -> None:
    h = timesheet
    key = "shared-looking-key"
    anna = await _post(h, {"entries": [{"work_date": h.day(2), "minutes": 240}]}, key)
    bo = bearer(Role.CONSULTANT, sub="bo.consultant")
    # Another caller's same key is another key: it runs (and meets the day rule on its own).
    bos_first = await _post(h, {"entries": [{"work_date": h.day(3), "minutes": 17}]}, key, bo)
    bos_fixed = await _post(h, {"entries": [{"work_date": h.day(3), "minutes": 15}]}, key, bo)

    assert anna.status_code == 201  # type: ignore[attr-defined]
    assert bos_first.status_code == 422  # type: ignore[attr-defined]  # minutes not quarter hours
    assert bos_fixed.status_code == 201  # type: ignore[attr-defined]
    assert await h.pool.fetchval("select count(*) from idempotency_keys") == 2


@pytest.mark.parametrize("key", ["", "a" * 256, "bad key", "nøgle"])
async def test_a_malformed_key_is_422_naming_the_header(timesheet: Harness, key: str) -> None:
    h = timesheet

    response = await h.client.post(
        f"/placements/{h.placement.placement_id}/entries",
        json={"entries": [{"work_date": h.day(2), "minutes": 240}]},
        headers={**h.consultant, "Idempotency-Key": key.encode()},  # type: ignore[dict-item]
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["Idempotency-Key"]
    assert await h.pool.fetchval("select count(*) from entries") == 0


async def test_decisions_and_corrections_replay_too(timesheet: Harness) -> None:
    h = timesheet
    entry = await h.entry_for(2, 240)
    approve = {"expected_version": 1}
    headers = {**h.approver, "Idempotency-Key": "approve-once"}

    first = await h.client.post(f"/entries/{entry['id']}/approve", json=approve, headers=headers)
    again = await h.client.post(f"/entries/{entry['id']}/approve", json=approve, headers=headers)
    fix = {"minutes_delta": 30, "reason": "Stayed late"}
    fix_headers = {**h.consultant, "Idempotency-Key": "fix-once"}
    correction = await h.client.post(f"/entries/{entry['id']}/corrections", json=fix, headers=fix_headers)
    correction_again = await h.client.post(f"/entries/{entry['id']}/corrections", json=fix, headers=fix_headers)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert (correction.status_code, correction_again.status_code) == (201, 201)
    assert correction_again.json()["id"] == correction.json()["id"]
    assert await h.outbox_types() == [
        "timesheet.hours_submitted",
        "timesheet.entry_approved",
        "timesheet.hours_submitted",
    ]


async def test_every_creating_post_documents_the_idempotency_key_header(timesheet: Harness) -> None:
    h = timesheet
    spec = (await h.client.get("/openapi.json")).json()
    posts = {path: ops["post"] for path, ops in spec["paths"].items() if "post" in ops}

    assert set(posts) == {
        "/placements/{placement_id}/entries",
        "/entries/{entry_id}/approve",
        "/entries/{entry_id}/reject",
        "/entries/{entry_id}/corrections",
        "/companies/{company_id}/approvals",
    }
    for path, operation in posts.items():
        headers = [p for p in operation["parameters"] if p["in"] == "header"]
        assert [p["name"] for p in headers] == ["Idempotency-Key"], path
        assert "replays the first response" in headers[0]["description"]


async def test_a_key_in_flight_is_409_at_once_and_replays_once_the_first_has_committed(timesheet: Harness) -> None:
    h = timesheet
    request = IdempotencyRequest(key="in-flight", scope="caller", fingerprint="f1")
    async with h.pool.acquire() as first, h.pool.acquire() as second:
        tx = first.transaction()
        await tx.start()
        run = await claim(first, request)
        assert run.replay is None
        with pytest.raises(DomainError) as raised:
            async with second.transaction():
                await claim(second, request)
        await run.complete(201, {"id": "x"})
        await tx.commit()
        async with second.transaction():
            replayed = await claim(second, request)
            with pytest.raises(DomainError) as reused:
                await claim(second, IdempotencyRequest(key="in-flight", scope="caller", fingerprint="f2"))

    assert (raised.value.category, raised.value.code) == (Category.CONFLICT, "idempotency-key-in-flight")
    assert replayed.replay is not None
    assert (replayed.replay.status_code, bytes(replayed.replay.body)) == (201, b'{"id":"x"}')
    assert reused.value.code == "idempotency-key-reused"


async def test_keys_are_kept_24_hours_then_purged(timesheet: Harness) -> None:
    h = timesheet
    await _post(h, {"entries": [{"work_date": h.day(2), "minutes": 240}]}, "old")
    await _post(h, {"entries": [{"work_date": h.day(3), "minutes": 240}]}, "recent")
    await h.pool.execute("update idempotency_keys set created_at = now() - interval '25 hours' where key = 'old'")
    await h.pool.execute("update idempotency_keys set created_at = now() - interval '23 hours' where key = 'recent'")

    async with h.pool.acquire() as conn:
        purged = await purge_expired(conn, timedelta(hours=1))  # never less than 24 h

    assert purged == 1
    assert [r["key"] for r in await h.pool.fetch("select key from idempotency_keys")] == ["recent"]
