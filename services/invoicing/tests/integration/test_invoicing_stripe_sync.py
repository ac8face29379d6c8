"""Carrying issued invoices and credit notes to Stripe (issue 10), through the recording proxy in front of
stripe-mock: our number, ids and øre on Stripe; one invoice created however often a call times out or the
worker dies mid-call (the proxy's record); a credit note after its invoice; totals that differ by 1 øre are
never finalized; the worker's job does it by itself."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from invoicing.stripe_sync import service
from invoicing.stripe_sync.client import StripeGateway
from invoicing.stripe_sync.models import SyncState
from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.testing.plugin import StripeProxy, bearer, wait_until

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
FINANCE = bearer(Role.FINANCE)
POLICY = service.SyncPolicy(retry_seconds=60, lease_seconds=60)


@pytest.fixture
def stripe_job() -> bool:
    """Whether the worker's sync job runs (a test parametrizes it ``True``); off, the tests drive the sync step
    by step."""
    return False


@pytest.fixture(autouse=True)
def _invoicing_talks_to_the_proxy(stripe_proxy: StripeProxy, stripe_job: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The service under test (the conftest's ``invoicing``) points at the proxy."""
    monkeypatch.setenv("INVOICING_STRIPE_API_BASE", stripe_proxy.url)
    monkeypatch.setenv("INVOICING_STRIPE_SYNC_ENABLED", "true" if stripe_job else "false")
    monkeypatch.setenv("INVOICING_STRIPE_SYNC_POLL_SECONDS", "0.1")


@contextlib.asynccontextmanager
async def _gateway(url: str, kind: type[StripeGateway] = StripeGateway, **more: Any) -> AsyncIterator[StripeGateway]:
    options: dict[str, Any] = {"timeout_seconds": 5.0, "tries": 3, "backoff_seconds": 0.05, "backoff_max_seconds": 0.2}
    gateway = kind(api_base=url, secret_key="sk_test_vikarmodel", **{**options, **more})
    try:
        yield gateway
    finally:
        await gateway.close()


async def _issued(invoicing: Any, build: Any, count: int = 1) -> list[dict[str, Any]]:
    """``count`` companies, each one October invoice of 90 min at 17 999 øre/h and 45 min at 12 345 øre/h
    (26 999 + 9 259 = 36 258 øre, VAT 9 064.5 -> 9 065), issued."""
    companies = [uuid.uuid4() for _ in range(count)]
    await invoicing.publish_company_events(
        *(build.company(c, name=f"Firma {i}", payment_terms_days=8) for i, c in enumerate(companies))
    )
    placements = [
        build.placement(company_id=c, municipality_id=AALBORG, citizen_name=name, bill_rate=rate, eligible=False)
        for c in companies
        for name, rate in (("Anna Jensen", 17_999), ("Bo Hansen", 12_345))
    ]
    await invoicing.publish_placement_events(*placements)
    await invoicing.publish_approvals(
        *(build.approval(p, date(2026, 10, 5), 90 if i % 2 == 0 else 45) for i, p in enumerate(placements))
    )
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=2 * count, what="accrued")
    await invoicing.wait_for_count("select count(*) from companies", expected=count, what="companies")
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 5))
    r = await invoicing.client.post("/closes", json={"through": "2026-10-31"}, headers=FINANCE)
    assert r.status_code == 201, r.text
    issued = []
    for draft in r.json()["invoices"]:
        r = await invoicing.client.post(f"/invoices/{draft['invoice_id']}/issue", headers=FINANCE)
        assert r.status_code == 200, r.text
        issued.append(r.json())
    return issued


async def _sync_row(invoicing: Any, invoice_id: str) -> dict[str, Any]:
    row = await invoicing.pool.fetchrow("select * from stripe_syncs where invoice_id = $1", uuid.UUID(invoice_id))
    return dict(row)


