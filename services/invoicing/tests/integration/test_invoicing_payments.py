"""Payments outside Stripe (issue 10): a bank transfer in two parts, an overpayment, a payment on a draft or a
credit note, who may record one, and an Idempotency-Key that records a re-sent payment once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.testing.plugin import bearer

FINANCE = bearer(Role.FINANCE)
PAID_EVENTS = "select count(*) from outbox where envelope ->> 'type' = 'invoicing.invoice_paid' and key = $1"


async def _pay(invoicing: Any, invoice: dict[str, Any], amount: int, **extra: Any) -> Any:
    body = {"amount_ore": amount, "paid_on": "2026-11-20", "payer_reference": "  FIK 71 Bager Hansen  ", **extra}
    return await invoicing.client.post(f"/invoices/{invoice['invoice_id']}/payments", json=body, headers=FINANCE)


async def test_a_bank_transfer_in_two_parts_pays_the_invoice_once(invoicing: Any, issue_invoices: Any) -> None:
    [invoice] = await issue_invoices(1)
    assert invoice["total_ore"] == 33_749
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 25))

    first = await _pay(invoicing, invoice, 20_000)
    assert first.status_code == 201, first.text
    assert first.json()["payment"]["payer_reference"] == "FIK 71 Bager Hansen"  # trimmed
    assert first.json()["payment"]["method"] == "bank_transfer"
    assert first.json()["account"] == {
        "total_ore": 33_749,
        "credited_ore": 0,
        "owed_ore": 33_749,
        "paid_ore": 20_000,
        "outstanding_ore": 13_749,
        "status": "partially_paid",
        "days_overdue": 11,  # due 2026-11-14, today 2026-11-25
    }
    assert await invoicing.count(PAID_EVENTS, invoice["company_id"]) == 0

    second = await _pay(invoicing, invoice, 13_749, paid_on="2026-11-24")
    assert second.status_code == 201, second.text
    account = second.json()["account"]
    assert (account["paid_ore"], account["outstanding_ore"], account["status"], account["days_overdue"]) == (
        33_749,
        0,
        "paid",
        0,
    )
    assert await invoicing.count(PAID_EVENTS, invoice["company_id"]) == 1
    event = await invoicing.pool.fetchval(
        "select envelope from outbox where envelope ->> 'type' = 'invoicing.invoice_paid' and key = $1",
        invoice["company_id"],
    )
    assert (event["data"]["owed_ore"], event["data"]["paid_ore"], event["data"]["method"]) == (
        33_749,
        33_749,
        "bank_transfer",
    )

    # The invoice answers its account; its detail lists both payments and the history in order.
    r = await invoicing.client.get(f"/invoices/{invoice['invoice_id']}", headers=FINANCE)
    assert r.json()["payment"]["status"] == "paid"
    assert [p["amount_ore"] for p in r.json()["payments"]] == [20_000, 13_749]
    steps = [s for s in r.json()["history"] if s["kind"] in ("issued", "payment")]  # not the Stripe worker's
    assert [s["kind"] for s in steps] == ["issued", "payment", "payment"]
    assert [s["detail"].get("amount_ore") for s in steps[1:]] == [20_000, 13_749]

    # A third payment overpays: shown as such, and invoice_paid is not written again.
    third = await _pay(invoicing, invoice, 1_000, paid_on="2026-11-25")
    assert third.status_code == 201
    assert (third.json()["account"]["status"], third.json()["account"]["outstanding_ore"]) == ("overpaid", -1_000)
    assert await invoicing.count(PAID_EVENTS, invoice["company_id"]) == 1


async def test_an_overpayment_in_one_transfer_is_overpaid_with_a_negative_outstanding(
    invoicing: Any, issue_invoices: Any
) -> None:
    [invoice] = await issue_invoices(1)
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 25))
    r = await _pay(invoicing, invoice, 40_000)
    assert r.status_code == 201, r.text
    assert (r.json()["account"]["status"], r.json()["account"]["outstanding_ore"]) == ("overpaid", -6_251)
    assert await invoicing.count(PAID_EVENTS, invoice["company_id"]) == 1
    listed = await invoicing.client.get("/invoices", params={"payment_status": "overpaid"}, headers=FINANCE)
    assert [i["invoice_id"] for i in listed.json()["items"]] == [invoice["invoice_id"]]


async def _bo_worked_90_minutes(invoicing: Any, build: Any) -> tuple[Any, Any]:
    """One company and Bo's placement (17 999 øre/h) with 90 minutes on 5 October approved and accrued."""
    company = uuid.uuid4()
    await invoicing.publish_company_events(build.company(company))
    bo = build.placement(
        company_id=company, municipality_id=uuid.uuid4(), citizen_name="Bo", bill_rate=17_999, eligible=False
    )
    await invoicing.publish_placement_events(bo)
    worked = build.approval(bo, date(2026, 10, 5), 90)
    await invoicing.publish_approvals(worked)
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=1, what="accrued")
    await invoicing.wait_for_count("select count(*) from companies", expected=1, what="company")
    return bo, worked


