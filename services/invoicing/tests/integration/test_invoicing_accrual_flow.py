"""Terms, placements and approvals over real Kafka into real PostgreSQL: lines, previews, HoursAccrued."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from aiokafka import AIOKafkaConsumer

from vikar_shared.auth import Role
from vikar_shared.events.envelope import Envelope
from vikar_shared.testing.plugin import bearer

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
BAGER = uuid.UUID("00000000-0000-4000-8000-0000000000c1")

BILLABLE = "select count(*) from billable_lines"
CO_FINANCING = "select count(*) from co_financing_lines"
ACCRUED_EVENTS = "select count(*) from outbox where envelope->>'type' = 'invoicing.hours_accrued'"


async def test_terms_placements_and_approvals_give_exact_invoice_and_co_financing_previews(
    invoicing: Any, build: Any
) -> None:
    anna = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999)
    bo = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Bo Nielsen", bill_rate=12_345)
    carl = build.placement(
        company_id=BAGER, municipality_id=AALBORG, citizen_name="Carl Holm", bill_rate=20_000, eligible=False
    )
    await invoicing.publish_placement_events(
        build.terms(AALBORG, date(2026, 1, 1), 10_000),
        build.terms(AALBORG, date(2026, 11, 15), 12_500),
        anna,
        bo,
        carl,
    )
    await invoicing.wait_for_count("select count(*) from placements", expected=3, what="placements read model")
    await invoicing.wait_for_count("select count(*) from municipality_terms", expected=2, what="terms read model")
    approvals = [
        build.approval(anna, date(2026, 11, 14), 45),  # day before new terms: 13_499 billed, 7_500 co-financed
        build.approval(anna, date(2026, 11, 15), 90),  # first day of new terms: 26_999 billed, 18_750 co-financed
        build.approval(bo, date(2026, 11, 3), 7),  # 1_440 billed, 1_167 co-financed
        build.approval(bo, date(2026, 11, 14), 16),  # 3_292 billed, 2_667 co-financed
        build.approval(carl, date(2026, 11, 20), 30),  # 10_000 billed, not eligible
        build.approval(anna, date(2026, 10, 31), 60),  # October
        build.approval(bo, date(2026, 12, 1), 60),  # December
    ]
    await invoicing.publish_approvals(*approvals)
    await invoicing.wait_for_count(BILLABLE, expected=7, what="seven billable lines")
    await invoicing.wait_for_count(CO_FINANCING, expected=6, what="six co-financing lines")

    invoice = await invoicing.client.get(
        f"/companies/{BAGER}/invoice-preview", params={"month": "2026-11"}, headers=bearer(Role.FINANCE)
    )
    assert invoice.status_code == 200, invoice.text
    body = invoice.json()
    assert [
        (line["work_date"], line["citizen_name"], line["minutes"], line["amount_ore"]) for line in body["lines"]
    ] == [
        ("2026-11-03", "Bo Nielsen", 7, 1_440),
        ("2026-11-14", "Anna Jensen", 45, 13_499),
        ("2026-11-14", "Bo Nielsen", 16, 3_292),
        ("2026-11-15", "Anna Jensen", 90, 26_999),
        ("2026-11-20", "Carl Holm", 30, 10_000),
    ]
    assert [line["rate_ore_per_hour"] for line in body["lines"]] == [12_345, 17_999, 12_345, 17_999, 20_000]
    assert body["lines"][0]["entry_id"] == str(approvals[2].entry_id)
    assert (body["subtotal_ore"], body["vat_rate_percent"], body["vat_ore"], body["total_ore"]) == (
        55_230,
        25,
        13_808,
        69_038,
    )
    assert body["pending_entries"] == 0

    statement = await invoicing.client.get(
        f"/municipalities/{AALBORG}/co-financing-preview",
        params={"month": "2026-11"},
        headers=bearer(Role.MUNICIPALITY, municipality_id=AALBORG),
    )
    assert statement.status_code == 200, statement.text
    body = statement.json()
    assert body["municipality_name"] == "Aalborg"
    assert [
        (c["citizen_id"], c["citizen_name"], c["minutes"], c["amount_ore"], c["rates_ore_per_hour"])
        for c in body["citizens"]
    ] == [
        (str(anna.citizen_id), "Anna Jensen", 135, 26_250, [10_000, 12_500]),
        (str(bo.citizen_id), "Bo Nielsen", 23, 3_834, [10_000]),
    ]
    assert (body["total_minutes"], body["total_ore"], body["unique_citizens"]) == (158, 30_084, 2)


async def test_approval_arriving_before_its_placement_is_accrued_once_when_the_placement_arrives(
    invoicing: Any, build: Any
) -> None:
    await invoicing.publish_placement_events(build.terms(AALBORG, date(2026, 1, 1), 10_000))
    anna = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999)
    entry = build.approval(anna, date(2026, 11, 14), 45)
    [approved] = await invoicing.publish_approvals(entry)
    await invoicing.wait_for_count(
        "select count(*) from approved_entries where accrued_at is null", expected=1, what="the pending entry"
    )
    assert await invoicing.count(BILLABLE) == 0
    preview = await invoicing.client.get(
        f"/companies/{BAGER}/invoice-preview", params={"month": "2026-11"}, headers=bearer(Role.FINANCE)
    )
    assert (preview.json()["pending_entries"], preview.json()["lines"]) == (1, [])

    [placement_created] = await invoicing.publish_placement_events(anna)
    await invoicing.wait_for_count(BILLABLE, expected=1, what="the entry to be accrued once the placement is known")
    line = await invoicing.pool.fetchrow("select * from billable_lines")
    assert (line["entry_id"], line["citizen_name"], line["amount_ore"]) == (entry.entry_id, "Anna Jensen", 13_499)
    co = await invoicing.pool.fetchrow("select * from co_financing_lines")
    assert (co["entry_id"], co["municipality_id"], co["amount_ore"]) == (entry.entry_id, AALBORG, 7_500)
    assert await invoicing.count(ACCRUED_EVENTS) == 1

    # The HoursAccrued event leaves through the outbox onto invoicing.events, keyed by company.
    consumer = AIOKafkaConsumer(
        invoicing.namespace + "invoicing.events",
        bootstrap_servers=invoicing.kafka,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=10_000)
        records = [r for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    assert len(records) == 1
    assert records[0].key == str(BAGER).encode()
    accrued = Envelope.model_validate_json(records[0].value or b"")
    assert (accrued.type, accrued.version, accrued.source, accrued.subject) == (
        "invoicing.hours_accrued",
        1,
        "invoicing",
        str(entry.entry_id),
    )
    assert accrued.causation_id == str(placement_created.id)  # the event that completed the accrual
    assert accrued.data == {
        "entry_id": str(entry.entry_id),
        "company_id": str(BAGER),
        "work_date": "2026-11-14",
        "minutes": 45,
        "billable_amount_ore": 13_499,
        "municipality_id": str(AALBORG),
        "co_financing_amount_ore": 7_500,
        "corrects_entry_id": None,
    }
    assert await invoicing.count("select count(*) from inbox where event_id = $1", approved.id) == 1


async def test_eligible_approval_waits_for_the_terms_in_force_on_its_work_date(invoicing: Any, build: Any) -> None:
    anna = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999)
    await invoicing.publish_placement_events(anna)
    await invoicing.publish_approvals(build.approval(anna, date(2026, 11, 14), 45))
    await invoicing.wait_for_count("select count(*) from approved_entries", expected=1, what="the approved entry")
    # Terms from a later date do not cover the work date: still pending, nothing billed either.
    await invoicing.publish_placement_events(build.terms(AALBORG, date(2026, 11, 15), 12_500))
    await invoicing.wait_for_count("select count(*) from municipality_terms", expected=1, what="the later terms")
    assert (await invoicing.count(BILLABLE), await invoicing.count(CO_FINANCING)) == (0, 0)

    await invoicing.publish_placement_events(build.terms(AALBORG, date(2026, 1, 1), 10_000))
    await invoicing.wait_for_count(CO_FINANCING, expected=1, what="accrual once the terms in force arrive")
    co = await invoicing.pool.fetchrow("select rate_ore_per_hour, amount_ore from co_financing_lines")
    assert (co["rate_ore_per_hour"], co["amount_ore"]) == (10_000, 7_500)
    assert (await invoicing.count(BILLABLE), await invoicing.count(ACCRUED_EVENTS)) == (1, 1)


async def test_identical_envelope_delivered_twice_makes_one_line_and_changes_nothing(
    invoicing: Any, build: Any
) -> None:
    anna = build.placement(
        company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999, eligible=False
    )
    await invoicing.publish_placement_events(anna)
    await invoicing.wait_for_count("select count(*) from placements", expected=1, what="the placement")
    entry = build.approval(anna, date(2026, 11, 14), 45)
    envelope = Envelope.wrap(entry, source="timesheet", subject=entry.entry_id)
    raw = envelope.model_dump_json().encode()
    await invoicing.send_raw(raw, key=anna.placement_id)
    await invoicing.wait_for_count(BILLABLE, expected=1, what="the first delivery")
    before = await invoicing.pool.fetchrow("select * from billable_lines")

    await invoicing.send_raw(raw, key=anna.placement_id)
    # Same key, same partition: once the entry behind it is accrued, the duplicate has been handled.
    sentinel = build.approval(anna, date(2026, 11, 15), 60)
    await invoicing.publish_approvals(sentinel)
    await invoicing.wait_for_count(BILLABLE, expected=2, what="the approval behind the duplicate")

    assert await invoicing.count("select count(*) from billable_lines where entry_id = $1", entry.entry_id) == 1
    assert await invoicing.pool.fetchrow("select * from billable_lines where entry_id = $1", entry.entry_id) == before
    assert await invoicing.count(ACCRUED_EVENTS) == 2
    assert await invoicing.count("select count(*) from inbox where event_id = $1", envelope.id) == 1


async def test_a_second_approval_event_for_the_same_entry_accrues_nothing_more(invoicing: Any, build: Any) -> None:
    anna = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999)
    await invoicing.publish_placement_events(build.terms(AALBORG, date(2026, 1, 1), 10_000), anna)
    entry = build.approval(anna, date(2026, 11, 14), 45)
    await invoicing.publish_approvals(entry)
    await invoicing.wait_for_count(BILLABLE, expected=1, what="the first approval")
    await invoicing.publish_approvals(entry)  # same facts, new event id (e.g. replayed upstream)
    sentinel = build.approval(anna, date(2026, 11, 15), 60)
    await invoicing.publish_approvals(sentinel)
    await invoicing.wait_for_count(BILLABLE, expected=2, what="the approval behind the repeat")
    assert (await invoicing.count(CO_FINANCING), await invoicing.count(ACCRUED_EVENTS)) == (2, 2)
    assert await invoicing.count("select count(*) from inbox where consumer = 'invoicing.approvals'") == 3


async def test_non_eligible_placement_gets_a_billable_line_but_no_co_financing_line(invoicing: Any, build: Any) -> None:
    await invoicing.publish_placement_events(build.terms(AALBORG, date(2026, 1, 1), 10_000))
    carl = build.placement(
        company_id=BAGER, municipality_id=AALBORG, citizen_name="Carl Holm", bill_rate=20_000, eligible=False
    )
    await invoicing.publish_placement_events(carl)
    entry = build.approval(carl, date(2026, 11, 20), 30)
    await invoicing.publish_approvals(entry)
    await invoicing.wait_for_count(BILLABLE, expected=1, what="the billable line")
    assert await invoicing.pool.fetchval("select amount_ore from billable_lines") == 10_000
    assert await invoicing.count(CO_FINANCING) == 0
    accrued = await invoicing.pool.fetchval(
        "select envelope->'data' from outbox where envelope->>'type' = 'invoicing.hours_accrued'"
    )
    assert (accrued["municipality_id"], accrued["co_financing_amount_ore"], accrued["billable_amount_ore"]) == (
        None,
        None,
        10_000,
    )


async def test_an_approval_contradicting_the_recorded_one_is_dead_lettered_and_changes_nothing(
    invoicing: Any, build: Any
) -> None:
    anna = build.placement(
        company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999, eligible=False
    )
    await invoicing.publish_placement_events(anna)
    entry = build.approval(anna, date(2026, 11, 14), 45)
    await invoicing.publish_approvals(entry)
    await invoicing.wait_for_count(BILLABLE, expected=1, what="the first approval")
    contradicting = entry.model_copy(update={"minutes": 120})
    [bad] = await invoicing.publish_approvals(contradicting)

    consumer = AIOKafkaConsumer(
        invoicing.namespace + "invoicing.approvals.dlq",
        bootstrap_servers=invoicing.kafka,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=15_000)
        letters = [r for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    assert [Envelope.model_validate_json(r.value or b"").id for r in letters] == [bad.id]
    assert b"approval-differs" in dict(letters[0].headers)["x-error"]
    row = await invoicing.pool.fetchrow("select minutes, amount_ore from billable_lines")
    assert (row["minutes"], row["amount_ore"]) == (45, 13_499)
    assert await invoicing.pool.fetchval("select minutes from approved_entries") == 45
