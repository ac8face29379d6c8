"""Issue 14 (part B): the ``service`` role (notifications fetching a document to attach) reads exactly the documents
it attaches: an issued invoice's or credit note's PDF. Everything else refuses it: a draft's PDF, the invoice itself,
the lines CSV, lists, and every finance action."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.testing.plugin import bearer, wait_until

SERVICE = bearer(Role.SERVICE, sub="service:notifications")
FINANCE = bearer(Role.FINANCE)


async def test_a_service_token_fetches_an_issued_invoice_pdf_and_nothing_else(
    invoicing: Any, issue_invoices: Any
) -> None:
    [invoice] = await issue_invoices(1)
    invoice_id = invoice["invoice_id"]

    async def rendered() -> bool:
        return (await invoicing.client.get(f"/invoices/{invoice_id}/pdf", headers=FINANCE)).status_code == 200

    await wait_until(rendered, what="the invoice PDF rendered by the worker", timeout=30)
    r = await invoicing.client.get(f"/invoices/{invoice_id}/pdf", headers=SERVICE)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-")
    assert r.content == (await invoicing.client.get(f"/invoices/{invoice_id}/pdf", headers=FINANCE)).content

    # Not the invoice, its lines, or any list: an outsider's 404 on objects, 403 on role-restricted operations.
    for path in (f"/invoices/{invoice_id}", f"/invoices/{invoice_id}/lines.csv", "/invoices/999999/pdf"):
        r = await invoicing.client.get(path, headers=SERVICE)
        assert r.status_code in (404, 422), f"{path}: {r.status_code} {r.text[:200]}"
        assert invoice["number"] not in r.text
    listed = await invoicing.client.get("/invoices", headers=SERVICE)
    assert listed.status_code in (200, 403), listed.text
    assert invoice_id not in listed.text and invoice["number"] not in listed.text
    for method, path, body in (
        ("POST", "/closes", {"through": "2026-10-31"}),
        (
            "POST",
            f"/invoices/{invoice_id}/payments",
            {"amount_ore": 1, "paid_on": "2026-11-07", "payer_reference": "x"},
        ),
        ("GET", "/exports/bookkeeping.csv?from=2026-11-01&to=2026-11-30", None),
        ("GET", "/reconciliation?through=2026-10-31", None),
    ):
        r = await invoicing.client.request(method, path, headers=SERVICE, json=body)
        assert r.status_code == 403, f"{method} {path}: {r.status_code} {r.text[:200]}"


async def test_a_service_token_gets_no_draft_pdf(invoicing: Any, build: Any) -> None:
    company = uuid.uuid4()
    await invoicing.publish_company_events(build.company(company))
    placement = build.placement(
        company_id=company, municipality_id=uuid.uuid4(), citizen_name="Anna", bill_rate=100, eligible=False
    )
    await invoicing.publish_placement_events(placement)
    before = await invoicing.count("select count(*) from billable_lines")
    await invoicing.publish_approvals(build.approval(placement, date(2026, 10, 5), 60))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=before + 1, what="accrued")
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 5))
    r = await invoicing.client.post("/closes", json={"through": "2026-10-31"}, headers=FINANCE)
    assert r.status_code == 201, r.text
    [draft] = [i for i in r.json()["invoices"] if i["company_id"] == str(company)]
    r = await invoicing.client.get(f"/invoices/{draft['invoice_id']}/pdf", headers=SERVICE)
    assert r.status_code == 404 and r.json()["code"] == "invoice-not-found", r.text
    staff = await invoicing.client.get(f"/invoices/{draft['invoice_id']}/pdf", headers=FINANCE)
    assert staff.status_code == 404 and staff.json()["code"] == "document-not-ready", staff.text
