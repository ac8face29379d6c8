"""Credit notes (issue 9): a correction lowering hours on an issued invoice becomes a credit note numbered in
the invoices' gap-free sequence; one adding hours goes on the next draft; one of hours not invoiced nets on
its draft. Exact øre; credit_note_issued on Kafka (no name); an issued credit note is a fact (409)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date
from typing import Any

from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.testing.plugin import all_records, bearer, wait_until

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
FINANCE = bearer(Role.FINANCE)


def _lines(invoice: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (line["citizen_name"], line["rate_ore_per_hour"], line["minutes"], line["amount_ore"], line["late"])
        for line in invoice["lines"]
    ]


def _totals(invoice: dict[str, Any]) -> tuple[int, int, int]:
    return invoice["net_ore"], invoice["vat_ore"], invoice["total_ore"]


async def close(invoicing: Any, through: str, today: date) -> list[dict[str, Any]]:
    invoicing.app.state.clock = FixedClock.on(today)
    r = await invoicing.client.post("/closes", json={"through": through}, headers=FINANCE)
    assert r.status_code == 201, r.text
    drafts: list[dict[str, Any]] = r.json()["invoices"]
    return drafts


async def issue(invoicing: Any, document: dict[str, Any], today: date) -> Any:
    invoicing.app.state.clock = FixedClock.on(today)
    return await invoicing.client.post(f"/invoices/{document['invoice_id']}/issue", headers=FINANCE)


async def reconciled(invoicing: Any, through: str) -> dict[str, Any]:
    r = await invoicing.client.get("/reconciliation", params={"through": through}, headers=FINANCE)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_a_correction_lowering_issued_hours_is_a_credit_note_in_the_same_sequence(
    invoicing: Any, build: Any
) -> None:
    company = uuid.uuid4()
    await invoicing.publish_company_events(build.company(company))
    anna = build.placement(
        company_id=company, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999, eligible=False
    )
    await invoicing.publish_placement_events(anna)
    e1, e2 = build.approval(anna, date(2026, 10, 5), 90), build.approval(anna, date(2026, 10, 6), 60)
    await invoicing.publish_approvals(e1, e2)
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=2, what="accrued")
    await invoicing.wait_for_count("select count(*) from companies", expected=1, what="company")

    [october] = await close(invoicing, "2026-10-31", date(2026, 11, 5))
    # 90 min at 17 999 = 26 998.5 -> 26 999; 60 min = 17 999; net 44 998, VAT 11 249.5 -> 11 250.
    assert _totals(october) == (44_998, 11_250, 56_248)
    r = await issue(invoicing, october, date(2026, 11, 6))
    assert r.status_code == 200, r.text
    assert r.json()["number"] == "2026-000001"

    # Lower the 5 October by 30 min (-8 999.5 -> -9 000), add 30 min to the 6 October (+9 000), and in November
    # 60 min (17 999) lowered by 15 min before any close (-4 499.75 -> -4 500): it nets on its own draft.
    lower = build.approval(anna, date(2026, 10, 5), -30, corrects=e1)
    more = build.approval(anna, date(2026, 10, 6), 30, corrects=e2)
    november = build.approval(anna, date(2026, 11, 10), 60)
    november_lower = build.approval(anna, date(2026, 11, 10), -15, corrects=november)
    await invoicing.publish_approvals(lower, more, november, november_lower)
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=6, what="corrections accrued")

    drafts = await close(invoicing, "2026-11-30", date(2026, 12, 2))
    by_type = {d["document_type"]: d for d in drafts}
    assert sorted(by_type) == ["credit_note", "invoice"] and len(drafts) == 2
    invoice, credit = by_type["invoice"], by_type["credit_note"]
    assert _lines(invoice) == [("Anna Jensen", 17_999, 45, 13_499, False), ("Anna Jensen", 17_999, 30, 9_000, True)]
    # 22 499 * 25 % = 5 624.75 -> 5 625
    assert _totals(invoice) == (22_499, 5_625, 28_124)
    assert (credit["credits_invoice_id"], credit["credits_invoice_number"]) == (october["invoice_id"], "2026-000001")
    assert (credit["period_start"], credit["period_end"]) == ("2026-10-01", "2026-10-31")
    # Positive amounts: 30 min credited, 9 000 øre; VAT 2 250.
    assert [(ln["minutes"], ln["amount_ore"], ln["first_work_date"]) for ln in credit["lines"]] == [
        (30, 9_000, "2026-10-05")
    ]
    assert credit["lines"][0]["entry_ids"] == [str(lower.entry_id)]
    assert _totals(credit) == (9_000, 2_250, 11_250)

    # A second close drafts nothing twice.
    assert await close(invoicing, "2026-11-30", date(2026, 12, 2)) == []

    # Issued in either order, one sequence with no gap.
    r = await issue(invoicing, credit, date(2026, 12, 3))
    assert r.status_code == 200, r.text
    issued_credit = r.json()
    assert (issued_credit["number"], issued_credit["status"], issued_credit["due_date"]) == (
        "2026-000002",
        "issued",
        "2026-12-03",
    )
    r = await issue(invoicing, invoice, date(2026, 12, 3))
    assert r.json()["number"] == "2026-000003"

    # An issued credit note is a fact: issue, regenerate, delete are 409 and change nothing.
    before = await invoicing.pool.fetchrow(
        "select * from invoices where invoice_id = $1", uuid.UUID(credit["invoice_id"])
    )
    for method, path in (
        ("POST", f"/invoices/{credit['invoice_id']}/issue"),
        ("POST", f"/invoices/{credit['invoice_id']}/regenerate"),
        ("DELETE", f"/invoices/{credit['invoice_id']}"),
    ):
        r = await invoicing.client.request(method, path, headers=FINANCE)
        assert r.status_code == 409, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"].endswith("/invoice-issued")
    after = await invoicing.pool.fetchrow(
        "select * from invoices where invoice_id = $1", uuid.UUID(credit["invoice_id"])
    )
    assert dict(before) == dict(after)
    assert await invoicing.count("select last_number from invoice_number_counters where year = 2026") == 3

    async def published() -> bool:
        records = await all_records(invoicing.kafka, invoicing.namespace)
        return any(
            b'"invoicing.credit_note_issued"' in v for _, v in records.get(invoicing.namespace + "invoicing.events", [])
        )

    await wait_until(published, what="credit_note_issued on Kafka", timeout=20)
    records = (await all_records(invoicing.kafka, invoicing.namespace))[invoicing.namespace + "invoicing.events"]
    [(key, value)] = [(k, v) for k, v in records if b'"invoicing.credit_note_issued"' in v]
    assert key == str(company).encode()
    assert b"Anna" not in value
    data = json.loads(value)["data"]
    assert (data["number"], data["credited_invoice_number"], data["net_ore"], data["vat_ore"], data["total_ore"]) == (
        "2026-000002",
        "2026-000001",
        9_000,
        2_250,
        11_250,
    )
    assert (data["issue_date"], data["period_start"], data["period_end"], data["currency"]) == (
        "2026-12-03",
        "2026-10-01",
        "2026-10-31",
        "DKK",
    )
    assert [(ln["minutes"], ln["amount_ore"]) for ln in data["lines"]] == [(30, 9_000)]

    # Reconciliation: approved 44 998 + 9 000 - 9 000 + 13 499 = 58 497; invoiced 44 998 + 22 499, credited 9 000.
    report = await reconciled(invoicing, "2026-11-30")
    assert report["difference_count"] == 0
    [mine] = [c for c in report["companies"] if c["company_id"] == str(company)]
    assert (mine["approved_ore"], mine["invoiced_ore"], mine["credited_ore"], mine["not_yet_invoiced_ore"]) == (
        58_497,
        67_497,
        9_000,
        0,
    )
    assert (mine["difference_ore"], mine["differences"], mine["document_differences"]) == (0, [], [])


async def test_reconciliation_refuses_bad_input_and_other_roles(invoicing: Any) -> None:
    for through, rule in (("2026-13-01", "date-format"), ("30-11-2026", "date-format"), ("9999-12-31", "")):
        r = await invoicing.client.get("/reconciliation", params={"through": through}, headers=FINANCE)
        assert r.status_code == 422, (through, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "through" in r.text and rule in r.text
    r = await invoicing.client.get("/reconciliation", headers=FINANCE)
    assert r.status_code == 422
    for headers in (
        bearer(Role.COMPANY_APPROVER, company_id=uuid.uuid4()),
        bearer(Role.CONSULTANT),
        bearer(Role.MUNICIPALITY, municipality_id=AALBORG),
    ):
        r = await invoicing.client.get("/reconciliation", params={"through": "2026-11-30"}, headers=headers)
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await invoicing.client.get("/reconciliation", params={"through": "2026-11-30"})
    assert r.status_code == 401


async def test_a_correction_of_drafted_hours_nets_on_their_draft_and_an_approver_sees_no_draft(
    invoicing: Any, build: Any
) -> None:
    company = uuid.uuid4()
    await invoicing.publish_company_events(build.company(company))
    bo = build.placement(
        company_id=company, municipality_id=AALBORG, citizen_name="Bo Nielsen", bill_rate=17_999, eligible=False
    )
    await invoicing.publish_placement_events(bo)
    e1 = build.approval(bo, date(2026, 10, 5), 90)
    await invoicing.publish_approvals(e1)
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=1, what="accrued")
    await invoicing.wait_for_count("select count(*) from companies", expected=1, what="company")
    [october] = await close(invoicing, "2026-10-31", date(2026, 11, 5))
    assert _totals(october) == (26_999, 6_750, 33_749)

    # Drafted, not issued: the correction (-30 min = -9 000) nets on the October draft; no credit note, no new draft.
    lower = build.approval(bo, date(2026, 10, 5), -30, corrects=e1)
    await invoicing.publish_approvals(lower)
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=2, what="correction accrued")
    # The close that netted the correction lists the draft it changed, as it is now.
    [changed] = await close(invoicing, "2026-10-31", date(2026, 11, 5))
    assert (changed["invoice_id"], _totals(changed)) == (october["invoice_id"], (17_999, 4_500, 22_499))
    r = await invoicing.client.get(f"/invoices/{october['invoice_id']}", headers=FINANCE)
    netted = r.json()
    assert _lines(netted) == [("Bo Nielsen", 17_999, 60, 17_999, False)]
    assert sorted(netted["lines"][0]["entry_ids"]) == sorted([str(e1.entry_id), str(lower.entry_id)])
    assert _totals(netted) == (17_999, 4_500, 22_499)  # 4 499.75 -> 4 500
    assert await invoicing.count("select count(*) from invoices where company_id = $1", company) == 1

    # The company's approver sees no draft (404, nothing learnt) and may not reconcile (403).
    approver = bearer(Role.COMPANY_APPROVER, company_id=company)
    r = await invoicing.client.get(f"/invoices/{october['invoice_id']}", headers=approver)
    assert (r.status_code, r.json()["code"]) == (404, "invoice-not-found")
    r = await invoicing.client.get("/reconciliation", params={"through": "2026-10-31"}, headers=approver)
    assert r.status_code == 403
    report = await reconciled(invoicing, "2026-10-31")
    [mine] = [c for c in report["companies"] if c["company_id"] == str(company)]
    assert (mine["approved_ore"], mine["not_yet_invoiced_ore"], mine["differences"]) == (17_999, 17_999, [])

    # Corrected away entirely (-60 more): the draft nets to 0 øre, and issuing it spends no number.
    rest = build.approval(bo, date(2026, 10, 5), -60, corrects=lower)
    await invoicing.publish_approvals(rest)
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=3, what="second correction")
    [emptied] = await close(invoicing, "2026-10-31", date(2026, 11, 5))
    assert (emptied["invoice_id"], _totals(emptied)) == (october["invoice_id"], (0, 0, 0))
    assert await close(invoicing, "2026-10-31", date(2026, 11, 5)) == []  # nothing new: lists nothing
    r = await invoicing.client.post(f"/invoices/{october['invoice_id']}/issue", headers=FINANCE)
    assert (r.status_code, r.json()["code"]) == (409, "invoice-empty"), r.text
    assert await invoicing.count("select count(*) from invoice_number_counters") == 0
    assert await invoicing.count("select count(*) from invoices where number is not null") == 0


async def test_invoices_and_credit_notes_issued_at_the_same_moment_share_one_sequence_with_no_gap(
    invoicing: Any, build: Any
) -> None:
    companies = [uuid.uuid4() for _ in range(3)]
    await invoicing.publish_company_events(*(build.company(c, name=f"Firma {i}") for i, c in enumerate(companies)))
    placements = [
        build.placement(
            company_id=c, municipality_id=AALBORG, citizen_name=f"Borger {i}", bill_rate=12_000, eligible=False
        )
        for i, c in enumerate(companies)
    ]
    await invoicing.publish_placement_events(*placements)
    october = [build.approval(p, date(2026, 10, 5), 60) for p in placements]
    await invoicing.publish_approvals(*october)
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=3, what="accrued")
    await invoicing.wait_for_count("select count(*) from companies", expected=3, what="companies")
    for document in await close(invoicing, "2026-10-31", date(2026, 11, 5)):
        assert (await issue(invoicing, document, date(2026, 11, 5))).status_code == 200
    # Each company: 15 min taken off October (-3 000 -> a credit note) and 60 min in November (an invoice).
    await invoicing.publish_approvals(
        *(build.approval(p, date(2026, 10, 5), -15, corrects=e) for p, e in zip(placements, october, strict=True)),
        *(build.approval(p, date(2026, 11, 2), 60) for p in placements),
    )
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=9, what="accrued")
    documents = await close(invoicing, "2026-11-30", date(2026, 12, 1))
    assert sorted(d["document_type"] for d in documents) == ["credit_note"] * 3 + ["invoice"] * 3
    assert all(_totals(d) == (3_000, 750, 3_750) for d in documents if d["document_type"] == "credit_note")

    invoicing.app.state.clock = FixedClock.on(date(2026, 12, 1))
    answers = await asyncio.gather(
        *(invoicing.client.post(f"/invoices/{d['invoice_id']}/issue", headers=FINANCE) for d in documents)
    )
    assert [a.status_code for a in answers] == [200] * 6
    numbers = sorted(a.json()["number"] for a in answers)
    assert numbers == [f"2026-{n:06d}" for n in range(4, 10)]
    assert await invoicing.count("select last_number from invoice_number_counters where year = 2026") == 9
