"""Issue 6, item 2 for corrections: the same correction sent twice (a double click, a retry without an
Idempotency-Key, two tabs, in parallel) is stored once. At most one correction of an entry is open
(submitted) at a time; another is 409 ``correction-open`` naming the open one, which is changed with
``PUT /entries/{id}`` while submitted. The database enforces it (migration 20261130_81), which also
settles corrections already stored open side by side."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import pytest

from timesheet.app import MIGRATIONS
from vikar_shared.testing.plugin import DatabaseBefore

if TYPE_CHECKING:
    import httpx
    from conftest import Harness

LUNCH = {"minutes_delta": -60, "reason": "forgot lunch break"}
MIGRATION = "20261130_81_one_open_correction.sql"


async def _correct(h: Harness, entry_id: str, body: dict[str, Any] = LUNCH) -> httpx.Response:
    return await h.client.post(f"/entries/{entry_id}/corrections", json=body, headers=h.consultant)


async def _approve_all(h: Harness) -> httpx.Response:
    approver = h.approver_of(h.placement.company_id)
    queue = await h.client.get(f"/companies/{h.placement.company_id}/pending", headers=approver)
    seen = [
        {"entry_id": e["id"], "version": e["version"]}
        for week in queue.json()["weeks"]
        for citizen in week["citizens"]
        for e in citizen["entries"]
    ]
    return await h.client.post(
        f"/companies/{h.placement.company_id}/approvals", json={"all_pending": True, "seen": seen}, headers=approver
    )


async def _settled_minutes(h: Harness, original_id: str) -> int:
    """The original's minutes with its approved corrections applied (what is invoiced)."""
    total: int = await h.pool.fetchval(
        "select sum(minutes) from entries where (id = $1 or corrects_entry_id = $1) and status = 'approved'",
        uuid.UUID(original_id),
    )
    return total


async def test_the_same_correction_sent_twice_is_stored_once_and_the_second_names_the_open_one(
    timesheet: Harness,
) -> None:
    h = timesheet
    original = await h.approve(await h.entry_for(3, 240))

    first = await _correct(h, original["id"])
    second = await _correct(h, original["id"])

    assert (first.status_code, second.status_code) == (201, 409)
    problem = second.json()
    assert second.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "correction-open"
    assert problem["entry"]["id"] == first.json()["id"]
    assert [e["id"] for e in problem["entries"]] == [first.json()["id"]]
    assert f"PUT /entries/{first.json()['id']} (expected_version 1)" in problem["detail"]
    approved = await _approve_all(h)
    assert approved.status_code == 200, approved.text
    assert await _settled_minutes(h, original["id"]) == 180
    assert await h.pool.fetchval("select count(*) from entries where corrects_entry_id is not null") == 1


async def test_four_identical_corrections_in_parallel_give_one_201_and_three_409s(timesheet: Harness) -> None:
    h = timesheet
    original = await h.approve(await h.entry_for(3, 240))

    responses = await asyncio.gather(*(_correct(h, original["id"]) for _ in range(4)))

    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    created = next(r.json() for r in responses if r.status_code == 201)
    assert all(r.json()["code"] == "correction-open" for r in responses if r.status_code == 409)
    assert all(r.json()["entry"]["id"] == created["id"] for r in responses if r.status_code == 409)
    assert (await _approve_all(h)).status_code == 200
    assert await _settled_minutes(h, original["id"]) == 180
    assert len(await h.envelopes("timesheet.hours_submitted")) == 2  # the original and one correction


async def test_the_open_correction_is_changed_with_put_and_a_next_one_follows_once_it_is_decided(
    timesheet: Harness,
) -> None:
    h = timesheet
    original = await h.approve(await h.entry_for(3, 240))
    correction = (await _correct(h, original["id"])).json()

    changed = await h.client.put(
        f"/entries/{correction['id']}",
        json={"work_date": original["work_date"], "minutes": -30, "expected_version": 1},
        headers=h.consultant,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["minutes"], changed.json()["version"]) == (-30, 2)
    await h.approve(changed.json())
    later = await _correct(h, original["id"], {"minutes_delta": 15, "reason": "Stayed a quarter longer"})

    assert later.status_code == 201, later.text
    await h.approve(later.json())
    assert await _settled_minutes(h, original["id"]) == 225