async def _history(invoicing: Any, invoice_id: str) -> list[tuple[str, str | None, dict[str, Any]]]:
    rows = await invoicing.pool.fetch(
        "select kind, actor, detail from invoice_history where invoice_id = $1 order by history_id",
        uuid.UUID(invoice_id),
    )
    return [(r["kind"], r["actor"], _json(r["detail"])) for r in rows]


def _json(value: Any) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(value) if isinstance(value, str) else value
    return found


async def test_an_issued_invoice_is_on_stripe_with_our_number_ids_and_ore_and_is_finalized(
    invoicing: Any, build: Any, stripe_proxy: StripeProxy
) -> None:
    [invoice] = await _issued(invoicing, build)
    assert (invoice["net_ore"], invoice["vat_ore"], invoice["total_ore"]) == (36_258, 9_065, 45_323)
    assert (await _sync_row(invoicing, invoice["invoice_id"]))["state"] == "issued"
    async with _gateway(stripe_proxy.url) as gateway:
        [outcome] = await service.sync_all(invoicing.pool, gateway, POLICY)
    assert (outcome.state, outcome.attempts, outcome.error) == (SyncState.SYNCED, 1, None)

    calls = await stripe_proxy.calls()
    assert [(c["method"], c["path"].replace(outcome.stripe_invoice_id or "?", "{id}")) for c in calls] == [
        ("POST", "/v1/customers"),
        ("POST", "/v1/invoices"),
        ("POST", "/v1/invoices/{id}/add_lines"),
        ("GET", "/v1/invoices/{id}"),
        ("POST", "/v1/invoices/{id}/finalize"),
    ]
    invoice_id, company_id = invoice["invoice_id"], invoice["company_id"]
    assert [c["idempotency_key"] for c in calls] == [
        f"vikar-customer-{company_id}",
        f"vikar-invoice-{invoice_id}-create",
        f"vikar-invoice-{invoice_id}-lines",
        None,
        f"vikar-invoice-{invoice_id}-finalize",
    ]
    customer, created, lines, _, finalize = (c["params"] for c in calls)
    assert customer["email"] == "bogholderi@bager.dk"
    assert customer["metadata"] == {"company_id": company_id, "cvr": "12345674"}
    assert created["number"] == invoice["number"] == "2026-000001"
    assert (created["currency"], created["collection_method"], created["days_until_due"]) == (
        "dkk",
        "send_invoice",
        "8",
    )
    assert created["auto_advance"] == "false"
    assert created["customer"] == calls[0]["object_id"]
    assert created["metadata"] == {"invoice_id": invoice_id, "company_id": company_id, "number": "2026-000001"}
    # One Stripe line per our line, in øre, our VAT split over them to the øre, no citizen's name anywhere.
    assert [int(li["amount"]) for li in lines["lines"]] == [li["amount_ore"] for li in invoice["lines"]]
    assert sum(int(li["tax_amounts"][0]["amount"]) for li in lines["lines"]) == 9_065
    assert "Jensen" not in json.dumps([c["params"] for c in calls]) and "Hansen" not in json.dumps(
        [c["params"] for c in calls]
    )
    assert finalize == {"auto_advance": "false"}
    assert not await stripe_proxy.calls(path="/send")

    row = await _sync_row(invoicing, invoice_id)
    assert (row["state"], row["stripe_invoice_id"], row["attempts"], row["last_error"]) == (
        "stripe_synced",
        calls[1]["object_id"],
        1,
        None,
    )
    assert row["synced_at"] is not None
    stored = await invoicing.pool.fetchval(
        "select stripe_customer_id from stripe_customers where company_id = $1", uuid.UUID(company_id)
    )
    assert stored == calls[0]["object_id"]
    assert (await _history(invoicing, invoice_id))[-1] == (
        "stripe_synced",
        "stripe-sync",
        {"stripe_invoice_id": row["stripe_invoice_id"], "stripe_customer_id": stored, "attempts": 1},
    )


