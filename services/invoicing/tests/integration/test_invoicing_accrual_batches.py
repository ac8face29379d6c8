"""Approvals handled as one consumer batch (EventConsumer.handle_batch, the real handlers and database):
new entries recorded and accrued together, an entry approved twice accrued once, a contradicting
approval in the batch dead-lettered alone with the rest committed."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from vikar_shared.events.envelope import Envelope
from vikar_shared.events.timesheet import EntryApproved
from vikar_shared.messaging.consumer import EventConsumer, Outcome, Record

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a2")
BAGER = uuid.UUID("00000000-0000-4000-8000-0000000000c2")


def _records(approvals: list[EntryApproved]) -> list[Record]:
    return [
        Record(
            "timesheet.events",
            0,
            offset,
            str(a.placement_id).encode(),
            Envelope.wrap(a, source="timesheet", subject=a.entry_id).model_dump_json().encode(),
        )
        for offset, a in enumerate(approvals)
    ]


async def _setup(invoicing: Any, build: Any) -> tuple[Any, Any]:
    anna = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999)
    carl = build.placement(
        company_id=BAGER, municipality_id=AALBORG, citizen_name="Carl Holm", bill_rate=20_000, eligible=False
    )
    await invoicing.publish_placement_events(build.terms(AALBORG, date(2026, 1, 1), 10_000), anna, carl)
    await invoicing.wait_for_count("select count(*) from placements", expected=2, what="placements read model")
    await invoicing.wait_for_count("select count(*) from municipality_terms", expected=1, what="terms read model")
    return anna, carl


async def test_a_batch_accrues_each_entry_once_even_when_approved_twice_in_it(invoicing: Any, build: Any) -> None:
    anna, carl = await _setup(invoicing, build)
    first = build.approval(anna, date(2026, 11, 3), 45)  # 13_499 billed, 7_500 co-financed
    second = build.approval(carl, date(2026, 11, 4), 30)  # 10_000 billed, not eligible
    consumer: EventConsumer = invoicing.app.state.consumers["invoicing.approvals"]
    outcomes = await consumer.handle_batch(_records([first, second, first]))  # `first` approved again
    assert outcomes == [Outcome.HANDLED] * 3
    lines = await invoicing.pool.fetch("select entry_id, amount_ore from billable_lines order by amount_ore")
    assert [(r["entry_id"], r["amount_ore"]) for r in lines] == [(second.entry_id, 10_000), (first.entry_id, 13_499)]
    co = await invoicing.pool.fetch("select entry_id, amount_ore from co_financing_lines")
    assert [(r["entry_id"], r["amount_ore"]) for r in co] == [(first.entry_id, 7_500)]
    accrued = await invoicing.pool.fetch(
        "select envelope->'data'->>'entry_id' as entry_id from outbox"
        " where envelope->>'type' = 'invoicing.hours_accrued' order by id"
    )
    assert [r["entry_id"] for r in accrued] == [str(first.entry_id), str(second.entry_id)]
    assert await invoicing.count("select count(*) from approved_entries where accrued_at is not null") == 2


async def test_a_contradicting_approval_in_a_batch_is_dead_lettered_alone(invoicing: Any, build: Any) -> None:
    anna, carl = await _setup(invoicing, build)
    kept = build.approval(anna, date(2026, 11, 3), 45)
    contradicting = kept.model_copy(update={"minutes": 46})
    other = build.approval(carl, date(2026, 11, 4), 30)
    consumer: EventConsumer = invoicing.app.state.consumers["invoicing.approvals"]
    outcomes = await consumer.handle_batch(_records([kept, contradicting, other]))
    assert outcomes == [Outcome.HANDLED, Outcome.DEAD_LETTERED, Outcome.HANDLED]
    lines = await invoicing.pool.fetch("select entry_id, minutes from billable_lines order by minutes")
    assert [(r["entry_id"], r["minutes"]) for r in lines] == [(other.entry_id, 30), (kept.entry_id, 45)]
    assert await invoicing.count("select count(*) from outbox where envelope->>'type' = 'invoicing.hours_accrued'") == 2
