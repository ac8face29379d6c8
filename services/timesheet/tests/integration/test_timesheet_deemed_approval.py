"""Deemed approval (issue 14, part C): notifications' ``DeemedApprovalDue`` makes timesheet approve, as deemed
approved, each listed entry still submitted and submitted at or before the cut-off; an entry changed after
the request, or decided meanwhile, or submitted after the cut-off, or of another company, is left alone. The
reason is on the entry, in its history and in ``EntryApproved``; one ``EntriesDeemedApproved`` answers; a
redelivered request does nothing twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from vikar_shared.events.envelope import Envelope
from vikar_shared.events.notifications import DeemedApprovalDue
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


async def test_deemed_approval_approves_only_what_is_still_pending_with_its_reason(timesheet: Harness) -> None:
    h = timesheet
    deemed = await h.entry_for(1, 450)
    approved_meanwhile = await h.entry_for(2, 120)
    changed_meanwhile = await h.entry_for(3, 240)
    rejected_meanwhile = await h.entry_for(4, 60)
    elsewhere = await h.another_placement("Ole Andersen", company_id=uuid.uuid4())
    other_company = await h.entry_for(1, 300, placement=elsewhere)
    cut_off = datetime.now(UTC)
    late = await h.entry_for(5, 90)  # submitted after the cut-off
    requested_at = datetime.now(UTC)
    await h.approve(approved_meanwhile)
    await h.reject(rejected_meanwhile)
    changed = await h.client.put(
        f"/entries/{changed_meanwhile['id']}",
        json={"work_date": h.day(3), "minutes": 180, "expected_version": changed_meanwhile["version"]},
        headers=h.consultant,
    )
    assert changed.status_code == 200, changed.text

    ids = [deemed, approved_meanwhile, changed_meanwhile, rejected_meanwhile, other_company, late]
    request = DeemedApprovalDue(
        company_id=h.placement.company_id,
        entry_ids=[uuid.UUID(e["id"]) for e in ids],
        submitted_before=cut_off,
        decided_at=cut_off,
        working_days=10,
    )
    envelope = Envelope.wrap(request, source="notifications", subject=h.placement.company_id, occurred_at=requested_at)
    await _send(h, envelope)
    await _handled(h, envelope)

    now = {e["id"]: await h.get(e["id"]) for e in ids}
    assert [(now[e["id"]]["status"], now[e["id"]]["status_reason"]) for e in ids] == [
        ("approved", "deemed_approved"),
        ("approved", None),
        ("submitted", None),
        ("rejected", None),
        ("submitted", None),
        ("submitted", None),
    ]
    assert now[deemed["id"]]["decided_by"] == "deemed-approval"
    history = (await h.client.get(f"/entries/{deemed['id']}/history", headers=h.approver)).json()["history"]
    assert [(r["action"], r["actor"], r["status_reason"]) for r in history] == [
        ("submitted", "anna.consultant", None),
        ("approved", "deemed-approval", "deemed_approved"),
    ]

    approvals = [e for e in await h.envelopes("timesheet.entry_approved") if e["subject"] == deemed["id"]]
    assert [(a["data"]["approved_by"], a["data"]["status_reason"], a["data"]["minutes"]) for a in approvals] == [
        ("deemed-approval", "deemed_approved", 450)
    ]
    [answer] = await h.envelopes("timesheet.entries_deemed_approved")
    assert answer["data"]["due_event_id"] == str(envelope.id)
    assert answer["data"]["company_id"] == str(h.placement.company_id)
    assert [(d["entry_id"], d["minutes"], d["citizen_name"]) for d in answer["data"]["entries"]] == [
        (deemed["id"], 450, "Ida Jensen")
    ]

    # The same request delivered again: recorded once, nothing approved or announced twice.
    await _send(h, envelope)
    marker = Envelope.wrap(
        DeemedApprovalDue(
            company_id=h.placement.company_id,
            entry_ids=[uuid.UUID(late["id"])],
            submitted_before=cut_off,
            decided_at=cut_off,
            working_days=10,
        ),
        source="notifications",
        subject=h.placement.company_id,
    )
    await _send(h, marker)  # same key, so handled after the redelivery
    await _handled(h, marker)
    assert len(await h.envelopes("timesheet.entries_deemed_approved")) == 1
    assert len([e for e in await h.envelopes("timesheet.entry_approved") if e["subject"] == deemed["id"]]) == 1
    assert (await h.get(late["id"]))["status"] == "submitted"  # after the cut-off: nothing to answer
    rows: Any = await h.pool.fetch("select action from entry_history where entry_id = $1", uuid.UUID(deemed["id"]))
    assert [r["action"] for r in rows] == ["submitted", "approved"]