async def test_a_second_invoice_of_the_company_reuses_its_customer(
    invoicing: Any, build: Any, stripe_proxy: StripeProxy
) -> None:
    invoices = await _issued(invoicing, build, 2)
    async with _gateway(stripe_proxy.url) as gateway:
        outcomes = await service.sync_all(invoicing.pool, gateway, POLICY)
    assert [o.state for o in outcomes] == [SyncState.SYNCED, SyncState.SYNCED]
    assert len(await stripe_proxy.calls(path="^/v1/customers$", method="POST")) == 2  # two companies
    assert len(await stripe_proxy.calls(path="^/v1/invoices$", method="POST")) == len(invoices)
    # Nothing is due any more: a second run calls Stripe not at all.
    before = len(await stripe_proxy.calls())
    async with _gateway(stripe_proxy.url) as gateway:
        assert await service.sync_all(invoicing.pool, gateway, POLICY) == []
    assert len(await stripe_proxy.calls()) == before


async def test_a_timed_out_create_is_sent_again_under_the_same_key_and_creates_one_invoice(
    invoicing: Any, build: Any, stripe_proxy: StripeProxy
) -> None:
    [invoice] = await _issued(invoicing, build)
    # Stripe creates the invoice, but the answer never arrives in time: the client times out and retries.
    await stripe_proxy.fault("^/v1/invoices$", mode="hang_after_forward", seconds=3)
    async with _gateway(stripe_proxy.url, timeout_seconds=0.5) as gateway:
        [outcome] = await service.sync_all(invoicing.pool, gateway, POLICY)
    assert outcome.state is SyncState.SYNCED
    creates = await stripe_proxy.calls(path="^/v1/invoices$", method="POST")
    assert len(creates) == 2
    assert {c["idempotency_key"] for c in creates} == {f"vikar-invoice-{invoice['invoice_id']}-create"}
    assert [(c["forwarded"], c["replayed"]) for c in creates] == [(True, False), (False, True)]
    assert outcome.stripe_invoice_id == creates[0]["object_id"]


async def test_a_worker_that_died_while_pending_is_reconciled_by_search_and_never_creates_twice(
    invoicing: Any, build: Any, stripe_proxy: StripeProxy
) -> None:
    [invoice] = await _issued(invoicing, build)
    await stripe_proxy.fault("^/v1/invoices$", mode="hang_after_forward", seconds=3)
    short_lease = service.SyncPolicy(retry_seconds=60, lease_seconds=0.5)

    async def created_on_stripe() -> bool:
        return any(c["forwarded"] for c in await stripe_proxy.calls(path="^/v1/invoices$", method="POST"))

    async with _gateway(stripe_proxy.url, timeout_seconds=20) as gateway:
        attempt = asyncio.create_task(service.sync_next(invoicing.pool, gateway, short_lease))
        await wait_until(created_on_stripe, what="the create call reached Stripe", timeout=10)
        attempt.cancel()  # the worker dies mid-call: the outcome is unknown to us
        with pytest.raises(asyncio.CancelledError):
            await attempt
    row = await _sync_row(invoicing, invoice["invoice_id"])
    assert (row["state"], row["stripe_invoice_id"], row["attempts"]) == ("stripe_pending", None, 1)

    async with _gateway(stripe_proxy.url) as gateway:
        assert await service.sync_next(invoicing.pool, gateway, short_lease) is None  # its lease holds it
        await asyncio.sleep(0.6)
        outcome = await service.sync_next(invoicing.pool, gateway, short_lease)
    assert outcome is not None
    assert (outcome.state, outcome.attempts) == (SyncState.SYNCED, 2)
    [create] = await stripe_proxy.calls(path="^/v1/invoices$", method="POST")
    assert outcome.stripe_invoice_id == create["object_id"]
    [search] = await stripe_proxy.calls(path="^/v1/invoices/search$")
    assert search["query"]["query"] == f"metadata['invoice_id']:'{invoice['invoice_id']}'"
    # The lines were added once, to the one invoice, and it was finalized.
    assert len(await stripe_proxy.calls(path="/add_lines$")) == 1
    assert len(await stripe_proxy.calls(path=f"^/v1/invoices/{create['object_id']}/finalize$")) == 1


