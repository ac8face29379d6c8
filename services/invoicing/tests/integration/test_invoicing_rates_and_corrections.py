"""Bill rate versions and correction entries over real Kafka into real PostgreSQL, with exact øre."""

from __future__ import annotations

import asyncio
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
RATES = "select count(*) from placement_bill_rates"
ACCRUED_EVENTS = "select count(*) from outbox where envelope->>'type' = 'invoicing.hours_accrued'"


async def _invoice(invoicing: Any) -> Any:
    response = await invoicing.client.get(
        f"/companies/{BAGER}/invoice-preview", params={"month": "2026-11"}, headers=bearer(Role.FINANCE)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_rate_change_mid_month_bills_the_day_before_at_the_old_and_the_first_day_at_the_new_rate(
    invoicing: Any, build: Any
) -> None:
    anna = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999)
    await invoicing.publish_placement_events(
        build.terms(AALBORG, date(2026, 1, 1), 10_000),
        anna,
        build.rates(anna, (date(2026, 1, 1), 17_999), (date(2026, 11, 15), 19_999)),
    )
    await invoicing.wait_for_count(RATES, expected=2, what="the rate versions")
    day_before = build.approval(anna, date(2026, 11, 14), 45)  # 45 × 17 999 / 60 = 13 499.25 → 13 499
    first_day = build.approval(anna, date(2026, 11, 15), 45)  # 45 × 19 999 / 60 = 14 999.25 → 14 999
    await invoicing.publish_approvals(day_before, first_day)
    await invoicing.wait_for_count(BILLABLE, expected=2, what="both lines")

    body = await _invoice(invoicing)
    assert [(line["work_date"], line["rate_ore_per_hour"], line["amount_ore"]) for line in body["lines"]] == [
        ("2026-11-14", 17_999, 13_499),
        ("2026-11-15", 19_999, 14_999),
    ]
    # 28 498 × 25 % = 7 124.5 → 7 125
    assert (body["subtotal_ore"], body["vat_ore"], body["total_ore"]) == (28_498, 7_125, 35_623)
    # The co-financing rate follows the municipality's terms, not the bill rate.
    co = await invoicing.pool.fetch("select rate_ore_per_hour, amount_ore from co_financing_lines order by work_date")
    assert [(r["rate_ore_per_hour"], r["amount_ore"]) for r in co] == [(10_000, 7_500), (10_000, 7_500)]


async def test_negative_correction_is_a_line_of_its_own_and_the_previews_net_it(invoicing: Any, build: Any) -> None:
    anna = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999)
    await invoicing.publish_placement_events(build.terms(AALBORG, date(2026, 1, 1), 10_000), anna)
    original = build.approval(anna, date(2026, 11, 14), 90)  # 26 998.5 → 26 999 billed, 15 000 co-financed
    correction = build.approval(anna, date(2026, 11, 14), -30, corrects=original)  # -8 999.5 → -9 000; -5 000
    await invoicing.publish_approvals(original, correction)
    await invoicing.wait_for_count(BILLABLE, expected=2, what="the original and the correction line")

    body = await _invoice(invoicing)
    lines = {line["entry_id"]: line for line in body["lines"]}
    assert (
        lines[str(original.entry_id)]["minutes"],
        lines[str(original.entry_id)]["amount_ore"],
        lines[str(original.entry_id)]["corrects_entry_id"],
    ) == (90, 26_999, None)
    assert (
        lines[str(correction.entry_id)]["minutes"],
        lines[str(correction.entry_id)]["amount_ore"],
        lines[str(correction.entry_id)]["corrects_entry_id"],
    ) == (-30, -9_000, str(original.entry_id))
    # Netted: 26 999 - 9 000 = 17 999, exactly 60 minutes at 17 999; VAT 4 499.75 → 4 500.
    assert (body["subtotal_ore"], body["vat_ore"], body["total_ore"]) == (17_999, 4_500, 22_499)

    statement = await invoicing.client.get(
        f"/municipalities/{AALBORG}/co-financing-preview", params={"month": "2026-11"}, headers=bearer(Role.FINANCE)
    )
    assert statement.status_code == 200, statement.text
    assert [(c["minutes"], c["amount_ore"]) for c in statement.json()["citizens"]] == [(60, 10_000)]
    co = await invoicing.pool.fetchrow(
        "select amount_ore, corrects_entry_id from co_financing_lines where entry_id = $1", correction.entry_id
    )
    assert (co["amount_ore"], co["corrects_entry_id"]) == (-5_000, original.entry_id)
    accrued = await invoicing.pool.fetchval(
        "select envelope->'data' from outbox where envelope->>'subject' = $1", str(correction.entry_id)
    )
    assert (accrued["minutes"], accrued["billable_amount_ore"], accrued["co_financing_amount_ore"]) == (
        -30,
        -9_000,
        -5_000,
    )
    assert accrued["corrects_entry_id"] == str(original.entry_id)


