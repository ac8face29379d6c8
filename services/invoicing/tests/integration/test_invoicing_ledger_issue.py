"""Issuing (issue 9): gap-free numbers under concurrency and across New Year, every § 58 field frozen on
the invoice, invoice_issued on Kafka through the outbox, and issued invoices answered 409 on any change."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date
from typing import Any

import asyncpg
import pytest

from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.testing.plugin import all_records, bearer, wait_until

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
FINANCE = bearer(Role.FINANCE)
# Issue 10: fields only GET /invoices/{id} answers (finance's view of what happened after issuing).
DETAIL_ONLY = {"payments", "history", "stripe", "pdf_path", "payment_reminders", "reminder_fees_ore"}


async def _drafts(invoicing: Any, build: Any, count: int, *, address: bool = True) -> list[dict[str, Any]]:
    """``count`` companies, each with one October entry of 90 min at 17 999 øre/h, closed into drafts."""
    before = await invoicing.count("select count(*) from billable_lines")
    companies = [uuid.uuid4() for _ in range(count)]
    await invoicing.publish_company_events(
        *(build.company(c, name=f"Firma {i}", payment_terms_days=8, address=address) for i, c in enumerate(companies))
    )
    placements = [
        build.placement(
            company_id=c, municipality_id=AALBORG, citizen_name=f"Borger {i}", bill_rate=17_999, eligible=False
        )
        for i, c in enumerate(companies)
    ]
    await invoicing.publish_placement_events(*placements)
    await invoicing.publish_approvals(*(build.approval(p, date(2026, 10, 5), 90) for p in placements))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=before + count, what="accrued")
    await invoicing.wait_for_count(
        "select count(*) from companies where company_id = any($1::uuid[])", companies, expected=count, what="companies"
    )
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 5))
    r = await invoicing.client.post("/closes", json={"through": "2026-10-31"}, headers=FINANCE)
    assert r.status_code == 201, r.text
    drafts: list[dict[str, Any]] = r.json()["invoices"]
    assert len(drafts) == count
    return drafts


async def _issue(invoicing: Any, invoice: dict[str, Any], headers: dict[str, str] = FINANCE) -> Any:
    return await invoicing.client.post(f"/invoices/{invoice['invoice_id']}/issue", headers=headers)


async def test_issuing_numbers_freezes_every_paragraph_58_field_and_publishes_invoice_issued(
    invoicing: Any, build: Any
) -> None:
    [draft] = await _drafts(invoicing, build, 1)
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 6))
    r = await _issue(invoicing, draft)
    assert r.status_code == 200, r.text
    issued = r.json()
    assert issued["status"] == "issued"
    assert issued["number"] == "2026-000001"
    assert (issued["issue_date"], issued["due_date"], issued["payment_terms_days"]) == ("2026-11-06", "2026-11-14", 8)
    assert issued["seller"] == {
        "name": "Fokus Folkeoplysning",
        "street": "Søndergade 1",
        "postcode": "9000",
        "city": "Aalborg",
        "cvr": "29403473",
        "contact_name": None,
        "contact_email": None,
    }
    assert issued["buyer"] == {
        "name": "Firma 0",
        "street": "Algade 1",
        "postcode": "9000",
        "city": "Aalborg",
        "cvr": "12345674",
        "contact_name": "Hanne Bogholder",
        "contact_email": "bogholderi@bager.dk",
    }
    assert (issued["period_start"], issued["period_end"]) == ("2026-10-01", "2026-10-31")
    [line] = issued["lines"]
    assert (line["citizen_name"], line["minutes"], line["rate_ore_per_hour"], line["amount_ore"]) == (
        "Borger 0",
        90,
        17_999,
        26_999,
    )
    # VAT 25 % on the subtotal: 26 999 * 0.25 = 6 749.75 -> 6 750.
    assert (issued["net_ore"], issued["vat_rate_percent"], issued["vat_ore"], issued["total_ore"]) == (
        26_999,
        25,
        6_750,
        33_749,
    )
    assert issued["currency"] == "DKK"
    got = await invoicing.client.get(f"/invoices/{draft['invoice_id']}", headers=FINANCE)
    # Issue 10: the detail adds what happened after issuing (payments, history, Stripe state, PDF path).
    assert {k: v for k, v in got.json().items() if k not in DETAIL_ONLY} == issued

    company_id = draft["company_id"]

    async def published() -> bool:
        records = await all_records(invoicing.kafka, invoicing.namespace)
        return any(
            b'"invoicing.invoice_issued"' in value
            for _, value in records.get(invoicing.namespace + "invoicing.events", [])
        )

    await wait_until(published, what="invoice_issued on Kafka", timeout=20)
    records = (await all_records(invoicing.kafka, invoicing.namespace))[invoicing.namespace + "invoicing.events"]
    [(key, value)] = [(k, v) for k, v in records if b'"invoicing.invoice_issued"' in v]
    assert key == company_id.encode()
    envelope = json.loads(value)
    assert envelope["version"] == 1
    data = envelope["data"]
    assert (data["number"], data["net_ore"], data["vat_ore"], data["total_ore"], data["currency"]) == (
        "2026-000001",
        26_999,
        6_750,
        33_749,
        "DKK",
    )
    assert (data["issue_date"], data["due_date"]) == ("2026-11-06", "2026-11-14")
    assert data["lines"] == [
        {
            "citizen_id": line["citizen_id"],
            "rate_ore_per_hour": 17_999,
            "minutes": 90,
            "amount_ore": 26_999,
            "late": False,
            "first_work_date": "2026-10-05",
            "last_work_date": "2026-10-05",
            "adjusts_entry_id": None,
        }
    ]
    assert b"Borger 0" not in value  # no name (and never a CPR) on the topic


async def test_an_issued_invoice_is_never_issued_again_edited_or_deleted(invoicing: Any, build: Any) -> None:
    [draft] = await _drafts(invoicing, build, 1)
    first = await _issue(invoicing, draft)
    assert first.status_code == 200
    for attempt in (
        _issue(invoicing, draft),
        invoicing.client.post(f"/invoices/{draft['invoice_id']}/regenerate", headers=FINANCE),
        invoicing.client.delete(f"/invoices/{draft['invoice_id']}", headers=FINANCE),
    ):
        r = await attempt
        assert r.status_code == 409, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "invoice-issued"
    again = (await invoicing.client.get(f"/invoices/{draft['invoice_id']}", headers=FINANCE)).json()
    assert {k: v for k, v in again.items() if k not in DETAIL_ONLY} == first.json()
    assert await invoicing.count("select last_number from invoice_number_counters where year = 2026") == 1
    assert (
        await invoicing.count("select count(*) from outbox where envelope->>'type' = 'invoicing.invoice_issued'") == 1
    )
    # Not even SQL past the service changes it.
    with pytest.raises(asyncpg.PostgresError, match="is issued"):
        await invoicing.pool.execute(
            "update invoices set net_ore = 1 where invoice_id = $1", uuid.UUID(draft["invoice_id"])
        )
    with pytest.raises(asyncpg.PostgresError, match="is issued"):
        await invoicing.pool.execute(
            "delete from invoice_entries where invoice_id = $1", uuid.UUID(draft["invoice_id"])
        )


async def test_concurrent_issues_take_consecutive_numbers_with_no_gap_even_when_one_fails(
    invoicing: Any, build: Any
) -> None:
    drafts = await _drafts(invoicing, build, 8)
    [no_address] = await _drafts(invoicing, build, 1, address=False)
    answers = await asyncio.gather(*(_issue(invoicing, d) for d in [*drafts[:4], no_address, *drafts[4:]]))
    refused = [a for a in answers if a.status_code != 200]
    assert [(a.status_code, a.json()["code"]) for a in refused] == [(409, "buyer-incomplete")]
    numbers = sorted(a.json()["number"] for a in answers if a.status_code == 200)
    assert numbers == [f"2026-{n:06d}" for n in range(1, 9)]
    assert await invoicing.count("select last_number from invoice_number_counters where year = 2026") == 8
    assert await invoicing.count("select count(*) from invoices where status = 'draft'") == 1


async def test_numbers_restart_at_one_in_the_issue_dates_year(invoicing: Any, build: Any) -> None:
    drafts = await _drafts(invoicing, build, 3)
    invoicing.app.state.clock = FixedClock.on(date(2026, 12, 31))
    assert (await _issue(invoicing, drafts[0])).json()["number"] == "2026-000001"
    invoicing.app.state.clock = FixedClock.on(date(2027, 1, 1))
    second = (await _issue(invoicing, drafts[1])).json()
    assert (second["number"], second["issue_date"], second["due_date"]) == ("2027-000001", "2027-01-01", "2027-01-09")
    assert (await _issue(invoicing, drafts[2])).json()["number"] == "2027-000002"


async def test_an_empty_draft_is_not_issued_and_takes_no_number(invoicing: Any, build: Any) -> None:
    drafts = await _drafts(invoicing, build, 2)
    # No API path empties a draft (a regenerate takes its own entries back); the guard still holds.
    await invoicing.pool.execute("delete from invoice_lines where invoice_id = $1", uuid.UUID(drafts[0]["invoice_id"]))
    r = await _issue(invoicing, drafts[0])
    assert (r.status_code, r.json()["code"]) == (409, "invoice-empty")
    assert (await _issue(invoicing, drafts[1])).json()["number"] == "2026-000001"
    missing = await invoicing.client.post(f"/invoices/{uuid.uuid4()}/issue", headers=FINANCE)
    assert (missing.status_code, missing.json()["code"]) == (404, "invoice-not-found")


async def test_a_company_approver_sees_only_its_own_issued_invoices(invoicing: Any, build: Any) -> None:
    own, other = await _drafts(invoicing, build, 2)
    company = uuid.UUID(own["company_id"])
    approver = bearer(Role.COMPANY_APPROVER, company_id=company)
    path = f"/invoices/{own['invoice_id']}"
    # A draft is the agency's business; another company's invoice does not exist for this approver.
    assert (await invoicing.client.get(path, headers=approver)).json()["code"] == "invoice-not-found"
    assert (await _issue(invoicing, own, approver)).status_code == 403
    assert (await invoicing.client.delete(path, headers=approver)).status_code == 403
    await _issue(invoicing, own)
    await _issue(invoicing, other)
    assert (await invoicing.client.get(path, headers=approver)).status_code == 200
    r = await invoicing.client.get(f"/invoices/{other['invoice_id']}", headers=approver)
    assert (r.status_code, r.json()["code"]) == (404, "invoice-not-found")
    assert "Firma 1" not in r.text
    listed = await invoicing.client.get("/invoices", headers=approver)
    assert [i["invoice_id"] for i in listed.json()["items"]] == [own["invoice_id"]]
    asked_other = await invoicing.client.get("/invoices", params={"company_id": other["company_id"]}, headers=approver)
    assert (asked_other.status_code, asked_other.json()["code"]) == (404, "company-not-found")
    assert "Firma" not in asked_other.text
    unknown = await invoicing.client.get("/invoices", params={"company_id": str(uuid.uuid4())}, headers=FINANCE)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "company-not-found")
    municipality = bearer(Role.MUNICIPALITY, municipality_id=AALBORG)
    assert (await invoicing.client.get("/invoices", headers=municipality)).status_code == 403
    assert (await invoicing.client.get(path, headers=municipality)).status_code == 404
    assert (await invoicing.client.get(path)).status_code == 401