async def test_a_rejected_correction_is_not_submitted_again_while_another_is_open(timesheet: Harness) -> None:
    h = timesheet
    original = await h.approve(await h.entry_for(3, 240))
    rejected = await h.reject((await _correct(h, original["id"])).json(), "It was half an hour")
    open_one = await _correct(h, original["id"], {"minutes_delta": -30, "reason": "half an hour lunch"})
    assert open_one.status_code == 201

    again = await h.client.put(
        f"/entries/{rejected['id']}",
        json={"work_date": original["work_date"], "minutes": -45, "expected_version": rejected["version"]},
        headers=h.consultant,
    )

    assert again.status_code == 409
    assert (again.json()["code"], again.json()["entry"]["id"]) == ("correction-open", open_one.json()["id"])
    assert (await h.entry_row(rejected["id"]))["status"] == "rejected"


async def test_migration_81_settles_open_corrections_stored_twice_and_the_index_then_holds(
    database_before: Callable[[str, Path, str], Awaitable[DatabaseBefore]],
) -> None:
    db = await database_before("timesheet", MIGRATIONS, MIGRATION)
    dsn = db.dsn
    conn = await asyncpg.connect(dsn)
    try:
        placement_id, company_id, citizen_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await conn.execute(
            """insert into placements (placement_id, company_id, citizen_id, citizen_name, start_date,
                                       bill_rate_ore_per_hour)
               values ($1, $2, $3, 'Ida', '2026-11-01', 15500)""",
            placement_id,
            company_id,
            citizen_id,
        )

        async def entry(status: str, at: str, minutes: int, corrects: uuid.UUID | None = None) -> uuid.UUID:
            entry_id = uuid.uuid4()
            decided = status != "submitted"
            await conn.execute(
                """insert into entries (id, submission_id, placement_id, company_id, citizen_id, work_date, minutes,
                                        status, submitted_by, submitted_at, decided_by, decided_at,
                                        bill_rate_ore_per_hour, corrects_entry_id, correction_reason)
                   values ($1, $2, $3, $4, $5, '2026-11-05', $6, $7, 'anna', $8::text::timestamptz, $9,
                           $10::text::timestamptz, 15500, $11, $12)""",
                entry_id,
                uuid.uuid4(),
                placement_id,
                company_id,
                citizen_id,
                minutes,
                status,
                at,
                "bo" if decided else None,
                at if decided else None,
                corrects,
                None if corrects is None else "forgot lunch break",
            )
            return entry_id

        original = await entry("approved", "2026-11-05 16:00", 240)
        approved = await entry("approved", "2026-11-06 08:00", -60, original)
        keeper = await entry("submitted", "2026-11-06 09:00", -60, original)
        twins = [await entry("submitted", f"2026-11-06 09:0{i}", -60, original) for i in (1, 2)]
        assert await db.apply() == [MIGRATION]

        rows = {r["id"]: r for r in await conn.fetch("select * from entries")}
        assert [rows[i]["status"] for i in (original, approved, keeper)] == ["approved", "approved", "submitted"]
        for twin in twins:
            row = rows[twin]
            assert (row["status"], row["version"], row["decided_by"]) == ("rejected", 2, "migration:20261130_81")
            assert str(keeper) in row["rejection_reason"]
        history = await conn.fetch("select entry_id, action from entry_history where actor = 'migration:20261130_81'")
        assert sorted(r["entry_id"] for r in history) == sorted(twins)
        assert {r["action"] for r in history} == {"rejected"}
        with pytest.raises(asyncpg.UniqueViolationError):
            await entry("submitted", "2026-11-07 08:00", -15, original)
    finally:
        await conn.close()
