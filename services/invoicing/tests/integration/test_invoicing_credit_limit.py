"""A credit note never credits more than its invoice's net not credited yet (issue 10, tester's F1): after a
Stripe void booked the whole invoice as a credit note, a draft credit note of a correction on the same invoice
is refused at issue (409 ``credit-exceeds-invoice``, nothing numbered) and a later close drafts none."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from invoicing.cli import post_stripe_event
from invoicing.config import InvoicingSettings
from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.testing.plugin import bearer, wait_until

FINANCE = bearer(Role.FINANCE)


async def _close(invoicing: Any, through: str, today: date) -> list[dict[str, Any]]:
    invoicing.app.state.clock = FixedClock.on(today)
    r = await invoicing.client.post("/closes", json={"through": through}, headers=FINANCE)
    assert r.status_code == 201, r.text
    drafts: list[dict[str, Any]] = r.json()["invoices"]
    return drafts


async def _issued_october(invoicing: Any, build: Any, name: str) -> tuple[Any, Any, dict[str, Any]]:
    """A new company's citizen ``name`` with 150 min on 5 October at 200 kr/h, closed and issued on 6 November
    (50 000 net, 12 500 VAT): (placement, the approved entry, the issued invoice as answered)."""
    company = uuid.uuid4()
    await invoicing.publish_company_events(build.company(company))
    placement = build.placement(
        company_id=company, municipality_id=uuid.uuid4(), citizen_name=name, bill_rate=20_000, eligible=False
    )
    await invoicing.publish_placement_events(placement)
    worked = build.approval(placement, date(2026, 10, 5), 150)
    await invoicing.publish_approvals(worked)
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=1, what="accrued")
    await invoicing.wait_for_count("select count(*) from companies", expected=1, what="company")
    [october] = await _close(invoicing, "2026-10-31", date(2026, 11, 5))
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 6))
    r = await invoicing.client.post(f"/invoices/{october['invoice_id']}/issue", headers=FINANCE)
    assert r.status_code == 200, r.text
    issued: dict[str, Any] = r.json()
    assert (issued["net_ore"], issued["total_ore"]) == (50_000, 62_500)
    return placement, worked, issued


async def test_a_credit_note_beyond_what_is_left_to_credit_is_refused_and_not_drafted_again(
    invoicing: Any, build: Any
) -> None:
    anna, worked, october = await _issued_october(invoicing, build, "Anna Jensen")
    october_number = october["number"]
    company = october["company_id"]

    # 15 minutes taken away: the next close drafts a credit note of 5 000 øre net.
    await invoicing.publish_approvals(build.approval(anna, date(2026, 10, 5), -15, corrects=worked))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=2, what="correction accrued")
    [note] = await _close(invoicing, "2026-11-30", date(2026, 12, 1))
    assert (note["document_type"], note["net_ore"]) == ("credit_note", 5_000)

    # Meanwhile Stripe voids the invoice: the signed webhook books everything owed as a credit note. (The Stripe
    # sync's first attempt is awaited so the event names the Stripe invoice it stored, as Stripe's would.)
    async def sync_tried() -> bool:
        state = await invoicing.pool.fetchval(
            "select state from stripe_syncs where invoice_id = $1", uuid.UUID(october["invoice_id"])
        )
        return state in ("stripe_failed", "stripe_synced")

    await wait_until(sync_tried, what="the Stripe sync's first attempt", timeout=20)
    settings = InvoicingSettings(database_url=invoicing.app.state.settings.database_url)
    invoicing.app.state.clock = settings.clock()  # the webhook checks the signature's time by the service's clock
    answer = await post_stripe_event(
        settings, "invoice.voided", october_number, None, "/stripe/webhook", client=invoicing.client
    )
    assert answer.status_code == 200, answer.text

    async def voided() -> bool:
        return bool(
            await invoicing.count("select count(*) from stripe_voided_invoices where credit_note_id is not null")
        )

    await wait_until(voided, what="the void booked as a credit note", timeout=20)
    void_net = await invoicing.pool.fetchval(
        "select i.net_ore from invoices i join stripe_voided_invoices v on v.credit_note_id = i.invoice_id"
    )
    assert void_net == 50_000

    numbers_before = await invoicing.count("select count(*) from invoices where number is not null")
    r = await invoicing.client.post(f"/invoices/{note['invoice_id']}/issue", headers=FINANCE)
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "credit-exceeds-invoice"
    assert await invoicing.count("select count(*) from invoices where number is not null") == numbers_before

    # Deleted, its correction returns to the pool; a close drafts no credit note of a fully credited invoice.
    r = await invoicing.client.delete(f"/invoices/{note['invoice_id']}", headers=FINANCE)
    assert r.status_code == 204, r.text
    assert await _close(invoicing, "2026-11-30", date(2026, 12, 2)) == []

    # The reconciliation accounts for it: the entries stay invoiced (the void credits the amount, not them), the
    # correction waits in the pool, and the void is reported beside them; no document differs.
    r = await invoicing.client.get("/reconciliation", params={"through": "2026-11-30"}, headers=FINANCE)
    assert r.status_code == 200, r.text
    [mine] = [c for c in r.json()["companies"] if c["company_id"] == company]
    assert (
        mine["approved_ore"],
        mine["invoiced_ore"],
        mine["credited_ore"],
        mine["not_yet_invoiced_ore"],
        mine["difference_ore"],
        mine["voided_ore"],
    ) == (45_000, 50_000, 0, -5_000, 0, 50_000)
    assert mine["document_differences"] == [] and mine["differences"] == []


async def test_a_credit_note_lowering_what_is_owed_to_what_was_paid_makes_the_invoice_paid_once(
    invoicing: Any, build: Any
) -> None:
    bo, worked, october = await _issued_october(invoicing, build, "Bo Holm")

    # The company pays for the 2 hours it agrees to: 50 000 øre; the invoice is partially paid, no event.
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 20))
    paid = {"amount_ore": 50_000, "paid_on": "2026-11-20", "payer_reference": "FIK 71 Bo"}
    r = await invoicing.client.post(f"/invoices/{october['invoice_id']}/payments", json=paid, headers=FINANCE)
    assert r.status_code == 201, r.text
    assert r.json()["account"]["status"] == "partially_paid"
    paid_events = "select envelope->'data' as data from outbox where envelope->>'type' = 'invoicing.invoice_paid'"
    assert await invoicing.pool.fetch(paid_events) == []

    # 30 minutes are taken away: the credit note (10 000 + 2 500) lowers what is owed to what was paid.
    await invoicing.publish_approvals(build.approval(bo, date(2026, 10, 5), -30, corrects=worked))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=2, what="correction accrued")
    [note] = await _close(invoicing, "2026-11-30", date(2026, 12, 1))
    r = await invoicing.client.post(f"/invoices/{note['invoice_id']}/issue", headers=FINANCE)
    assert r.status_code == 200, r.text
    assert r.json()["total_ore"] == 12_500

    got = (await invoicing.client.get(f"/invoices/{october['invoice_id']}", headers=FINANCE)).json()
    assert (got["payment"]["owed_ore"], got["payment"]["paid_ore"], got["payment"]["status"]) == (
        50_000,
        50_000,
        "paid",
    )
    [event] = [row["data"] for row in await invoicing.pool.fetch(paid_events)]
    assert (event["invoice_id"], event["owed_ore"], event["paid_ore"], event["paid_on"], event["method"]) == (
        october["invoice_id"],
        50_000,
        50_000,
        "2026-12-01",
        "bank_transfer",
    )
