"""Stripe webhooks (issue 10): signed deliveries stored once in the inbox and answered at once; the worker's job
books their effects idempotently and in any order (payments, invoice_paid once, a credit note for a voided
invoice); bad, old or missing signatures answered 400 with nothing stored; unknown invoices flagged.

Payloads are signed with the test secret by stripe-python's own helper
(``stripe.WebhookSignature.generate_signature_header``): stripe-mock sends no webhooks."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest
import stripe

from invoicing.config import TEST_STRIPE_WEBHOOK_SECRET
from invoicing.payments import service as payments
from invoicing.payments.models import PaymentMethod
from invoicing.stripe_webhooks import service
from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.testing.plugin import bearer, wait_until

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
FINANCE = bearer(Role.FINANCE)
# 90 min at 17 999 øre/h: net 26 999, VAT 6 750 (6 749.75 half up), total 33 749.
TOTAL = 33_749


async def issued_invoice(invoicing: Any, build: Any) -> tuple[dict[str, Any], Any, Any]:
    """A company with one October entry (90 min at 17 999 øre/h), closed and issued on 2026-11-06 (as
    test_invoicing_ledger_issue does): the issued invoice, the placement and the approval."""
    company = uuid.uuid4()
    before = await invoicing.count("select count(*) from billable_lines")
    await invoicing.publish_company_events(build.company(company, name="Firma"))
    placement = build.placement(
        company_id=company, municipality_id=AALBORG, citizen_name="Borger", bill_rate=17_999, eligible=False
    )
    await invoicing.publish_placement_events(placement)
    approval = build.approval(placement, date(2026, 10, 5), 90)
    await invoicing.publish_approvals(approval)
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=before + 1, what="accrued")
    await invoicing.wait_for_count(
        "select count(*) from companies where company_id = $1", company, expected=1, what="company"
    )
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 5))
    r = await invoicing.client.post("/closes", json={"through": "2026-10-31"}, headers=FINANCE)
    assert r.status_code == 201, r.text
    [draft] = r.json()["invoices"]
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 6))
    i = await invoicing.client.post(f"/invoices/{draft['invoice_id']}/issue", headers=FINANCE)
    assert i.status_code == 200, i.text
    # Stripe's events come later: the service's clock (signatures' age, payment dates) is then 25 November.
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 25))
    return i.json(), placement, approval


async def issued_invoices(invoicing: Any, build: Any) -> list[dict[str, Any]]:
    invoice, _, _ = await issued_invoice(invoicing, build)
    return [invoice]


async def synced_id(invoicing: Any, invoice: dict[str, Any]) -> str:
    """The Stripe invoice id the Stripe sync stored for ``invoice`` (it runs in the service, against stripe-mock):
    the one Stripe invoice whose events are booked for it."""

    async def stored() -> bool:
        return bool(await _stored_id(invoicing, invoice))

    await wait_until(stored, what=f"the Stripe sync of {invoice['number']}", timeout=20)
    return await _stored_id(invoicing, invoice)


async def _stored_id(invoicing: Any, invoice: dict[str, Any]) -> str:
    found = await invoicing.pool.fetchval(
        "select stripe_invoice_id from stripe_syncs where invoice_id = $1", uuid.UUID(invoice["invoice_id"])
    )
    return str(found or "")


def stripe_invoice(
    invoice: dict[str, Any] | None, *, stripe_id: str | None = None, amount_paid: int = 0, paid_at: int | None = None
) -> dict[str, Any]:
    """A Stripe invoice object as Stripe sends it in an event: ours carries our id in its metadata."""
    return {
        "id": stripe_id or f"in_{uuid.uuid4().hex[:24]}",
        "object": "invoice",
        "currency": "dkk",
        "number": None if invoice is None else invoice["number"],
        "metadata": {} if invoice is None else {"invoice_id": invoice["invoice_id"]},
        "total": TOTAL,
        "amount_paid": amount_paid,
        "attempt_count": 1,
        "status_transitions": {"paid_at": paid_at},
        "hosted_invoice_url": "https://invoice.stripe.com/i/secret-link",
    }


def event(kind: str, data_object: dict[str, Any], *, created: int | None = None) -> dict[str, Any]:
    return {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": kind,
        "created": created or int(time.time()),
        "livemode": False,
        "data": {"object": data_object},
    }


async def deliver(
    invoicing: Any,
    body: dict[str, Any] | str,
    *,
    timestamp: int | None = None,
    secret: str = TEST_STRIPE_WEBHOOK_SECRET,
) -> httpx.Response:
    payload = body if isinstance(body, str) else json.dumps(body)
    # Signed now by the service's clock (which checks the signature's age), unless the test says when.
    at = int(invoicing.app.state.clock.now().timestamp()) if timestamp is None else timestamp
    signature = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=at)
    response: httpx.Response = await invoicing.client.post(
        "/stripe/webhook",
        content=payload.encode(),
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )
    return response


async def handled(invoicing: Any, event_id: str) -> dict[str, Any]:
    """The inbox row once the worker's job has processed it."""

    async def done() -> bool:
        state = await invoicing.pool.fetchval("select state from stripe_webhook_events where event_id = $1", event_id)
        return state not in (None, "received")

    await wait_until(done, what=f"the webhook job to process {event_id}", timeout=20)
    row = await invoicing.pool.fetchrow("select * from stripe_webhook_events where event_id = $1", event_id)
    return dict(row)