async def test_a_slow_worker_whose_lease_ran_out_records_nothing_over_the_one_that_took_over(
    invoicing: Any, build: Any, stripe_proxy: StripeProxy
) -> None:
    [invoice] = await _issued(invoicing, build)
    await stripe_proxy.fault("^/v1/invoices$", mode="hang_after_forward", seconds=2)
    short_lease = service.SyncPolicy(retry_seconds=60, lease_seconds=0.3)
    async with _gateway(stripe_proxy.url) as slow, _gateway(stripe_proxy.url) as other:
        first = asyncio.create_task(service.sync_next(invoicing.pool, slow, short_lease))
        await asyncio.sleep(0.8)  # the first is still waiting for Stripe's answer; its lease has run out
        taken_over = await service.sync_next(invoicing.pool, other, short_lease)
        late = await first
    assert taken_over is not None and (taken_over.state, taken_over.attempts) == (SyncState.SYNCED, 2)
    assert (late is not None) and late.stripe_invoice_id == taken_over.stripe_invoice_id
    [create] = await stripe_proxy.calls(path="^/v1/invoices$", method="POST")
    assert create["object_id"] == taken_over.stripe_invoice_id
    row = await _sync_row(invoicing, invoice["invoice_id"])
    assert (row["state"], row["attempts"], row["stripe_invoice_id"]) == ("stripe_synced", 2, create["object_id"])
    assert [k for k, _, _ in await _history(invoicing, invoice["invoice_id"])] == ["issued", "stripe_synced"]


class _OneOreLess(StripeGateway):
    """Stripe recomputing VAT its own way: the first line's tax arrives one øre short."""

    async def add_lines(
        self, stripe_invoice_id: str, params: dict[str, Any], *, idempotency_key: str
    ) -> dict[str, Any]:
        params["lines"][0]["tax_amounts"][0]["amount"] -= 1
        return await super().add_lines(stripe_invoice_id, params, idempotency_key=idempotency_key)


async def test_totals_differing_by_one_ore_are_never_finalized_and_not_retried_at_once(
    invoicing: Any, build: Any, stripe_proxy: StripeProxy
) -> None:
    [invoice] = await _issued(invoicing, build)
    async with _gateway(stripe_proxy.url, _OneOreLess, tries=1) as gateway:
        [outcome] = await service.sync_all(invoicing.pool, gateway, POLICY)
        assert await service.sync_all(invoicing.pool, gateway, POLICY) == []  # no retry storm
    message = "totals-differ: Stripe total 45322 øre, tax 9064 øre; ours total 45323 øre, VAT 9065 øre"
    assert (outcome.state, outcome.error) == (SyncState.FAILED, message)
    assert not await stripe_proxy.calls(path="/finalize$")
    row = await _sync_row(invoicing, invoice["invoice_id"])
    assert (row["state"], row["last_error"], row["stripe_invoice_id"]) == (
        "stripe_failed",
        message,
        outcome.stripe_invoice_id,
    )
    waits = await invoicing.pool.fetchval(
        "select due_at - now() from stripe_syncs where invoice_id = $1", uuid.UUID(invoice["invoice_id"])
    )
    assert waits.total_seconds() > 86_000  # a day: finance looks first
    kind, actor, detail = (await _history(invoicing, invoice["invoice_id"]))[-1]
    assert (kind, actor, detail["error"], detail["stripe_total_ore"], detail["stripe_tax_ore"]) == (
        "stripe_failed",
        "stripe-sync",
        message,
        45_322,
        9_064,
    )


async def test_raw_stripe_mock_totals_are_refused_too(invoicing: Any, build: Any, stripe_mock: str) -> None:
    """stripe-mock alone answers a fixture total (1000 øre): the check refuses it, nothing is finalized."""
    [invoice] = await _issued(invoicing, build)
    async with _gateway(stripe_mock) as gateway:
        [outcome] = await service.sync_all(invoicing.pool, gateway, POLICY)
    assert outcome.state is SyncState.FAILED
    assert outcome.error is not None and outcome.error.startswith("totals-differ: Stripe total 1000 øre")
    assert (await _sync_row(invoicing, invoice["invoice_id"]))["last_error"] == outcome.error


