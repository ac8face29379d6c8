"""The close (issue 9): drafts per company and billing period with exact øre, late hours, idempotence,
pending entries listed, draft review / regenerate / delete, and bad input answered 4xx with no trace."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import pytest

from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.testing.plugin import bearer

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
BAGER = uuid.UUID("00000000-0000-4000-8000-0000000000c1")  # monthly
SMED = uuid.UUID("00000000-0000-4000-8000-0000000000c2")  # fortnightly
VAEG = uuid.UUID("00000000-0000-4000-8000-0000000000c3")  # weekly
FINANCE = bearer(Role.FINANCE)


def _lines(invoice: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (line["citizen_name"], line["rate_ore_per_hour"], line["minutes"], line["amount_ore"], line["late"])
        for line in invoice["lines"]
    ]


def _totals(invoice: dict[str, Any]) -> tuple[int, int, int]:
    return invoice["net_ore"], invoice["vat_ore"], invoice["total_ore"]


async def _close(invoicing: Any, through: str, today: date, headers: dict[str, str] = FINANCE) -> Any:
    invoicing.app.state.clock = FixedClock.on(today)
    return await invoicing.client.post("/closes", json={"through": through}, headers=headers)


async def _accrued(invoicing: Any, expected: int) -> None:
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=expected, what="accrued lines")


@pytest.fixture
async def bager(invoicing: Any, build: Any) -> tuple[Any, Any, Any]:
    """A monthly company: Anna at 17 999 øre/h, 20 000 from 15 October; Bo at 12 345."""
    await invoicing.publish_company_events(build.company(BAGER))
    anna = build.placement(
        company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999, eligible=False
    )
    bo = build.placement(
        company_id=BAGER, municipality_id=AALBORG, citizen_name="Bo Nielsen", bill_rate=12_345, eligible=False
    )
    await invoicing.publish_placement_events(
        anna, bo, build.rates(anna, (date(2026, 1, 1), 17_999), (date(2026, 10, 15), 20_000))
    )
    await invoicing.wait_for_count("select count(*) from placement_bill_rates", expected=2, what="rates")
    await invoicing.wait_for_count("select count(*) from companies", expected=1, what="company")
    return invoicing, anna, bo


async def test_a_monthly_close_drafts_per_citizen_and_rate_then_late_hours_go_on_the_next_draft(
    bager: tuple[Any, Any, Any], build: Any
) -> None:
    invoicing, anna, bo = bager
    await invoicing.publish_approvals(
        build.approval(anna, date(2026, 10, 5), 90),  # 17 999: 26 998.5 -> 26 999
        build.approval(anna, date(2026, 10, 20), 45),  # 20 000: 15 000
        build.approval(anna, date(2026, 10, 21), 7),  # 20 000: 2 333.3 -> 2 333
        build.approval(bo, date(2026, 10, 6), 8),  # 12 345: 1 646
        build.approval(anna, date(2026, 11, 3), 60),  # November: not ended on 31 October
    )
    await _accrued(invoicing, 5)

    r = await _close(invoicing, "2026-10-31", date(2026, 11, 5))
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["status"] == "finished"
    assert (first["companies_total"], first["companies_done"]) == (1, 1)
    [october] = first["invoices"]
    assert (october["status"], october["billing_period"], october["period_label"]) == ("draft", "monthly", "2026-10")
    assert (october["period_start"], october["period_end"]) == ("2026-10-01", "2026-10-31")
    assert _lines(october) == [
        ("Anna Jensen", 17_999, 90, 26_999, False),
        ("Anna Jensen", 20_000, 52, 17_333, False),  # 15 000 + 2 333: the entries' amounts summed, not re-rounded
        ("Bo Nielsen", 12_345, 8, 1_646, False),
    ]
    # VAT on the subtotal: 45 978 * 25 % = 11 494.5 -> 11 495 (half up), once.
    assert _totals(october) == (45_978, 11_495, 57_473)
    assert october["number"] is None and october["buyer"] is None

    again = await _close(invoicing, "2026-10-31", date(2026, 11, 5))
    assert again.status_code == 201
    assert again.json()["invoices"] == []
    assert await invoicing.count("select count(*) from invoices") == 1

    # Approved after October was invoiced: a late line on November's draft, with its own work date.
    await invoicing.publish_approvals(build.approval(anna, date(2026, 10, 28), 30))  # 20 000: 10 000
    await _accrued(invoicing, 6)
    r = await _close(invoicing, "2026-11-30", date(2026, 12, 1))
    [november] = r.json()["invoices"]
    assert november["period_label"] == "2026-11"
    assert _lines(november) == [("Anna Jensen", 20_000, 60, 20_000, False), ("Anna Jensen", 20_000, 30, 10_000, True)]
    late = november["lines"][1]
    assert (late["first_work_date"], late["last_work_date"]) == ("2026-10-28", "2026-10-28")
    assert _totals(november) == (30_000, 7_500, 37_500)
    # Every accrued line on exactly one invoice.
    assert await invoicing.count("select count(*) from invoice_entries") == 6
    assert await invoicing.count("select count(distinct entry_id) from invoice_entries") == 6

    listed = await invoicing.client.get(
        "/invoices", params={"status": "draft", "company_id": str(BAGER)}, headers=FINANCE
    )
    assert [i["period_label"] for i in listed.json()["items"]] == ["2026-10", "2026-11"]
    fetched = await invoicing.client.get(f"/closes/{first['close_id']}", headers=FINANCE)
    assert fetched.json()["invoices"][0]["invoice_id"] == october["invoice_id"]


async def test_fortnightly_and_weekly_companies_draft_their_own_periods_and_empty_ones_draft_nothing(
    invoicing: Any, build: Any
) -> None:
    await invoicing.publish_company_events(
        build.company(SMED, name="Smed Olsen", billing_period="fortnightly"),
        build.company(VAEG, name="Væg og Vinduer", billing_period="weekly"),
    )
    smed = build.placement(
        company_id=SMED, municipality_id=AALBORG, citizen_name="Carl Smed", bill_rate=12_000, eligible=False
    )
    vaeg = build.placement(
        company_id=VAEG, municipality_id=AALBORG, citizen_name="Dora Væg", bill_rate=15_000, eligible=False
    )
    await invoicing.publish_placement_events(smed, vaeg)
    await invoicing.wait_for_count("select count(*) from companies", expected=2, what="companies")
    await invoicing.publish_approvals(
        # Fortnights from the anchor Monday 2024-01-01: 16..29 November, then 30 November..13 December.
        build.approval(smed, date(2026, 11, 16), 60),
        build.approval(smed, date(2026, 11, 29), 30),
        build.approval(smed, date(2026, 11, 30), 60),
        # ISO weeks: W46 (9..15 Nov), W47 empty, W48 (23..29 Nov), W49 not ended.
        build.approval(vaeg, date(2026, 11, 9), 60),
        build.approval(vaeg, date(2026, 11, 23), 60),
        build.approval(vaeg, date(2026, 11, 29), 15),
        build.approval(vaeg, date(2026, 11, 30), 60),
    )
    await _accrued(invoicing, 7)
    r = await _close(invoicing, "2026-11-29", date(2026, 12, 1))
    assert r.status_code == 201, r.text
    drafts = {(i["company_id"], i["period_label"]): i for i in r.json()["invoices"]}
    assert sorted(drafts) == [
        (str(SMED), "2026-W47/2026-W48"),
        (str(VAEG), "2026-W46"),
        (str(VAEG), "2026-W48"),
    ]
    fortnight = drafts[(str(SMED), "2026-W47/2026-W48")]
    assert (fortnight["period_start"], fortnight["period_end"]) == ("2026-11-16", "2026-11-29")
    assert _lines(fortnight) == [("Carl Smed", 12_000, 90, 18_000, False)]
    assert _totals(fortnight) == (18_000, 4_500, 22_500)
    week = drafts[(str(VAEG), "2026-W48")]
    assert (week["period_start"], week["period_end"]) == ("2026-11-23", "2026-11-29")
    # 60 + 15 minutes at 15 000: 15 000 + 3 750 = 18 750; VAT 4 687.5 -> 4 688.
    assert _lines(week) == [("Dora Væg", 15_000, 75, 18_750, False)]
    assert _totals(week) == (18_750, 4_688, 23_438)
    assert _totals(drafts[(str(VAEG), "2026-W46")]) == (15_000, 3_750, 18_750)
    # 30 November is in periods that have not ended: on no draft yet.
    assert await invoicing.count("select count(*) from invoice_entries") == 5


async def test_a_close_through_today_drafts_only_periods_that_ended_by_yesterday(invoicing: Any, build: Any) -> None:
    """W48 ends on Sunday 29 November: on that day hours may still be worked and entered, so a close
    through today leaves it open; the next day it has ended and is drafted."""
    await invoicing.publish_company_events(build.company(VAEG, name="Væg og Vinduer", billing_period="weekly"))
    vaeg = build.placement(
        company_id=VAEG, municipality_id=AALBORG, citizen_name="Dora Væg", bill_rate=15_000, eligible=False
    )
    await invoicing.publish_placement_events(vaeg)
    await invoicing.wait_for_count("select count(*) from companies", expected=1, what="company")
    await invoicing.publish_approvals(build.approval(vaeg, date(2026, 11, 23), 60))
    await _accrued(invoicing, 1)
    r = await _close(invoicing, "2026-11-29", date(2026, 11, 29))
    assert r.status_code == 201, r.text
    assert (r.json()["through"], r.json()["invoices"]) == ("2026-11-28", [])
    r = await _close(invoicing, "2026-11-29", date(2026, 11, 30))
    [week] = r.json()["invoices"]
    assert (week["period_label"], _totals(week)) == ("2026-W48", (15_000, 3_750, 18_750))


async def test_entries_waiting_for_placement_or_terms_are_listed_in_the_close(invoicing: Any, build: Any) -> None:
    known = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Eva Eligible", bill_rate=10_000)
    unknown = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Finn", bill_rate=10_000)
    await invoicing.publish_placement_events(known)  # eligible, and no terms for Aalborg yet
    await invoicing.wait_for_count("select count(*) from placements", expected=1, what="placement")
    waiting_terms, waiting_placement = (
        build.approval(known, date(2026, 11, 2), 60),
        build.approval(unknown, date(2026, 11, 3), 30),
    )
    await invoicing.publish_approvals(waiting_terms, waiting_placement)
    await invoicing.wait_for_count("select count(*) from approved_entries", expected=2, what="approvals")
    r = await _close(invoicing, "2026-11-30", date(2026, 12, 1))
    assert r.status_code == 201
    assert r.json()["invoices"] == []
    assert [(p["entry_id"], p["waiting_for"], p["minutes"]) for p in r.json()["pending_entries"]] == sorted(
        [(str(waiting_terms.entry_id), "municipality-terms", 60), (str(waiting_placement.entry_id), "placement", 30)],
        key=lambda p: date(2026, 11, 2) if p[2] == 60 else date(2026, 11, 3),
    )


async def test_regenerate_and_delete_a_draft_and_its_hours_return_to_the_pool(
    bager: tuple[Any, Any, Any], build: Any
) -> None:
    invoicing, anna, _ = bager
    await invoicing.publish_approvals(build.approval(anna, date(2026, 10, 5), 60))  # 17 999
    await _accrued(invoicing, 1)
    [october] = (await _close(invoicing, "2026-10-31", date(2026, 11, 5))).json()["invoices"]
    # An approval of October after the close: regenerating October's draft takes it in.
    await invoicing.publish_approvals(build.approval(anna, date(2026, 10, 30), 30))  # 20 000: 10 000
    await _accrued(invoicing, 2)
    r = await invoicing.client.post(f"/invoices/{october['invoice_id']}/regenerate", headers=FINANCE)
    assert r.status_code == 200, r.text
    assert _lines(r.json()) == [("Anna Jensen", 17_999, 60, 17_999, False), ("Anna Jensen", 20_000, 30, 10_000, False)]
    assert _totals(r.json()) == (27_999, 7_000, 34_999)  # 6 999.75 -> 7 000

    r = await invoicing.client.delete(f"/invoices/{october['invoice_id']}", headers=FINANCE)
    assert r.status_code == 204
    assert await invoicing.count("select count(*) from invoice_entries") == 0
    assert (await invoicing.client.get(f"/invoices/{october['invoice_id']}", headers=FINANCE)).status_code == 404
    # October stays closed: its hours come back as late lines on the next draft.
    await invoicing.publish_approvals(build.approval(anna, date(2026, 11, 2), 60))
    await _accrued(invoicing, 3)
    [november] = (await _close(invoicing, "2026-11-30", date(2026, 12, 1))).json()["invoices"]
    assert _lines(november) == [
        ("Anna Jensen", 20_000, 60, 20_000, False),
        ("Anna Jensen", 17_999, 60, 17_999, True),
        ("Anna Jensen", 20_000, 30, 10_000, True),
    ]


async def test_bad_close_requests_are_4xx_and_write_nothing(invoicing: Any) -> None:
    future = await _close(invoicing, "2026-12-02", date(2026, 12, 1))
    assert future.status_code == 422
    assert future.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["rule"]) for e in future.json()["errors"]] == [("through", "close-through-future")]
    for body in ({}, {"through": "2026-13-01"}, {"through": "9999-12-31"}, {"through": "2026-11-30", "x": 1}):
        r = await invoicing.client.post("/closes", json=body, headers=FINANCE)
        assert r.status_code == 422, (body, r.text)
    for role in (Role.CONSULTANT, Role.MUNICIPALITY):
        r = await _close(invoicing, "2026-11-30", date(2026, 12, 1), headers=bearer(role, municipality_id=AALBORG))
        assert r.status_code == 403
    r = await _close(
        invoicing, "2026-11-30", date(2026, 12, 1), headers=bearer(Role.COMPANY_APPROVER, company_id=BAGER)
    )
    assert r.status_code == 403
    assert await invoicing.count("select count(*) from closes") == 0
    assert (await invoicing.client.get(f"/closes/{uuid.uuid4()}", headers=FINANCE)).json()["code"] == "close-not-found"


async def test_two_closes_at_once_draft_each_period_once(bager: tuple[Any, Any, Any], build: Any) -> None:
    invoicing, anna, bo = bager
    await invoicing.publish_approvals(
        build.approval(anna, date(2026, 9, 5), 60), build.approval(bo, date(2026, 10, 5), 60)
    )
    await _accrued(invoicing, 2)
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 5))
    answers = await asyncio.gather(
        *(invoicing.client.post("/closes", json={"through": "2026-10-31"}, headers=FINANCE) for _ in range(3))
    )
    assert [a.status_code for a in answers] == [201, 201, 201]
    labels = sorted(i["period_label"] for a in answers for i in a.json()["invoices"])
    assert labels == ["2026-09", "2026-10"]
    assert await invoicing.count("select count(*) from invoices") == 2
    assert await invoicing.count("select count(*) from invoice_entries") == 2