async def outbox(invoicing: Any, event_type: str) -> list[dict[str, Any]]:
    rows = await invoicing.pool.fetch(
        "select envelope->'data' as data from outbox where envelope->>'type' = $1 order by id", event_type
    )
    return [r["data"] for r in rows]


async def inbox_count(invoicing: Any) -> int:
    return int(await invoicing.count("select count(*) from stripe_webhook_events"))


async def test_a_signed_invoice_paid_is_stored_answered_and_books_the_payment(invoicing: Any, build: Any) -> None:
    [invoice] = await issued_invoices(invoicing, build)
    # Paid 2026-11-20 23:30 UTC: 21 November in Copenhagen.
    stripe_id = await synced_id(invoicing, invoice)
    paid = event("invoice.paid", stripe_invoice(invoice, stripe_id=stripe_id, amount_paid=TOTAL, paid_at=1_795_217_400))
    r = await deliver(invoicing, paid)
    assert r.status_code == 200, r.text
    assert r.json() == {"event_id": paid["id"], "stored": True}
    row = await handled(invoicing, paid["id"])
    assert (row["state"], row["outcome"], row["invoice_id"]) == (
        "processed",
        "payment-recorded",
        uuid.UUID(invoice["invoice_id"]),
    )
    # The bearer link is not kept.
    assert "hosted_invoice_url" not in json.dumps(row["payload"])
    [payment] = await invoicing.pool.fetch(
        "select * from payments where invoice_id = $1", uuid.UUID(invoice["invoice_id"])
    )
    assert (payment["method"], payment["amount_ore"], payment["paid_on"], payment["recorded_by"]) == (
        "stripe",
        TOTAL,
        date(2026, 11, 21),
        "stripe",
    )
    assert payment["stripe_event_id"] == paid["id"]
    [paid_event] = await outbox(invoicing, "invoicing.invoice_paid")
    assert (paid_event["invoice_id"], paid_event["paid_ore"], paid_event["method"]) == (
        invoice["invoice_id"],
        TOTAL,
        "stripe",
    )


@pytest.mark.parametrize(
    "case",
    ["wrong secret", "old timestamp", "missing header", "malformed header", "body changed"],
)
async def test_a_bad_signature_is_400_and_stores_nothing(invoicing: Any, case: str) -> None:
    body = json.dumps(event("invoice.paid", stripe_invoice(None, amount_paid=100)))
    signature = stripe.WebhookSignature.generate_signature_header(body, TEST_STRIPE_WEBHOOK_SECRET)
    headers = {"Stripe-Signature": signature}
    if case == "wrong secret":
        headers["Stripe-Signature"] = stripe.WebhookSignature.generate_signature_header(body, "whsec_someone_else")
    elif case == "old timestamp":
        old = int(time.time()) - 301
        headers["Stripe-Signature"] = stripe.WebhookSignature.generate_signature_header(
            body, TEST_STRIPE_WEBHOOK_SECRET, old
        )
    elif case == "missing header":
        headers = {}
    elif case == "malformed header":
        headers["Stripe-Signature"] = "t=yesterday,v1=zz"
    else:
        body = body.replace('"amount_paid": 100', '"amount_paid": 1000000')
    r = await invoicing.client.post("/stripe/webhook", content=body.encode(), headers=headers)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["code"] == "webhook-signature-invalid"
    assert problem["errors"][0]["field"] == "Stripe-Signature"
    assert TEST_STRIPE_WEBHOOK_SECRET not in r.text
    assert await inbox_count(invoicing) == 0


