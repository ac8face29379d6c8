"""The worker's Stripe sync job (issue 10): an invoice issued over the API reaches Stripe (the recording proxy in
front of stripe-mock) by itself, with our number, once."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.testing.plugin import StripeProxy, bearer, wait_until

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
FINANCE = bearer(Role.FINANCE)


@pytest.fixture(autouse=True)
def _invoicing_talks_to_the_proxy(stripe_proxy: StripeProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVOICING_STRIPE_API_BASE", stripe_proxy.url)
    monkeypatch.setenv("INVOICING_STRIPE_SYNC_POLL_SECONDS", "0.1")


async def test_the_worker_carries_an_issued_invoice_to_stripe_by_itself(
    invoicing: Any, build: Any, stripe_proxy: StripeProxy
) -> None:
    company = uuid.uuid4()
    await invoicing.publish_company_events(build.company(company))
    anna = build.placement(
        company_id=company, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999, eligible=False
    )
    await invoicing.publish_placement_events(anna)
    await invoicing.publish_approvals(build.approval(anna, date(2026, 10, 5), 90))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=1, what="accrued")
    await invoicing.wait_for_count("select count(*) from companies", expected=1, what="company")
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 5))
    [draft] = (await invoicing.client.post("/closes", json={"through": "2026-10-31"}, headers=FINANCE)).json()[
        "invoices"
    ]
    r = await invoicing.client.post(f"/invoices/{draft['invoice_id']}/issue", headers=FINANCE)
    assert r.status_code == 200, r.text

    async def synced() -> bool:
        state = await invoicing.pool.fetchval(
            "select state from stripe_syncs where invoice_id = $1", uuid.UUID(draft["invoice_id"])
        )
        return bool(state == "stripe_synced")

    await wait_until(synced, what="the invoice synced by the worker", timeout=20)
    [create] = await stripe_proxy.calls(path="^/v1/invoices$", method="POST")
    assert create["params"]["number"] == r.json()["number"] == "2026-000001"
    assert len(await stripe_proxy.calls(path="/finalize$")) == 1
