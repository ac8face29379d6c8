"""The recording proxy in front of the real stripe-mock (vikar_shared.testing.stripe_proxy): every call
forwarded and recorded, a repeated idempotency key answered from the first answer as Stripe does, objects
found again by id and metadata search, an invoice totalled from the lines added, and injected faults."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from vikar_shared.testing.plugin import StripeProxy

AUTH = {"Authorization": "Bearer sk_test_vikarmodel"}


async def _post(
    proxy: StripeProxy, path: str, data: dict[str, Any], key: str | None = None, **kw: Any
) -> httpx.Response:
    headers = {**AUTH, **({"Idempotency-Key": key} if key else {})}
    async with httpx.AsyncClient(base_url=proxy.url, **kw) as client:
        return await client.post(path, data=data, headers=headers)


async def test_a_repeated_idempotency_key_gets_the_first_answer_and_is_not_forwarded(stripe_proxy: StripeProxy) -> None:
    first = await _post(stripe_proxy, "/v1/customers", {"name": "Firma", "metadata[company_id]": "c-1"}, key="k-1")
    again = await _post(stripe_proxy, "/v1/customers", {"name": "Firma", "metadata[company_id]": "c-1"}, key="k-1")
    assert first.status_code == again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = await _post(stripe_proxy, "/v1/customers", {"name": "Andet firma"}, key="k-1")
    assert other.status_code == 400
    assert other.json()["error"]["type"] == "idempotency_error"
    calls = await stripe_proxy.calls("^/v1/customers$")
    assert [(c["forwarded"], c["replayed"]) for c in calls] == [(True, False), (False, True), (False, False)]


async def test_objects_are_kept_searched_by_metadata_and_totalled_from_their_lines(stripe_proxy: StripeProxy) -> None:
    created = await _post(
        stripe_proxy,
        "/v1/invoices",
        {"customer": "cus_1", "number": "2026-000007", "currency": "dkk", "metadata[invoice_id]": "i-7"},
    )
    invoice = created.json()
    assert (invoice["number"], invoice["metadata"], invoice["total"], invoice["status"]) == (
        "2026-000007",
        {"invoice_id": "i-7"},
        0,
        "draft",
    )
    lines = {
        "lines[0][amount]": "26999",
        "lines[0][tax_amounts][0][amount]": "6750",
        "lines[0][tax_amounts][0][taxable_amount]": "26999",
        "lines[0][tax_amounts][0][tax_rate_data][display_name]": "Moms",
        "lines[0][tax_amounts][0][tax_rate_data][inclusive]": "false",
        "lines[0][tax_amounts][0][tax_rate_data][percentage]": "25",
        "lines[1][amount]": "-1000",
        "lines[1][tax_amounts][0][amount]": "-250",
        "lines[1][tax_amounts][0][taxable_amount]": "-1000",
        "lines[1][tax_amounts][0][tax_rate_data][display_name]": "Moms",
        "lines[1][tax_amounts][0][tax_rate_data][inclusive]": "false",
        "lines[1][tax_amounts][0][tax_rate_data][percentage]": "25",
    }
    added = (await _post(stripe_proxy, f"/v1/invoices/{invoice['id']}/add_lines", lines)).json()
    assert (added["subtotal"], sum(t["amount"] for t in added["total_taxes"]), added["total"]) == (
        25_999,
        6_500,
        32_499,
    )
    async with httpx.AsyncClient(base_url=stripe_proxy.url, headers=AUTH) as client:
        found = (await client.get("/v1/invoices/search", params={"query": "metadata['invoice_id']:'i-7'"})).json()
        none = (await client.get("/v1/invoices/search", params={"query": "metadata['invoice_id']:'i-8'"})).json()
        again = (await client.get(f"/v1/invoices/{invoice['id']}")).json()
    assert [i["id"] for i in found["data"]] == [invoice["id"]]
    assert none["data"] == []
    assert again["total"] == 32_499
    final = (await _post(stripe_proxy, f"/v1/invoices/{invoice['id']}/finalize", {"auto_advance": "false"})).json()
    assert final["status"] == "open"


async def test_stripe_mock_still_validates_every_call(stripe_proxy: StripeProxy) -> None:
    refused = await _post(stripe_proxy, "/v1/invoices", {"customer": "cus_1", "no_such_parameter": "x"})
    assert refused.status_code == 400
    assert (await stripe_proxy.calls("^/v1/invoices$"))[0]["forwarded"] is True


async def test_faults_fail_without_forwarding_or_hang_after_the_effect(stripe_proxy: StripeProxy) -> None:
    await stripe_proxy.fault("^/v1/customers$", mode="fail", status=503)
    failed = await _post(stripe_proxy, "/v1/customers", {"name": "Firma"})
    assert failed.status_code == 503
    await stripe_proxy.fault("^/v1/customers$", mode="hang_after_forward", seconds=5)
    with pytest.raises(httpx.ReadTimeout):
        await _post(stripe_proxy, "/v1/customers", {"name": "Firma", "metadata[company_id]": "c-9"}, timeout=0.5)
    async with httpx.AsyncClient(base_url=stripe_proxy.url, headers=AUTH) as client:
        found = (await client.get("/v1/customers/search", params={"query": "metadata['company_id']:'c-9'"})).json()
    assert len(found["data"]) == 1
    assert [c["forwarded"] for c in await stripe_proxy.calls("^/v1/customers$")] == [False, True]