async def test_a_signature_just_inside_the_tolerance_is_accepted(invoicing: Any) -> None:
    r = await deliver(invoicing, event("customer.created", {"id": "cus_1"}), timestamp=int(time.time()) - 290)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ("not json", "json-invalid"),
        ("[1, 2]", "event-invalid"),
        ('{"id": "evt_1", "type": "invoice.paid"}', "event-invalid"),
    ],
)
async def test_a_signed_body_that_is_not_an_event_is_400_and_stores_nothing(
    invoicing: Any, body: str, rule: str
) -> None:
    r = await deliver(invoicing, body)
    assert r.status_code == 400, r.text
    assert (r.json()["code"], r.json()["errors"][0]["rule"]) == ("webhook-payload-invalid", rule)
    assert await inbox_count(invoicing) == 0


async def test_a_body_over_one_mebibyte_is_413(invoicing: Any) -> None:
    body = json.dumps(event("customer.created", {"id": "cus_1", "padding": "x" * (1024 * 1024)}))
    r = await deliver(invoicing, body)
    assert r.status_code == 413, r.text
    assert r.json()["code"] == "body-too-large"
    assert await inbox_count(invoicing) == 0


async def test_a_repeated_delivery_is_200_and_stored_once(invoicing: Any) -> None:
    same = event("customer.created", {"id": "cus_1"})
    first = await deliver(invoicing, same)
    second = await deliver(invoicing, same)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.json()["stored"], second.json()["stored"]) == (True, False)
    assert await inbox_count(invoicing) == 1
    row = await handled(invoicing, same["id"])
    assert (row["state"], row["outcome"]) == ("ignored", "ignored")


async def test_invoice_paid_twice_and_before_finalized_books_one_payment_and_one_invoice_paid(
    invoicing: Any, build: Any
) -> None:
    [invoice] = await issued_invoices(invoicing, build)
    stripe_id = await synced_id(invoicing, invoice)
    paid_object = stripe_invoice(invoice, stripe_id=stripe_id, amount_paid=TOTAL, paid_at=1_795_217_400)
    # Out of order: paid (twice, as two events: Stripe's retry of a lost answer is another delivery of one event,
    # a second report is another event), then finalized.
    first, second = event("invoice.paid", paid_object), event("invoice.paid", paid_object)
    finalized = event("invoice.finalized", stripe_invoice(invoice, stripe_id=stripe_id))
    for e in (first, first, second, finalized):
        assert (await deliver(invoicing, e)).status_code == 200
    rows = [await handled(invoicing, e["id"]) for e in (first, second, finalized)]
    assert sorted(r["outcome"] for r in rows) == ["history", "payment-already-recorded", "payment-recorded"]
    invoice_id = uuid.UUID(invoice["invoice_id"])
    assert await invoicing.count("select count(*) from payments where invoice_id = $1", invoice_id) == 1
    assert len(await outbox(invoicing, "invoicing.invoice_paid")) == 1
    kinds = [
        r["kind"]
        for r in await invoicing.pool.fetch("select kind from invoice_history where invoice_id = $1", invoice_id)
    ]
    assert kinds.count("payment") == 1 and "stripe_finalized" in kinds


