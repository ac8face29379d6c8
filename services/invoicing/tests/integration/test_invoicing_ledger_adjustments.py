"""Retroactive rate changes (issue 9) settled, not ignored: a bill rate version registered after hours on its
dates were invoiced becomes adjustment lines per entry, positive on the next draft, negative on a credit note;
a co-financing terms version the same as recorded municipal adjustment lines. Exact øre; reconciliation zero."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import asyncpg

from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.testing.plugin import bearer

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
FINANCE = bearer(Role.FINANCE)


async def close(invoicing: Any, through: str, today: date) -> list[dict[str, Any]]:
    invoicing.app.state.clock = FixedClock.on(today)
    r = await invoicing.client.post("/closes", json={"through": through}, headers=FINANCE)
    assert r.status_code == 201, r.text
    drafts: list[dict[str, Any]] = r.json()["invoices"]
    return drafts


async def issue(invoicing: Any, document: dict[str, Any], today: date) -> dict[str, Any]:
    invoicing.app.state.clock = FixedClock.on(today)
    r = await invoicing.client.post(f"/invoices/{document['invoice_id']}/issue", headers=FINANCE)
    assert r.status_code == 200, r.text
    issued: dict[str, Any] = r.json()
    return issued


async def differences(invoicing: Any, company: uuid.UUID, through: str = "2026-11-30") -> dict[str, Any]:
    r = await invoicing.client.get("/reconciliation", params={"through": through}, headers=FINANCE)
    assert r.status_code == 200, r.text
    [mine] = [c for c in r.json()["companies"] if c["company_id"] == str(company)]
    return dict(mine)


def _lines(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (ln["rate_ore_per_hour"], ln["minutes"], ln["amount_ore"], ln["late"], ln["adjusts_entry_id"])
        for ln in document["lines"]
    ]


def _totals(document: dict[str, Any]) -> tuple[int, int, int]:
    return document["net_ore"], document["vat_ore"], document["total_ore"]


async def test_a_retroactive_bill_rate_change_is_settled_on_both_sides_and_co_financing_recorded(
    invoicing: Any, build: Any
) -> None:
    company, municipality = uuid.uuid4(), uuid.uuid4()
    await invoicing.publish_company_events(build.company(company))
    anna = build.placement(
        company_id=company, municipality_id=municipality, citizen_name="Anna Jensen", bill_rate=17_999
    )
    await invoicing.publish_placement_events(build.terms(municipality, date(2026, 1, 1), 10_000), anna)
    e1, e2 = build.approval(anna, date(2026, 10, 5), 90), build.approval(anna, date(2026, 10, 6), 60)
    await invoicing.publish_approvals(e1, e2)
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=2, what="accrued")
    await invoicing.wait_for_count("select count(*) from companies", expected=1, what="company")
    [october] = await close(invoicing, "2026-10-31", date(2026, 11, 5))
    assert _totals(october) == (44_998, 11_250, 56_248)  # 26 999 + 17 999
    assert (await issue(invoicing, october, date(2026, 11, 6)))["number"] == "2026-000001"

    # Up: 20 000 øre/h from 6 October, registered after the 6 October was invoiced: +2 001 for e2 (60 min).
    await invoicing.publish_placement_events(build.rates(anna, (date(2026, 1, 1), 17_999), (date(2026, 10, 6), 20_000)))
    await invoicing.wait_for_count("select count(*) from bill_adjustments", expected=1, what="settled up")
    row = await invoicing.pool.fetchrow(
        "select entry_id, amount_ore, old_rate_ore_per_hour, new_rate_ore_per_hour from bill_adjustments"
    )
    assert tuple(row) == (e2.entry_id, 2_001, 17_999, 20_000)
    assert await invoicing.count("select amount_ore from billable_lines where entry_id = $1", e2.entry_id) == 17_999

    november = build.approval(anna, date(2026, 11, 10), 60)  # priced at 20 000 when it accrues
    await invoicing.publish_approvals(november)
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=3, what="november")
    [nov] = await close(invoicing, "2026-11-30", date(2026, 12, 2))
    assert nov["document_type"] == "invoice"
    # Its own hours, then the adjustment of e2 (late, referring to it; no minutes: the hours were invoiced).
    assert _lines(nov) == [(20_000, 60, 20_000, False, None), (20_000, 0, 2_001, True, str(e2.entry_id))]
    assert _totals(nov) == (22_001, 5_500, 27_501)  # 22 001 * 25 % = 5 500.25 -> 5 500
    assert (await issue(invoicing, nov, date(2026, 12, 2)))["number"] == "2026-000002"
    report = await differences(invoicing, company)
    assert (report["differences"], report["document_differences"], report["difference_ore"]) == ([], [], 0)

    # Down: 15 000 øre/h from 1 January replaces every version. e1: 22 500 - 26 999 = -4 499; e2: 15 000 -
    # (17 999 + 2 001) = -5 000; november: 15 000 - 20 000 = -5 000. Each goes on a credit note of its invoice.
    await invoicing.publish_placement_events(build.rates(anna, (date(2026, 1, 1), 15_000)))
    await invoicing.wait_for_count("select count(*) from bill_adjustments", expected=4, what="settled down")
    credits = await close(invoicing, "2026-11-30", date(2026, 12, 3))
    by_credited = {c["credits_invoice_number"]: c for c in credits}
    assert sorted(by_credited) == ["2026-000001", "2026-000002"]
    assert all(c["document_type"] == "credit_note" for c in credits)
    october_credit, november_credit = by_credited["2026-000001"], by_credited["2026-000002"]
    assert sorted(_lines(october_credit)) == sorted(
        [(15_000, 0, 4_499, False, str(e1.entry_id)), (15_000, 0, 5_000, False, str(e2.entry_id))]
    )
    assert _totals(october_credit) == (9_499, 2_375, 11_874)  # 2 374.75 -> 2 375
    assert _lines(november_credit) == [(15_000, 0, 5_000, False, str(november.entry_id))]
    assert _totals(november_credit) == (5_000, 1_250, 6_250)
    # Before issuing, the credits are not yet invoiced; the books balance either way.
    report = await differences(invoicing, company)
    assert (report["approved_ore"], report["not_yet_invoiced_ore"], report["difference_ore"]) == (52_500, -14_499, 0)
    numbers = [(await issue(invoicing, c, date(2026, 12, 3)))["number"] for c in (october_credit, november_credit)]
    assert numbers == ["2026-000003", "2026-000004"]
    report = await differences(invoicing, company)
    assert (report["approved_ore"], report["invoiced_ore"], report["credited_ore"], report["not_yet_invoiced_ore"]) == (
        52_500,
        66_999,
        14_499,
        0,
    )
    assert (report["differences"], report["difference_ore"]) == ([], 0)

    # The same versions again settle nothing more (the difference is 0 now); lines stay as accrued.
    await invoicing.publish_placement_events(build.rates(anna, (date(2026, 1, 1), 15_000)))
    await invoicing.wait_for_count(
        """select count(*) from inbox
           where consumer = 'invoicing.placements' and event_type = 'placement.placement_rates_changed.v1'""",
        expected=3,
        what="handled",
    )
    assert await invoicing.count("select count(*) from bill_adjustments") == 4
    assert await invoicing.count("select sum(amount_ore) from billable_lines") == 26_999 + 17_999 + 20_000

    # Co-financing: 12 000 øre/h from 6 October: e2 and november 60 min each, 10 000 -> 12 000: +2 000 each.
    await invoicing.publish_placement_events(build.terms(municipality, date(2026, 10, 6), 12_000))
    await invoicing.wait_for_count("select count(*) from co_financing_adjustments", expected=2, what="co-financing")
    rows = await invoicing.pool.fetch(
        """select entry_id, municipality_id, amount_ore, old_rate_ore_per_hour, new_rate_ore_per_hour
           from co_financing_adjustments order by work_date"""
    )
    assert [tuple(r) for r in rows] == [
        (e2.entry_id, municipality, 2_000, 10_000, 12_000),
        (november.entry_id, municipality, 2_000, 10_000, 12_000),
    ]
    assert await invoicing.count("select sum(amount_ore) from co_financing_lines") == 15_000 + 10_000 + 10_000
    # Adjustments are facts too.
    r = await invoicing.client.post(f"/invoices/{october_credit['invoice_id']}/issue", headers=FINANCE)
    assert r.status_code == 409


async def test_adjustments_are_facts_that_only_a_citizen_merge_moves(invoicing: Any, build: Any) -> None:
    company = uuid.uuid4()
    bo = build.placement(
        company_id=company, municipality_id=AALBORG, citizen_name="Bo Nielsen", bill_rate=12_345, eligible=False
    )
    await invoicing.publish_placement_events(bo)
    await invoicing.publish_approvals(build.approval(bo, date(2026, 10, 5), 45))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=1, what="accrued")
    # 45 min at 12 345 = 9 258.75 -> 9 259; at 17 999 = 13 499.25 -> 13 499: +4 240.
    await invoicing.publish_placement_events(build.rates(bo, (date(2026, 1, 1), 17_999)))
    await invoicing.wait_for_count("select count(*) from bill_adjustments", expected=1, what="settled")
    assert await invoicing.count("select amount_ore from bill_adjustments") == 4_240
    for sql in ("update bill_adjustments set amount_ore = 1", "delete from bill_adjustments"):
        try:
            await invoicing.pool.execute(sql)
        except asyncpg.IntegrityConstraintViolationError:
            pass
        else:
            raise AssertionError(f"{sql} was allowed")
    kept = uuid.uuid4()
    await invoicing.pool.execute("update bill_adjustments set citizen_id = $1", kept)
    assert await invoicing.count("select count(*) from bill_adjustments where citizen_id = $1", kept) == 1
    assert await invoicing.count("select amount_ore from bill_adjustments") == 4_240