async def test_a_payment_on_a_draft_is_409_and_writes_nothing(invoicing: Any, build: Any) -> None:
    await _bo_worked_90_minutes(invoicing, build)
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 25))
    r = await invoicing.client.post("/closes", json={"through": "2026-10-31"}, headers=FINANCE)
    [draft] = r.json()["invoices"]
    assert draft["payment"] is None  # a draft has no account

    r = await _pay(invoicing, draft, 1_000)
    assert (r.status_code, r.json()["code"]) == (409, "invoice-not-payable"), r.text
    assert await invoicing.count("select count(*) from payments") == 0
    assert await invoicing.count("select count(*) from invoice_history") == 0
    assert await invoicing.count("select count(*) from idempotency_keys") == 0


async def test_bad_payments_are_clear_4xx_and_write_nothing(invoicing: Any, issue_invoices: Any) -> None:
    [invoice] = await issue_invoices(1)
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 25))
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"amount_ore": 0}, 422, "greater_than"),
        ({"amount_ore": -5}, 422, "greater_than"),
        ({"amount_ore": 10_000_000_001}, 422, "less_than_equal"),
        ({"amount_ore": "100"}, 422, "int_type"),
        ({"amount_ore": 100.5}, 422, "int_type"),
        ({"paid_on": "2026-11-26"}, 422, "paid-on-future"),
        ({"paid_on": "2026-11-05"}, 422, "paid-on-before-issue"),
        ({"payer_reference": "   "}, 422, "not-blank"),
        ({"payer_reference": "x" * 141}, 422, "string_too_long"),
    ]
    for change, status, rule in cases:
        body = {"amount_ore": 1_000, "paid_on": "2026-11-20", "payer_reference": "ref", **change}
        r = await invoicing.client.post(f"/invoices/{invoice['invoice_id']}/payments", json=body, headers=FINANCE)
        assert r.status_code == status, (change, r.text)
        assert rule in {e["rule"] for e in r.json()["errors"]}, (change, r.json())
    body = {"amount_ore": 1_000, "paid_on": "2026-11-20", "payer_reference": "ref"}
    r = await invoicing.client.post(f"/invoices/{uuid.uuid4()}/payments", json=body, headers=FINANCE)
    assert (r.status_code, r.json()["code"]) == (404, "invoice-not-found")
    for role in (Role.COMPANY_APPROVER, Role.MUNICIPALITY, Role.CONSULTANT):
        caller = bearer(role, company_id=uuid.UUID(invoice["company_id"]) if role is Role.COMPANY_APPROVER else None)
        if role is Role.MUNICIPALITY:
            caller = bearer(role, municipality_id=uuid.uuid4())
        r = await invoicing.client.post(f"/invoices/{invoice['invoice_id']}/payments", json=body, headers=caller)
        assert r.status_code == 403, (role, r.text)
    assert await invoicing.count("select count(*) from payments") == 0
    admin = await invoicing.client.post(
        f"/invoices/{invoice['invoice_id']}/payments", json=body, headers=bearer(Role.ADMIN)
    )
    assert admin.status_code == 201