async def test_paid_for_an_unknown_invoice_is_200_stored_and_flagged_for_finance(invoicing: Any) -> None:
    unknown = stripe_invoice(None, amount_paid=5_000)
    unknown["metadata"] = {"invoice_id": str(uuid.uuid4())}
    paid = event("invoice.paid", unknown)
    r = await deliver(invoicing, paid)
    assert r.status_code == 200
    row = await handled(invoicing, paid["id"])
    assert (row["state"], row["outcome"], row["invoice_id"]) == ("flagged", "unknown-invoice", None)
    assert await invoicing.count("select count(*) from payments") == 0
    listed = await invoicing.client.get("/stripe/webhook-events", params={"flagged": "true"}, headers=FINANCE)
    assert listed.status_code == 200, listed.text
    [item] = listed.json()["items"]
    assert (item["event_id"], item["event_type"], item["outcome"]) == (paid["id"], "invoice.paid", "unknown-invoice")
    assert "payload" not in item
    others = await invoicing.client.get("/stripe/webhook-events", params={"flagged": "false"}, headers=FINANCE)
    assert others.json()["items"] == []
    # Only finance and admin see them.
    for role in (Role.CONSULTANT, Role.COMPANY_APPROVER):
        denied = await invoicing.client.get("/stripe/webhook-events", headers=bearer(role, company_id=uuid.uuid4()))
        assert denied.status_code == 403, denied.text
    assert (await invoicing.client.get("/stripe/webhook-events")).status_code == 401


async def test_an_invoice_voided_in_stripe_becomes_an_issued_credit_note_of_what_is_owed(
    invoicing: Any, build: Any
) -> None:
    [invoice] = await issued_invoices(invoicing, build)
    stripe_id = await synced_id(invoicing, invoice)
    voided = event("invoice.voided", stripe_invoice(invoice, stripe_id=stripe_id))
    again = event("invoice.marked_uncollectible", stripe_invoice(invoice, stripe_id=stripe_id))
    assert (await deliver(invoicing, voided)).status_code == 200
    row = await handled(invoicing, voided["id"])
    assert (row["state"], row["outcome"]) == ("processed", "credit-note-issued")
    assert (await deliver(invoicing, again)).status_code == 200
    assert (await handled(invoicing, again["id"]))["outcome"] == "already-voided"

    invoice_id = uuid.UUID(invoice["invoice_id"])
    [note] = await invoicing.pool.fetch(
        "select * from invoices where credits_invoice_id = $1 and document_type = 'credit_note'", invoice_id
    )
    assert note["status"] == "issued" and note["number"] == "2026-000002"
    assert (note["net_ore"], note["vat_ore"], note["total_ore"]) == (26_999, 6_750, TOTAL)
    assert note["issued_by"] == "stripe"
    # The invoice itself is unchanged.
    got = (await invoicing.client.get(f"/invoices/{invoice_id}", headers=FINANCE)).json()
    facts = {"payment", "payments", "history", "stripe", "pdf_path", "payment_reminders", "reminder_fees_ore"}
    assert {k: v for k, v in got.items() if k not in facts} == {k: v for k, v in invoice.items() if k not in facts}
    # What changed is its account: the credit note took everything owed away.
    assert (got["payment"]["credited_ore"], got["payment"]["owed_ore"], got["payment"]["status"]) == (
        TOTAL,
        0,
        "credited",
    )
    assert [step["kind"] for step in got["history"]][:1] == ["issued"]

    # Stripe voided its invoice itself: the Stripe sync carries no credit note there (Stripe refuses one on a
    # void invoice), it records the credit note as settled without a call.
    async def settled_without_stripe() -> bool:
        row = await invoicing.pool.fetchrow(
            "select state, stripe_credit_note_id from stripe_syncs where invoice_id = $1", note["invoice_id"]
        )
        return row is not None and (row["state"], row["stripe_credit_note_id"]) == ("stripe_synced", None)

    await wait_until(settled_without_stripe, what="the void's credit note settled by the Stripe sync", timeout=20)
    [voided_event] = await outbox(invoicing, "invoicing.invoice_voided")
    assert voided_event == {
        "invoice_id": str(invoice_id),
        "company_id": invoice["company_id"],
        "number": invoice["number"],
        "reason": "voided",
        "credited_ore": TOTAL,
        "credit_note_id": str(note["invoice_id"]),
        "credit_note_number": "2026-000002",
    }
    [issued_note] = await outbox(invoicing, "invoicing.credit_note_issued")
    assert issued_note["credited_invoice_id"] == str(invoice_id) and issued_note["total_ore"] == TOTAL
    # The PDF and the Stripe sync follow by themselves.
    assert await invoicing.count("select count(*) from stripe_syncs where invoice_id = $1", note["invoice_id"]) == 1
    # The Stripe sync can tell it needs no Stripe credit note (the Stripe invoice is void there).
    async with invoicing.pool.acquire() as conn:
        assert await service.books_a_stripe_void(conn, note["invoice_id"])
        assert not await service.books_a_stripe_void(conn, invoice_id)


