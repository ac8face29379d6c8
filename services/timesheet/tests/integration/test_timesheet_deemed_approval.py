"""Deemed approval (issue 14, part C): notifications' ``DeemedApprovalDue`` lists entries with the version it saw;
timesheet approves, as deemed approved, each listed entry still submitted at that version, at the app's clock. An
entry changed since (a new version), decided meanwhile, or of another company is left alone, whatever the
request's and the entries' timestamps (no clock is compared with another). A change committed while the request
waits for the row's lock is seen. The reason is on the entry, in its history and in ``EntryApproved``; one
``EntriesDeemedApproved`` answers; a redelivered request does nothing twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from vikar_shared.clock import FixedClock
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.notifications import DeemedApprovalDue, DueEntry
from vikar_shared.messaging.kafka import make_producer
from vikar_shared.testing.plugin import wait_until

if TYPE_CHECKING:
    from conftest import Harness


async def _send(h: Harness, envelope: Envelope) -> None:
    producer = make_producer(h.kafka, "test-publisher")
    await producer.start()
    try:
        await producer.send_and_wait(
            h.namespace + DeemedApprovalDue.topic,
            value=envelope.model_dump_json().encode(),
            key=str(envelope.subject).encode(),
        )
    finally:
        await producer.stop()


async def _handled(h: Harness, envelope: Envelope) -> None:
    async def done() -> bool:
        return bool(await h.pool.fetchval("select count(*) from inbox where event_id = $1", envelope.id))

    await wait_until(done, what="the deemed approval request handled")


def _due(h: Harness, *listed: tuple[dict[str, Any], int]) -> DeemedApprovalDue:
    decided = datetime.combine(h.placement.start_date, time(7), tzinfo=UTC)
    return DeemedApprovalDue(
        company_id=h.placement.company_id,
        entries=[DueEntry(entry_id=uuid.UUID(e["id"]), version=v) for e, v in listed],
        decided_at=decided,
        working_days=10,
    )


async def test_deemed_approval_approves_only_the_listed_versions_at_the_apps_clock(timesheet: Harness) -> None:
    h = timesheet
    assert h.app is not None
    deemed = await h.entry_for(1, 450)
    approved_meanwhile = await h.entry_for(2, 120)
    changed_meanwhile = await h.entry_for(3, 240)
    rejected_meanwhile = await h.entry_for(4, 60)
    elsewhere = await h.another_placement("Ole Andersen", company_id=uuid.uuid4())
    other_company = await h.entry_for(1, 300, placement=elsewhere)
    unseen_version = await h.entry_for(5, 90)  # listed at a version it never had
    resubmitted = await h.entry_for(6, 195)
    # Every submission announces the entry's version: 1 when new, its own when a rejected one comes back.
    submitted = {
        e["entry_id"]: e["version"]
        for s in await h.envelopes("timesheet.hours_submitted")
        for e in s["data"]["entries"]
    }
    assert submitted[deemed["id"]] == 1
    await h.reject(resubmitted)
    back = await h.client.put(
        f"/entries/{resubmitted['id']}",
        json={"work_date": h.day(6), "minutes": 225, "expected_version": 2},
        headers=h.consultant,
    )
    assert back.status_code == 200, back.text
    resubmitted = await h.get(resubmitted["id"])
    last = [
        s
        for s in await h.envelopes("timesheet.hours_submitted")
        if s["data"]["entries"][0]["entry_id"] == resubmitted["id"]
    ]
    assert [s["data"]["entries"][0]["version"] for s in last] == [1, resubmitted["version"]] == [1, 3]

    await h.approve(approved_meanwhile)
    await h.reject(rejected_meanwhile)
    changed = await h.client.put(
        f"/entries/{changed_meanwhile['id']}",
        json={"work_date": h.day(3), "minutes": 180, "expected_version": changed_meanwhile["version"]},
        headers=h.consultant,
    )
    assert changed.status_code == 200, changed.text

    # Clocks that disagree: the request was written (by notifications' clock) an hour before timesheet's database
    # time, and timesheet's app clock stands 90 minutes behind its database. Neither matters to which entries
    # are approved; the decision's time is the app's.
    db_now = await h.pool.fetchval("select now()")
    app_now = db_now - timedelta(minutes=90)
    h.app.state.clock = FixedClock(app_now)
    listed = [
        (deemed, 1),
        (approved_meanwhile, 1),
        (changed_meanwhile, 1),
        (rejected_meanwhile, 1),
        (other_company, 1),
        (unseen_version, 2),
        (resubmitted, 3),
    ]
    envelope = Envelope.wrap(
        _due(h, *listed),
        source="notifications",
        subject=h.placement.company_id,
        occurred_at=db_now - timedelta(hours=1),
    )
    await _send(h, envelope)
    await _handled(h, envelope)

    ids = [e for e, _ in listed]
    now = {e["id"]: await h.get(e["id"]) for e in ids}
    assert [(now[e["id"]]["status"], now[e["id"]]["status_reason"], now[e["id"]]["version"]) for e in ids] == [
        ("approved", "deemed_approved", 2),
        ("approved", None, 2),
        ("submitted", None, 2),
        ("rejected", None, 2),
        ("submitted", None, 1),
        ("submitted", None, 1),
        ("approved", "deemed_approved", 4),
    ]
    assert now[deemed["id"]]["decided_by"] == "deemed-approval"
    row = await h.entry_row(deemed["id"])
    assert row["decided_at"] == app_now
    history = (await h.client.get(f"/entries/{deemed['id']}/history", headers=h.approver)).json()["history"]
    assert [(r["action"], r["actor"], r["status_reason"]) for r in history] == [
        ("submitted", "anna.consultant", None),
        ("approved", "deemed-approval", "deemed_approved"),
    ]

    approvals = [e for e in await h.envelopes("timesheet.entry_approved") if e["subject"] == deemed["id"]]
    assert [(a["data"]["approved_by"], a["data"]["status_reason"], a["data"]["minutes"]) for a in approvals] == [
        ("deemed-approval", "deemed_approved", 450)
    ]
    assert approvals[0]["data"]["approved_at"].replace("Z", "+00:00") == app_now.isoformat()
    [answer] = await h.envelopes("timesheet.entries_deemed_approved")
    assert answer["data"]["due_event_id"] == str(envelope.id)
    assert answer["data"]["company_id"] == str(h.placement.company_id)
    assert [(d["entry_id"], d["minutes"], d["citizen_name"]) for d in answer["data"]["entries"]] == [
        (resubmitted["id"], 225, "Ida Jensen"),
        (deemed["id"], 450, "Ida Jensen"),
    ]

    # The same request delivered again: recorded once, nothing approved or announced twice.
    await _send(h, envelope)
    marker = Envelope.wrap(_due(h, (unseen_version, 2)), source="notifications", subject=h.placement.company_id)
    await _send(h, marker)  # same key, so handled after the redelivery
    await _handled(h, marker)
    assert len(await h.envelopes("timesheet.entries_deemed_approved")) == 1
    assert len([e for e in await h.envelopes("timesheet.entry_approved") if e["subject"] == deemed["id"]]) == 1
    assert (await h.get(unseen_version["id"]))["status"] == "submitted"  # still not at the listed version
    rows: Any = await h.pool.fetch("select action from entry_history where entry_id = $1", uuid.UUID(deemed["id"]))
    assert [r["action"] for r in rows] == ["submitted", "approved"]

    # The changed entry asked about again at its new version (notifications' next run): approved.
    again = Envelope.wrap(_due(h, (changed_meanwhile, 2)), source="notifications", subject=h.placement.company_id)
    await _send(h, again)
    await _handled(h, again)
    assert (await h.get(changed_meanwhile["id"]))["status_reason"] == "deemed_approved"


async def test_a_change_committed_while_the_request_waits_for_the_row_lock_is_seen(timesheet: Harness) -> None:
    h = timesheet
    entry = await h.entry_for(1, 450)
    async with h.pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:
            # A change in flight (as PUT /entries/{id} writes it): the row is locked, the version bumped.
            await conn.execute(
                "update entries set minutes = 405, version = version + 1 where id = $1", uuid.UUID(entry["id"])
            )
            envelope = Envelope.wrap(_due(h, (entry, 1)), source="notifications", subject=h.placement.company_id)
            await _send(h, envelope)

            async def waiting() -> bool:
                found = await h.pool.fetchval(
                    """select count(*) from pg_locks
                       where not granted
                         and pid in (select pid from pg_stat_activity where datname = current_database())"""
                )
                return bool(found)

            await wait_until(waiting, what="the deemed approval waiting for the entry's row lock")
        finally:
            await tx.commit()
    await _handled(h, envelope)
    after = await h.get(entry["id"])
    assert (after["status"], after["version"], after["minutes"]) == ("submitted", 2, 405)
    assert await h.envelopes("timesheet.entries_deemed_approved") == []