async def test_pending_approval_is_priced_by_the_version_in_force_once_placement_and_terms_are_known(
    invoicing: Any, build: Any
) -> None:
    anna = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999)
    entry = build.approval(anna, date(2026, 11, 20), 45)
    await invoicing.publish_approvals(entry)  # the placement is not known yet: pending
    await invoicing.wait_for_count("select count(*) from approved_entries", expected=1, what="the pending entry")
    # Placement and a rate version from before the work date; the entry still waits for terms.
    await invoicing.publish_placement_events(anna, build.rates(anna, (date(2026, 11, 15), 19_999)))
    await invoicing.wait_for_count(RATES, expected=1, what="the rate version")
    assert await invoicing.count(BILLABLE) == 0

    await invoicing.publish_placement_events(build.terms(AALBORG, date(2026, 1, 1), 10_000))
    await invoicing.wait_for_count(BILLABLE, expected=1, what="accrual once the terms are known")
    line = await invoicing.pool.fetchrow("select rate_ore_per_hour, amount_ore from billable_lines")
    assert (line["rate_ore_per_hour"], line["amount_ore"]) == (19_999, 14_999)


async def test_rate_change_arriving_after_an_entry_was_accrued_does_not_reprice_its_line(
    invoicing: Any, build: Any
) -> None:
    anna = build.placement(
        company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999, eligible=False
    )
    await invoicing.publish_placement_events(anna)
    accrued_first = build.approval(anna, date(2026, 11, 20), 60)
    await invoicing.publish_approvals(accrued_first)
    await invoicing.wait_for_count(BILLABLE, expected=1, what="the line at the creation rate")
    before = await invoicing.pool.fetchrow("select * from billable_lines")
    assert (before["rate_ore_per_hour"], before["amount_ore"]) == (17_999, 17_999)

    # Retroactive: covers the accrued entry's work date too.
    await invoicing.publish_placement_events(build.rates(anna, (date(2026, 11, 1), 19_999)))
    await invoicing.wait_for_count(RATES, expected=1, what="the rate version")
    later = build.approval(anna, date(2026, 11, 21), 60)
    await invoicing.publish_approvals(later)
    await invoicing.wait_for_count(BILLABLE, expected=2, what="the entry approved after the change")

    assert await invoicing.pool.fetchrow(
        "select * from billable_lines where entry_id = $1", accrued_first.entry_id
    ) == (before)
    assert await invoicing.pool.fetchval(
        "select amount_ore from billable_lines where entry_id = $1", later.entry_id
    ) == (19_999)
    assert await invoicing.count(ACCRUED_EVENTS) == 2


async def test_a_later_rates_event_replaces_the_versions_of_an_earlier_one(invoicing: Any, build: Any) -> None:
    anna = build.placement(
        company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999, eligible=False
    )
    await invoicing.publish_placement_events(
        anna,
        build.rates(anna, (date(2026, 11, 1), 19_999), (date(2026, 11, 10), 21_000)),
        build.rates(anna, (date(2026, 11, 1), 18_500)),  # the 10th's version was withdrawn
    )
    await invoicing.wait_for_count(
        "select count(*) from inbox where consumer = 'invoicing.placements'", expected=3, what="all placement events"
    )
    await invoicing.publish_approvals(build.approval(anna, date(2026, 11, 20), 60))
    await invoicing.wait_for_count(BILLABLE, expected=1, what="the line")
    assert await invoicing.pool.fetchval("select amount_ore from billable_lines") == 18_500


async def test_negative_minutes_without_a_corrected_entry_are_dead_lettered_and_record_nothing(
    invoicing: Any, build: Any
) -> None:
    anna = build.placement(
        company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999, eligible=False
    )
    await invoicing.publish_placement_events(anna)
    [bad] = await invoicing.publish_approvals(build.approval(anna, date(2026, 11, 14), -30))

    consumer = AIOKafkaConsumer(
        invoicing.namespace + "invoicing.approvals.dlq",
        bootstrap_servers=invoicing.kafka,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    letters: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + 20
        while not letters and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=1_000)
            letters = [r for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    assert [Envelope.model_validate_json(r.value or b"").id for r in letters] == [bad.id]
    assert b"non-negative-unless-correction" in dict(letters[0].headers)["x-error"]
    assert (await invoicing.count("select count(*) from approved_entries"), await invoicing.count(BILLABLE)) == (0, 0)