async def test_a_partial_bank_payment_then_stripe_paid_for_the_rest(invoicing: Any, build: Any) -> None:
    [invoice] = await issued_invoices(invoicing, build)
    invoice_id = uuid.UUID(invoice["invoice_id"])
    async with invoicing.pool.acquire() as conn, conn.transaction():
        _, account = await payments.record_payment(
            conn,
            invoice_id=invoice_id,
            amount_ore=10_000,
            paid_on=date(2026, 11, 10),
            method=PaymentMethod.BANK_TRANSFER,
            recorded_by="finance@agency",
            now=invoicing.app.state.clock.now(),
            payer_reference="FIK 71",
        )
    assert account.outstanding_ore == TOTAL - 10_000
    stripe_id = await synced_id(invoicing, invoice)
    paid = event(
        "invoice.paid", stripe_invoice(invoice, stripe_id=stripe_id, amount_paid=TOTAL - 10_000, paid_at=1_795_217_400)
    )
    assert (await deliver(invoicing, paid)).status_code == 200
    assert (await handled(invoicing, paid["id"]))["outcome"] == "payment-recorded"
    amounts = sorted(
        r["amount_ore"]
        for r in await invoicing.pool.fetch("select amount_ore from payments where invoice_id = $1", invoice_id)
    )
    assert amounts == [10_000, TOTAL - 10_000]
    [paid_event] = await outbox(invoicing, "invoicing.invoice_paid")
    assert (paid_event["owed_ore"], paid_event["paid_ore"]) == (TOTAL, TOTAL)


async def test_payment_failed_publishes_invoice_payment_failed(invoicing: Any, build: Any) -> None:
    [invoice] = await issued_invoices(invoicing, build)
    failing = stripe_invoice(invoice, stripe_id=await synced_id(invoicing, invoice))
    failing["last_payment_error"] = {
        "decline_code": "insufficient_funds",
        "payment_method": {"card": {"last4": "4242"}},
    }
    failed = event("invoice.payment_failed", failing)
    assert (await deliver(invoicing, failed)).status_code == 200
    assert (await handled(invoicing, failed["id"]))["outcome"] == "payment-failed"
    [published] = await outbox(invoicing, "invoicing.invoice_payment_failed")
    assert published == {
        "invoice_id": invoice["invoice_id"],
        "company_id": invoice["company_id"],
        "number": invoice["number"],
        "attempt_count": 1,
        "reason": "insufficient_funds",
    }


async def test_a_credit_note_made_in_stripe_not_by_us_is_flagged(invoicing: Any, build: Any) -> None:
    [invoice] = await issued_invoices(invoicing, build)
    foreign = event(
        "credit_note.created",
        {
            "id": "cn_1",
            "object": "credit_note",
            "currency": "dkk",
            "invoice": await synced_id(invoicing, invoice),
            "total": 500,
            "metadata": {"invoice_id": invoice["invoice_id"]},
        },
    )
    assert (await deliver(invoicing, foreign)).status_code == 200
    row = await handled(invoicing, foreign["id"])
    assert (row["state"], row["outcome"], row["invoice_id"]) == (
        "flagged",
        "foreign-credit-note",
        uuid.UUID(invoice["invoice_id"]),
    )