async def test_a_payment_sent_twice_with_one_idempotency_key_is_recorded_once(
    invoicing: Any, issue_invoices: Any
) -> None:
    [invoice] = await issue_invoices(1)
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 25))
    body = {"amount_ore": 33_749, "paid_on": "2026-11-20", "payer_reference": "ref"}
    headers = {**FINANCE, "Idempotency-Key": "pay-2026-000001-a"}
    url = f"/invoices/{invoice['invoice_id']}/payments"
    first = await invoicing.client.post(url, json=body, headers=headers)
    again = await invoicing.client.post(url, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert await invoicing.count("select count(*) from payments") == 1
    assert await invoicing.count(PAID_EVENTS, invoice["company_id"]) == 1
    other = await invoicing.client.post(url, json={**body, "amount_ore": 1}, headers=headers)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency-key-reused")
    # Without a key a second payment is a second payment (an overpayment).
    r = await invoicing.client.post(url, json=body, headers=FINANCE)
    assert r.json()["account"]["status"] == "overpaid"
    assert await invoicing.count("select count(*) from payments") == 2


async def test_credit_notes_lower_what_is_owed_and_are_not_payable(invoicing: Any, build: Any) -> None:
    bo, worked = await _bo_worked_90_minutes(invoicing, build)

    async def close_and_issue(today: date) -> dict[str, Any]:
        invoicing.app.state.clock = FixedClock.on(today)
        r = await invoicing.client.post("/closes", json={"through": "2026-10-31"}, headers=FINANCE)
        [draft] = r.json()["invoices"]
        r = await invoicing.client.post(f"/invoices/{draft['invoice_id']}/issue", headers=FINANCE)
        assert r.status_code == 200, r.text
        issued: dict[str, Any] = r.json()
        return issued

    invoice = await close_and_issue(date(2026, 11, 6))
    assert invoice["payment"]["owed_ore"] == 33_749
    # All 90 minutes taken away: a credit note of the whole total; nothing is owed, nothing was paid.
    await invoicing.publish_approvals(build.approval(bo, date(2026, 10, 5), -90, corrects=worked))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=2, what="correction")
    credit = await close_and_issue(date(2026, 11, 10))
    assert (credit["document_type"], credit["total_ore"], credit["payment"]) == ("credit_note", 33_749, None)

    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 25))
    r = await invoicing.client.get(f"/invoices/{invoice['invoice_id']}", headers=FINANCE)
    assert r.json()["payment"] == {
        "total_ore": 33_749,
        "credited_ore": 33_749,
        "owed_ore": 0,
        "paid_ore": 0,
        "outstanding_ore": 0,
        "status": "credited",
        "days_overdue": 0,
    }
    listed = await invoicing.client.get("/invoices", params={"payment_status": "credited"}, headers=FINANCE)
    assert [i["invoice_id"] for i in listed.json()["items"]] == [invoice["invoice_id"]]
    assert (await invoicing.client.get("/invoices", params={"overdue": "true"}, headers=FINANCE)).json()["items"] == []
    everything = await invoicing.client.get("/invoices", headers=FINANCE)
    assert {i["document_type"]: i["payment"] is None for i in everything.json()["items"]} == {
        "invoice": False,
        "credit_note": True,
    }

    r = await _pay(invoicing, credit, 1_000)
    assert (r.status_code, r.json()["code"]) == (409, "invoice-not-payable")
    r = await invoicing.client.post(
        f"/invoices/{invoice['invoice_id']}/reminders", json={"sent_on": "2026-11-20", "fee_ore": 0}, headers=FINANCE
    )
    assert (r.status_code, r.json()["code"]) == (409, "invoice-settled")
    assert await invoicing.count("select count(*) from payments") == 0
    assert await invoicing.count("select count(*) from payment_reminders") == 0
    # Paying a credited invoice anyway is an overpayment (the company is owed its money back).
    r = await _pay(invoicing, invoice, 500)
    assert (r.json()["account"]["status"], r.json()["account"]["outstanding_ore"]) == ("overpaid", -500)


async def test_concurrent_part_payments_are_counted_one_after_the_other(invoicing: Any, issue_invoices: Any) -> None:
    [invoice] = await issue_invoices(1)
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 25))
    answers = await asyncio.gather(*(_pay(invoicing, invoice, amount) for amount in (16_874, 16_875)))
    assert sorted(r.status_code for r in answers) == [201, 201]
    # Whichever was counted first saw its own amount paid; the second saw both.
    first, second = sorted(r.json()["account"]["paid_ore"] for r in answers)
    assert (first in (16_874, 16_875), second) == (True, 33_749)
    assert sorted(r.json()["account"]["status"] for r in answers) == ["paid", "partially_paid"]
    assert await invoicing.count(PAID_EVENTS, invoice["company_id"]) == 1
