"""``vikar-invoicing stripe-event`` plays Stripe's part in the demo: the event it signs is accepted by the
webhook and books the payment; an unknown number is refused before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest

from invoicing.cli import post_stripe_event
from invoicing.config import InvoicingSettings
from vikar_shared.auth import Role
from vikar_shared.errors import DomainError
from vikar_shared.testing.plugin import bearer, wait_until

FINANCE = bearer(Role.FINANCE)


async def test_a_simulated_paid_event_is_signed_accepted_and_books_the_payment(
    invoicing: Any, issue_invoices: Any
) -> None:
    [invoice] = await issue_invoices(1)
    settings = InvoicingSettings(database_url=invoicing.app.state.settings.database_url)
    # The tool and the service read one clock (VIKAR_CLOCK_*): the webhook checks the signature's time by it.
    invoicing.app.state.clock = settings.clock()

    # Carried to Stripe first: the tool then names the Stripe invoice the sync stored, the one booked for ours.
    async def synced() -> bool:
        return bool(
            await invoicing.pool.fetchval(
                "select stripe_invoice_id from stripe_syncs where invoice_id = $1::uuid", invoice["invoice_id"]
            )
        )

    await wait_until(synced, what="the Stripe sync", timeout=20)
    # 10 000 øre came by bank transfer first: Stripe collects the rest (what its amount_remaining would say).
    today = settings.clock().today().isoformat()
    part = {"amount_ore": 10_000, "paid_on": today, "payer_reference": "FIK 71 del"}
    r = await invoicing.client.post(f"/invoices/{invoice['invoice_id']}/payments", json=part, headers=FINANCE)
    assert r.status_code == 201, r.text
    answer = await post_stripe_event(
        settings, "invoice.paid", invoice["number"], None, "/stripe/webhook", client=invoicing.client
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] is True

    async def paid() -> bool:
        got = (await invoicing.client.get(f"/invoices/{invoice['invoice_id']}", headers=FINANCE)).json()
        return bool(got["payment"]["status"] == "paid")

    await wait_until(paid, what="the simulated payment booked", timeout=20)
    got = (await invoicing.client.get(f"/invoices/{invoice['invoice_id']}", headers=FINANCE)).json()
    assert [(p["method"], p["amount_ore"]) for p in got["payments"]] == [("bank_transfer", 10_000), ("stripe", 23_749)]
    assert (got["payment"]["paid_ore"], got["payment"]["outstanding_ore"]) == (33_749, 0)


async def test_an_unknown_number_is_refused_before_anything_is_sent(invoicing: Any) -> None:
    settings = InvoicingSettings(database_url=invoicing.app.state.settings.database_url)
    with pytest.raises(DomainError) as refused:
        await post_stripe_event(
            settings, "invoice.paid", "2026-999999", None, "/stripe/webhook", client=invoicing.client
        )
    assert refused.value.code == "invoice-not-found"
    assert await invoicing.count("select count(*) from stripe_webhook_events") == 0