async def test_a_void_after_a_credit_note_credits_the_remainder_on_one_line(invoicing: Any, build: Any) -> None:
    invoice, placement, approval = await issued_invoice(invoicing, build)
    # 30 min taken away from the issued hours: a credit note of 9 000 + 2 250 VAT = 11 250, issued.
    await invoicing.publish_approvals(build.approval(placement, date(2026, 10, 5), -30, corrects=approval))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=2, what="correction accrued")
    invoicing.app.state.clock = FixedClock.on(date(2026, 12, 2))
    r = await invoicing.client.post("/closes", json={"through": "2026-11-30"}, headers=FINANCE)
    [correction] = r.json()["invoices"]
    issued = await invoicing.client.post(f"/invoices/{correction['invoice_id']}/issue", headers=FINANCE)
    assert issued.json()["total_ore"] == 11_250

    voided = event("invoice.voided", stripe_invoice(invoice, stripe_id=await synced_id(invoicing, invoice)))
    assert (await deliver(invoicing, voided)).status_code == 200
    assert (await handled(invoicing, voided["id"]))["outcome"] == "credit-note-issued"
    [note] = await invoicing.pool.fetch(
        "select * from invoices where credits_invoice_id = $1 and issued_by = 'stripe'",
        uuid.UUID(invoice["invoice_id"]),
    )
    # Owed 33 749 - 11 250 = 22 499: VAT not yet reversed 6 750 - 2 250 = 4 500, net 17 999.
    assert (note["net_ore"], note["vat_ore"], note["total_ore"], note["number"]) == (
        17_999,
        4_500,
        22_499,
        "2026-000003",
    )
    [line] = await invoicing.pool.fetch("select * from invoice_lines where invoice_id = $1", note["invoice_id"])
    assert (line["amount_ore"], line["minutes"], line["citizen_name"]) == (
        17_999,
        0,
        "Restbeløb af faktura 2026-000001",
    )
    account = await invoicing.pool.fetchval(
        "select sum(total_ore) from invoices where credits_invoice_id = $1", uuid.UUID(invoice["invoice_id"])
    )
    assert account == TOTAL


async def test_a_payload_the_job_cannot_book_is_flagged_with_the_error_class(invoicing: Any, build: Any) -> None:
    [invoice] = await issued_invoices(invoicing, build)
    broken = stripe_invoice(invoice, stripe_id=await synced_id(invoicing, invoice))
    broken["amount_paid"] = "a lot"
    paid = event("invoice.paid", broken)
    assert (await deliver(invoicing, paid)).status_code == 200
    row = await handled(invoicing, paid["id"])
    assert (row["state"], row["outcome"], row["last_error"], row["attempts"]) == ("flagged", "error", "ValueError", 1)
    assert await invoicing.count("select count(*) from payments") == 0