async def test_a_stripe_outage_is_recorded_and_tried_again_later_with_the_same_keys(
    invoicing: Any, build: Any, stripe_proxy: StripeProxy
) -> None:
    [invoice] = await _issued(invoicing, build)
    await stripe_proxy.fault("^/v1/invoices$", mode="fail", status=503, times=3)
    async with _gateway(stripe_proxy.url) as gateway:
        [failed] = await service.sync_all(invoicing.pool, gateway, POLICY)
        assert failed.state is SyncState.FAILED and failed.error is not None
        assert failed.error.startswith("APIError: ")
        assert "sk_test" not in failed.error
        row = await _sync_row(invoicing, invoice["invoice_id"])
        assert (row["state"], row["attempts"]) == ("stripe_failed", 1)
        await invoicing.pool.execute("update stripe_syncs set due_at = now() where invoice_id = $1", row["invoice_id"])
        [synced] = await service.sync_all(invoicing.pool, gateway, POLICY)
    assert (synced.state, synced.attempts) == (SyncState.SYNCED, 2)
    creates = await stripe_proxy.calls(path="^/v1/invoices$", method="POST")
    assert {c["idempotency_key"] for c in creates} == {f"vikar-invoice-{invoice['invoice_id']}-create"}
    assert [c["forwarded"] for c in creates] == [False, False, False, True]
    # The customer created in the first attempt was kept: not created again.
    assert len(await stripe_proxy.calls(path="^/v1/customers$", method="POST")) == 1
    assert [k for k, _, _ in await _history(invoicing, invoice["invoice_id"])] == [
        "issued",
        "stripe_failed",
        "stripe_synced",
    ]


async def _credit_note(invoicing: Any, build: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """An issued October invoice (90 min at 17 999) and the issued credit note of 30 min taken off it."""
    company = uuid.uuid4()
    await invoicing.publish_company_events(build.company(company))
    anna = build.placement(
        company_id=company, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999, eligible=False
    )
    await invoicing.publish_placement_events(anna)
    first = build.approval(anna, date(2026, 10, 5), 90)
    await invoicing.publish_approvals(first)
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=1, what="accrued")
    await invoicing.wait_for_count("select count(*) from companies", expected=1, what="company")

    async def close_and_issue(through: str, today: date) -> dict[str, Any]:
        invoicing.app.state.clock = FixedClock.on(today)
        r = await invoicing.client.post("/closes", json={"through": through}, headers=FINANCE)
        [draft] = r.json()["invoices"]
        r = await invoicing.client.post(f"/invoices/{draft['invoice_id']}/issue", headers=FINANCE)
        assert r.status_code == 200, r.text
        issued: dict[str, Any] = r.json()
        return issued

    october = await close_and_issue("2026-10-31", date(2026, 11, 5))
    await invoicing.publish_approvals(build.approval(anna, date(2026, 10, 5), -30, corrects=first))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=2, what="correction")
    credit = await close_and_issue("2026-11-30", date(2026, 12, 2))
    assert credit["document_type"] == "credit_note"
    return october, credit


