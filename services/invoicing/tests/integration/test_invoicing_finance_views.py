"""What finance and companies see (issue 10): invoices filtered by status, company, period, payment status and
overdue (in the query, before paging), each issued invoice with its account, one invoice with payments, history,
Stripe state and PDF path for finance, and a company approver who sees its own only, without internals."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.testing.plugin import bearer

FINANCE = bearer(Role.FINANCE)


async def _numbers(invoicing: Any, headers: dict[str, str] = FINANCE, **params: Any) -> list[str]:
    r = await invoicing.client.get("/invoices", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return [i["number"] for i in r.json()["items"]]


async def test_finance_filters_invoices_in_the_query_and_sees_each_account(invoicing: Any, issue_invoices: Any) -> None:
    paid, part, unpaid = await issue_invoices(3)
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 25))
    for invoice, amount in ((paid, 33_749), (part, 10_000)):
        r = await invoicing.client.post(
            f"/invoices/{invoice['invoice_id']}/payments",
            json={"amount_ore": amount, "paid_on": "2026-11-10", "payer_reference": "bank"},
            headers=FINANCE,
        )
        assert r.status_code == 201, r.text
    everything = await invoicing.client.get("/invoices", headers=FINANCE)
    accounts = {i["number"]: i["payment"] for i in everything.json()["items"]}
    assert accounts[paid["number"]] == {
        "total_ore": 33_749,
        "credited_ore": 0,
        "owed_ore": 33_749,
        "paid_ore": 33_749,
        "outstanding_ore": 0,
        "status": "paid",
        "days_overdue": 0,
    }
    assert (accounts[part["number"]]["outstanding_ore"], accounts[part["number"]]["days_overdue"]) == (23_749, 11)
    assert accounts[unpaid["number"]]["status"] == "unpaid"

    assert await _numbers(invoicing, payment_status="paid") == [paid["number"]]
    assert await _numbers(invoicing, payment_status="partially_paid") == [part["number"]]
    assert await _numbers(invoicing, payment_status="unpaid") == [unpaid["number"]]
    assert await _numbers(invoicing, payment_status="overpaid") == []
    assert sorted(await _numbers(invoicing, overdue="true")) == sorted([part["number"], unpaid["number"]])
    # Filters before paging: the first page of one unpaid invoice is that invoice, whatever sorts first.
    assert await _numbers(invoicing, payment_status="unpaid", limit=1) == [unpaid["number"]]
    assert await _numbers(invoicing, overdue="true", payment_status="unpaid", limit=1) == [unpaid["number"]]
    assert await _numbers(invoicing, company_id=part["company_id"], overdue="true") == [part["number"]]
    assert await _numbers(invoicing, company_id=paid["company_id"], overdue="true") == []
    # Period: billing periods overlapping the range (October here).
    assert len(await _numbers(invoicing, period_from="2026-10-31")) == 3
    assert len(await _numbers(invoicing, period_to="2026-10-01")) == 3
    assert len(await _numbers(invoicing, period_from="2026-10-15", period_to="2026-10-20")) == 3
    assert await _numbers(invoicing, period_from="2026-11-01") == []
    assert await _numbers(invoicing, period_to="2026-09-30") == []
    assert len(await _numbers(invoicing, status="issued", period_from="2026-10-01", period_to="2026-10-31")) == 3
    assert await _numbers(invoicing, status="draft") == []

    # Bad filters: clear 422s naming the field.
    r = await invoicing.client.get(
        "/invoices", params={"period_from": "2026-10-31", "period_to": "2026-10-01"}, headers=FINANCE
    )
    assert r.status_code == 422
    assert [(e["field"], e["rule"]) for e in r.json()["errors"]] == [("period_to", "range-reversed")]
    for params in ({"payment_status": "late"}, {"period_from": "2026-13-01"}, {"overdue": "maybe"}):
        r = await invoicing.client.get("/invoices", params=params, headers=FINANCE)
        assert r.status_code == 422, (params, r.text)
    r = await invoicing.client.get("/invoices", params={"company_id": str(uuid.uuid4())}, headers=FINANCE)
    assert (r.status_code, r.json()["code"]) == (404, "company-not-found")


async def test_one_invoice_for_finance_and_for_its_company(invoicing: Any, issue_invoices: Any) -> None:
    mine, theirs = await issue_invoices(2)
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 20))
    r = await invoicing.client.post(
        f"/invoices/{mine['invoice_id']}/payments",
        json={"amount_ore": 5_000, "paid_on": "2026-11-19", "payer_reference": "FIK 71"},
        headers=FINANCE,
    )
    assert r.status_code == 201
    finance = (await invoicing.client.get(f"/invoices/{mine['invoice_id']}", headers=FINANCE)).json()
    assert len(finance["lines"]) == 1
    assert (finance["payment"]["status"], finance["payment"]["outstanding_ore"]) == ("partially_paid", 28_749)
    [payment] = finance["payments"]
    assert (payment["amount_ore"], payment["paid_on"], payment["payer_reference"], payment["method"]) == (
        5_000,
        "2026-11-19",
        "FIK 71",
        "bank_transfer",
    )
    # (Stripe steps the Stripe worker may add in between are left out here.)
    assert [s["kind"] for s in finance["history"] if s["kind"] in ("issued", "payment")] == ["issued", "payment"]
    assert finance["history"][0]["detail"]["number"] == mine["number"]
    assert finance["stripe"]["state"] in ("issued", "stripe_pending", "stripe_synced", "stripe_failed")
    assert finance["pdf_path"] == f"/invoices/{mine['invoice_id']}/pdf"
    # The Stripe state as the Stripe worker left it (set here: the worker is not what this test is about).
    await invoicing.pool.execute(
        """update stripe_syncs set state = 'stripe_failed', last_error = 'StripeError: card_declined', attempts = 3,
                  due_at = now() + interval '1 day' where invoice_id = $1""",
        uuid.UUID(mine["invoice_id"]),
    )
    finance = (await invoicing.client.get(f"/invoices/{mine['invoice_id']}", headers=FINANCE)).json()
    stripe = finance["stripe"]
    assert (stripe["state"], stripe["last_error"], stripe["attempts"]) == (
        "stripe_failed",
        "StripeError: card_declined",
        3,
    )

    # The company's approver: its own invoice with the account, never the agency's internal records.
    approver = bearer(Role.COMPANY_APPROVER, company_id=uuid.UUID(mine["company_id"]))
    own = await invoicing.client.get(f"/invoices/{mine['invoice_id']}", headers=approver)
    assert own.status_code == 200
    assert own.json()["payment"] == finance["payment"]
    assert (own.json()["payments"], own.json()["history"], own.json()["stripe"]) == (None, None, None)
    assert own.json()["pdf_path"] == finance["pdf_path"]
    other = await invoicing.client.get(f"/invoices/{theirs['invoice_id']}", headers=approver)
    assert (other.status_code, other.json()["code"]) == (404, "invoice-not-found")
    r = await invoicing.client.get("/invoices", headers=approver)
    assert [i["number"] for i in r.json()["items"]] == [mine["number"]]
    assert r.json()["items"][0]["payment"]["status"] == "partially_paid"
    assert await _numbers(invoicing, approver, payment_status="partially_paid") == [mine["number"]]
    assert await _numbers(invoicing, approver, payment_status="unpaid") == []  # theirs is unpaid: not shown
    r = await invoicing.client.get("/invoices", params={"company_id": theirs["company_id"]}, headers=approver)
    assert (r.status_code, r.json()["code"]) == (404, "company-not-found")
    municipality = bearer(Role.MUNICIPALITY, municipality_id=uuid.uuid4())
    assert (await invoicing.client.get("/invoices", headers=municipality)).status_code == 403