async def test_a_transient_failure_leaves_the_event_for_a_later_try(
    invoicing: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = service.process

    async def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionResetError("the database went away")

    monkeypatch.setattr(service, "process", down)
    later = event("customer.created", {"id": "cus_1"})
    assert (await deliver(invoicing, later)).status_code == 200

    async def tried() -> bool:
        return bool(
            await invoicing.count("select attempts from stripe_webhook_events where event_id = $1", later["id"])
        )

    await wait_until(tried, what="a first, failed try", timeout=20)
    row = await invoicing.pool.fetchrow(
        "select state, attempts, last_error, due_at > now() as later from stripe_webhook_events where event_id = $1",
        later["id"],
    )
    assert dict(row) == {"state": "received", "attempts": 1, "last_error": "ConnectionResetError", "later": True}
    monkeypatch.setattr(service, "process", real)
    assert (await handled(invoicing, later["id"]))["state"] == "ignored"


async def test_concurrent_deliveries_of_one_event_store_it_once(invoicing: Any) -> None:
    same = event("customer.created", {"id": "cus_2"})
    answers = await asyncio.gather(*(deliver(invoicing, same) for _ in range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    assert sorted(a.json()["stored"] for a in answers) == [False] * 5 + [True]
    assert await inbox_count(invoicing) == 1


# --- found by an independent tester (issue 10): each a 4xx or a flag, never a 5xx, a retry loop or a booking ---


@pytest.mark.parametrize(
    "header",
    [
        b"t=1,v1=\xc3\xa6",  # non-ASCII: stripe-python's compare raised TypeError (500)
        b"t=%d,v1=\xc3\xa6",
        ("t=%d," + ",".join(["v1=" + "0" * 64] * 100)).encode(),  # many v1 entries
        b"t=%d,v1=" + b"a" * 6000,  # huge
        b"t=" + b"9" * 3000 + b",v1=00",
    ],
)
async def test_any_signature_header_that_is_no_signature_is_400_without_a_traceback(
    invoicing: Any, header: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    if b"%d" in header:
        header = header.replace(b"%d", str(int(invoicing.app.state.clock.now().timestamp())).encode())
    r = await invoicing.client.post("/stripe/webhook", content=b"{}", headers={"Stripe-Signature": header})
    assert r.status_code == 400, r.text
    assert (r.json()["code"], r.json()["errors"][0]["field"]) == ("webhook-signature-invalid", "Stripe-Signature")
    assert await inbox_count(invoicing) == 0
    assert not [rec for rec in caplog.records if rec.levelname in ("ERROR", "CRITICAL")]


async def test_a_signature_timestamped_in_the_future_is_400(invoicing: Any) -> None:
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 25))
    now = int(invoicing.app.state.clock.now().timestamp())
    body = event("customer.created", {"id": "cus_1"})
    for ahead in (3600, 301):
        r = await deliver(invoicing, body, timestamp=now + ahead)
        assert r.status_code == 400, r.text
        assert r.json()["code"] == "webhook-signature-invalid"
    assert await inbox_count(invoicing) == 0
    # Within the tolerance either way (clocks differ a little): taken.
    assert (await deliver(invoicing, body, timestamp=now + 290)).status_code == 200


@pytest.mark.parametrize(
    "value",
    [
        '"in_\\ud800"',  # a lone surrogate: no character, not storable as jsonb
        '"in_\\u0000"',
        "NaN",
        "Infinity",
        "-Infinity",
        "1e400",
        "9" * 5000,  # beyond Python's 4 300-digit integers
    ],
)
async def test_a_signed_body_not_storable_or_not_sane_json_is_400_payload_invalid(
    invoicing: Any, value: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(event("invoice.paid", {"id": "in_1", "currency": "dkk"})).replace('"in_1"', value)
    r = await deliver(invoicing, body)
    assert r.status_code == 400, r.text
    assert (r.json()["code"], r.json()["errors"][0]["rule"]) == ("webhook-payload-invalid", "json-invalid")
    assert await inbox_count(invoicing) == 0
    assert not [rec for rec in caplog.records if rec.levelname in ("ERROR", "CRITICAL")]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"amount_paid": 10**30}, "StripeFactError:amount-out-of-range"),
        ({"amount_paid": -5}, "StripeFactError:amount-out-of-range"),
        ({"status_transitions": {"paid_at": 2**33}}, "StripeFactError:paid-date-out-of-range"),  # 2242-03-16
        # 28 November in Copenhagen, processed on the 25th: after tomorrow.
        ({"status_transitions": {"paid_at": 1_795_824_000}}, "StripeFactError:paid-date-out-of-range"),
    ],
)
async def test_an_amount_or_date_no_invoice_has_is_flagged_at_once_and_never_booked(
    invoicing: Any, build: Any, change: dict[str, Any], error: str
) -> None:
    [invoice] = await issued_invoices(invoicing, build)
    paid_object = stripe_invoice(invoice, stripe_id=await synced_id(invoicing, invoice), amount_paid=TOTAL)
    paid_object["status_transitions"] = {"paid_at": 1_795_217_400}
    paid_object.update(change)
    paid = event("invoice.paid", paid_object)
    assert (await deliver(invoicing, paid)).status_code == 200
    row = await handled(invoicing, paid["id"])
    assert (row["state"], row["outcome"], row["last_error"], row["attempts"]) == ("flagged", "error", error, 1)
    assert await invoicing.count("select count(*) from payments") == 0
    assert await outbox(invoicing, "invoicing.invoice_paid") == []