async def test_a_credit_note_waits_for_its_invoice_then_goes_to_stripe_against_it(
    invoicing: Any, build: Any, stripe_proxy: StripeProxy
) -> None:
    invoice, credit = await _credit_note(invoicing, build)
    # 30 min at 17 999 = 8 999.5 -> 9 000 øre, VAT 2 250.
    assert (credit["net_ore"], credit["vat_ore"], credit["total_ore"]) == (9_000, 2_250, 11_250)
    # The invoice is not due yet (say its first attempt failed): the credit note waits, no call is made.
    await invoicing.pool.execute(
        "update stripe_syncs set due_at = now() + interval '1 hour' where invoice_id = $1",
        uuid.UUID(invoice["invoice_id"]),
    )
    async with _gateway(stripe_proxy.url) as gateway:
        [waiting] = await service.sync_all(invoicing.pool, gateway, POLICY)
        assert waiting.state is SyncState.ISSUED
        assert waiting.error == f"waiting-for-invoice: invoice {invoice['invoice_id']} is not on Stripe yet"
        assert await stripe_proxy.calls() == []
        row = await _sync_row(invoicing, credit["invoice_id"])
        assert (row["state"], row["attempts"]) == ("issued", 0)

        # Both due now, the invoice first (as when its retry comes before the credit note's).
        await invoicing.pool.execute(
            """update stripe_syncs set due_at = now() - case when invoice_id = $1 then interval '2 s' else interval '1 s' end""",
            uuid.UUID(invoice["invoice_id"]),
        )
        outcomes = await service.sync_all(invoicing.pool, gateway, POLICY)
    assert [(o.invoice_id, o.state) for o in outcomes] == [
        (uuid.UUID(invoice["invoice_id"]), SyncState.SYNCED),
        (uuid.UUID(credit["invoice_id"]), SyncState.SYNCED),
    ]
    stripe_invoice_id = outcomes[0].stripe_invoice_id
    [tax_rate] = await stripe_proxy.calls(path="^/v1/tax_rates$", method="POST")
    assert tax_rate["idempotency_key"] == "vikar-tax-rate-dk-vat-25"
    assert (tax_rate["params"]["percentage"], tax_rate["params"]["country"]) == ("25", "DK")
    [note] = await stripe_proxy.calls(path="^/v1/credit_notes$", method="POST")
    assert note["idempotency_key"] == f"vikar-credit-note-{credit['invoice_id']}"
    params = note["params"]
    assert params["invoice"] == stripe_invoice_id
    assert params["memo"] == "Kreditnota 2026-000002 til faktura 2026-000001"
    assert params["metadata"] == {
        "credit_note_id": credit["invoice_id"],
        "number": "2026-000002",
        "credited_invoice_id": invoice["invoice_id"],
    }
    assert params["lines"] == [
        {
            "type": "custom_line_item",
            "unit_amount": "9000",
            "quantity": "1",
            "description": "Linje 1: 0 t 30 min à 179,99 kr/t, 2026-10-05–2026-10-05",
            "tax_amounts": [{"amount": "2250", "taxable_amount": "9000", "tax_rate": tax_rate["object_id"]}],
        }
    ]
    row = await _sync_row(invoicing, credit["invoice_id"])
    assert (row["state"], row["stripe_credit_note_id"], row["stripe_invoice_id"]) == (
        "stripe_synced",
        note["object_id"],
        None,  # the credited invoice's Stripe id stays on the invoice's row only
    )
    kind, _, detail = (await _history(invoicing, credit["invoice_id"]))[-1]
    assert (kind, detail["stripe_credit_note_id"], detail["stripe_invoice_id"]) == (
        "stripe_synced",
        note["object_id"],
        stripe_invoice_id,
    )
    stored = await invoicing.pool.fetchval("select stripe_tax_rate_id from stripe_tax_rates")
    assert stored == tax_rate["object_id"]


@pytest.mark.parametrize("stripe_job", [True])
async def test_the_worker_carries_an_issued_invoice_to_stripe_by_itself(
    invoicing: Any, build: Any, stripe_proxy: StripeProxy, stripe_job: bool
) -> None:
    [invoice] = await _issued(invoicing, build)

    async def synced() -> bool:
        return bool((await _sync_row(invoicing, invoice["invoice_id"]))["state"] == "stripe_synced")

    await wait_until(synced, what="the invoice synced by the worker", timeout=20)
    [create] = await stripe_proxy.calls(path="^/v1/invoices$", method="POST")
    assert create["params"]["number"] == invoice["number"] == "2026-000001"
    assert len(await stripe_proxy.calls(path="/finalize$")) == 1
