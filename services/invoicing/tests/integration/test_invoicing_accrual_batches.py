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


async def test_a_batch_reads_its_placements_rates_and_terms_up_front_and_an_unknown_placement_waits(
    invoicing: Any, build: Any
) -> None:
    anna, carl = await _setup(invoicing, build)
    await invoicing.publish_placement_events(build.rates(carl, (date(2026, 11, 1), 21_000)))
    await invoicing.wait_for_count("select count(*) from placement_bill_rates", expected=1, what="carl's rates")
    later = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Dorte Lund", bill_rate=16_000)
    approvals = [
        build.approval(anna, date(2026, 11, 3), 45),  # 13_499 billed, 7_500 co-financed
        build.approval(later, date(2026, 11, 5), 60),  # its placement is not known yet: waits
        build.approval(carl, date(2026, 11, 4), 30),  # at the rate version of 1 November: 10_500
        build.approval(anna, date(2026, 11, 6), 60),  # 17_999 billed, 10_000 co-financed
    ]
    consumer: EventConsumer = invoicing.app.state.consumers["invoicing.approvals"]
    assert await consumer.handle_batch(_records(approvals)) == [Outcome.HANDLED] * 4
    lines = await invoicing.pool.fetch("select entry_id, amount_ore from billable_lines")
    assert {(r["entry_id"], r["amount_ore"]) for r in lines} == {
        (approvals[0].entry_id, 13_499),
        (approvals[2].entry_id, 10_500),
        (approvals[3].entry_id, 17_999),
    }
    co = await invoicing.pool.fetch("select entry_id, amount_ore from co_financing_lines")
    assert {(r["entry_id"], r["amount_ore"]) for r in co} == {
        (approvals[0].entry_id, 7_500),
        (approvals[3].entry_id, 10_000),
    }
    pending = await invoicing.pool.fetch("select entry_id from approved_entries where accrued_at is null")
    assert [r["entry_id"] for r in pending] == [approvals[1].entry_id]
    await invoicing.publish_placement_events(later)  # the waiting entry accrues when its placement arrives
    await invoicing.wait_for_count(
        "select count(*) from billable_lines where entry_id = $1 and amount_ore = 16000",
        approvals[1].entry_id,
        expected=1,
        what="the waiting entry accrued",
    )


async def test_an_entry_waiting_for_placement_and_terms_accrues_when_both_arrive_in_one_batch(
    invoicing: Any, build: Any
) -> None:
    # CI stall of issue 13's stops: the approval was recorded first (waiting), then the placement consumer took
    # the placement and the terms in one batch. The placement's handler read the municipality's terms (none yet)
    # into the batch's memo; the terms' handler then found the waiting entry but priced it with that stale, empty
    # read, so it waited for ever. Every write of a memoised row must drop it from the memo.
    anna = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999)
    waiting = build.approval(anna, date(2026, 11, 3), 45)  # 13_499 billed, 7_500 co-financed
    await invoicing.publish_approvals(waiting)
    await invoicing.wait_for_count(
        "select count(*) from approved_entries where accrued_at is null", expected=1, what="the entry waiting"
    )
    events = [anna, build.terms(AALBORG, date(2026, 1, 1), 10_000)]  # placement first, then terms: one batch
    records = [
        Record(
            "placement.events",
            0,
            offset,
            str(uuid.uuid4()).encode(),
            Envelope.wrap(e, source="placement", subject=uuid.uuid4()).model_dump_json().encode(),
        )
        for offset, e in enumerate(events)
    ]
    consumer: EventConsumer = invoicing.app.state.consumers["invoicing.placements"]
    assert await consumer.handle_batch(records) == [Outcome.HANDLED] * 2
    co = await invoicing.pool.fetch("select entry_id, amount_ore from co_financing_lines")
    assert [(r["entry_id"], r["amount_ore"]) for r in co] == [(waiting.entry_id, 7_500)]
    billed = await invoicing.pool.fetch("select entry_id, amount_ore from billable_lines")
    assert [(r["entry_id"], r["amount_ore"]) for r in billed] == [(waiting.entry_id, 13_499)]