async def test_data_the_database_refuses_is_flagged_at_once_not_retried(
    invoicing: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refused(*args: Any, **kwargs: Any) -> Any:
        raise asyncpg.NumericValueOutOfRangeError("numeric field overflow")

    monkeypatch.setattr(service, "process", refused)
    later = event("customer.created", {"id": "cus_1"})
    assert (await deliver(invoicing, later)).status_code == 200
    row = await handled(invoicing, later["id"])
    assert (row["state"], row["outcome"], row["last_error"], row["attempts"]) == (
        "flagged",
        "error",
        "NumericValueOutOfRangeError",
        1,
    )


@pytest.mark.parametrize(
    ("kind", "outbox_type"),
    [
        ("invoice.paid", "invoicing.invoice_paid"),
        ("invoice.payment_failed", "invoicing.invoice_payment_failed"),
        ("invoice.voided", "invoicing.invoice_voided"),
        ("invoice.marked_uncollectible", "invoicing.invoice_voided"),
        ("invoice.finalized", None),
        ("credit_note.created", None),
    ],
)
async def test_an_event_about_another_stripe_invoice_naming_ours_is_flagged_and_books_nothing(
    invoicing: Any, build: Any, kind: str, outbox_type: str | None
) -> None:
    [invoice] = await issued_invoices(invoicing, build)
    ours = await synced_id(invoicing, invoice)
    other = stripe_invoice(invoice, stripe_id="in_someotherstripeinvoice", amount_paid=TOTAL, paid_at=1_795_217_400)
    if kind == "credit_note.created":
        other = {"id": "cn_1", "invoice": "in_someotherstripeinvoice", "currency": "dkk", "total": TOTAL,
                 "metadata": {"invoice_id": invoice["invoice_id"]}}  # fmt: skip
    foreign = event(kind, other)
    assert (await deliver(invoicing, foreign)).status_code == 200
    row = await handled(invoicing, foreign["id"])
    assert (row["state"], row["outcome"], row["invoice_id"]) == (
        "flagged",
        "foreign-stripe-invoice",
        uuid.UUID(invoice["invoice_id"]),
    )
    invoice_id = uuid.UUID(invoice["invoice_id"])
    assert await invoicing.count("select count(*) from payments where invoice_id = $1", invoice_id) == 0
    assert await invoicing.count("select count(*) from invoices where credits_invoice_id = $1", invoice_id) == 0
    if outbox_type is not None:
        assert await outbox(invoicing, outbox_type) == []
    kinds = [
        r["kind"]
        for r in await invoicing.pool.fetch("select kind from invoice_history where invoice_id = $1", invoice_id)
    ]
    assert kinds.count("stripe_foreign_invoice") == 1
    listed = await invoicing.client.get("/stripe/webhook-events", params={"flagged": "true"}, headers=FINANCE)
    assert [i["outcome"] for i in listed.json()["items"]] == ["foreign-stripe-invoice"]
    # The same event about the Stripe invoice the sync stored is ours.
    if kind == "invoice.paid":
        other["id"] = ours
        paid = event(kind, other)
        assert (await deliver(invoicing, paid)).status_code == 200
        assert (await handled(invoicing, paid["id"]))["outcome"] == "payment-recorded"
        assert await invoicing.count("select count(*) from payments where invoice_id = $1", invoice_id) == 1


async def test_two_stripe_invoices_paid_for_one_of_ours_book_one_payment(invoicing: Any, build: Any) -> None:
    [invoice] = await issued_invoices(invoicing, build)
    ours = await synced_id(invoicing, invoice)
    events = [
        event("invoice.paid", stripe_invoice(invoice, stripe_id=s, amount_paid=TOTAL, paid_at=1_795_217_400))
        for s in ("in_someotherstripeinvoice", ours)
    ]
    for e in events:
        assert (await deliver(invoicing, e)).status_code == 200
    assert [(await handled(invoicing, e["id"]))["outcome"] for e in events] == [
        "foreign-stripe-invoice",
        "payment-recorded",
    ]
    got = (await invoicing.client.get(f"/invoices/{invoice['invoice_id']}", headers=FINANCE)).json()
    assert (got["payment"]["paid_ore"], got["payment"]["status"]) == (TOTAL, "paid")
