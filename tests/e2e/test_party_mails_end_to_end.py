"""Issue 14, end to end: finance issues an invoice, and the company's billing contact gets the mail with invoicing's
own PDF attached (notifications fetched it from invoicing's API with a service token), and the finance system's
webhook endpoint gets ``invoicing.invoice_issued`` signed by the Standard Webhooks rules (four services as
processes, real Kafka, PostgreSQL and Mailpit; the receiver a local HTTP server)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from e2e.slice import CONSULTANT, FINANCE, ok, register_world, submit
from e2e.system import System
from e2e.test_slice_end_to_end import approve_all, mailpit_messages_to
from vikar_shared.testing.plugin import free_port, wait_until
from vikar_shared.testing.webhook_receiver import Receiver

pytestmark = pytest.mark.e2e


async def test_issuing_an_invoice_mails_the_billing_contact_invoicing_s_pdf(system: System) -> None:
    world = await register_world(system)
    billing = f"bogholderi-{uuid.uuid4().hex[:8]}@bager.example"
    async with httpx.AsyncClient(base_url=system.url("placement"), timeout=10) as placement:
        change = {
            "address": {"street": "Algade 1", "postcode": "9000", "city": "Aalborg"},
            "billing_contact": {"name": "Hanne Bogholder", "email": billing},
        }
        ok(await placement.patch(f"/companies/{world.company_id}", headers=CONSULTANT, json=change))
    submission = await submit(system, world.ineligible_placement, [("2026-10-07", 90)])
    entries = submission["entries"]
    assert isinstance(entries, list)
    await approve_all(system, world, [str(entries[0]["id"])])
    receiver = Receiver(free_port())
    await receiver.start()
    async with httpx.AsyncClient(base_url=system.url("notifications"), timeout=10) as notifications:
        endpoint = ok(
            await notifications.post(
                "/webhook-endpoints",
                headers=FINANCE,
                json={"url": receiver.url, "event_types": ["invoicing.invoice_issued"]},
            ),
            201,
        )
    secret = str(endpoint["secret"])
    issued: dict[str, object] = {}
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=10) as invoicing:
        drafts: list[dict[str, object]] = []

        async def drafted() -> bool:
            closed = ok(await invoicing.post("/closes", headers=FINANCE, json={"through": "2026-10-31"}), 201)
            made = closed["invoices"]
            assert isinstance(made, list)
            drafts.extend(i for i in made if i["company_id"] == world.company_id)
            return bool(drafts)

        await wait_until(drafted, what="invoicing to accrue the approved entry and draft its invoice")
        invoice_id = str(drafts[0]["invoice_id"])

        async def issue() -> bool:
            r = await invoicing.post(f"/invoices/{invoice_id}/issue", headers=FINANCE)
            if r.status_code == 409 and r.json()["code"] == "buyer-incomplete":
                return False  # the address travels placement → Kafka → invoicing
            issued.update(ok(r))
            return True

        await wait_until(issue, what="the invoice issued once invoicing knows the buyer's address")

        async def mailed() -> bool:
            return len(await mailpit_messages_to(system, billing)) == 1

        await wait_until(mailed, what="the billing contact's invoice mail with the PDF", timeout=60)
        [mail] = await mailpit_messages_to(system, billing)
        number = str(issued["number"])
        assert mail["Subject"] == f"Faktura {number} fra Vikarmodellen"
        async with httpx.AsyncClient(base_url=system.stack.mailpit_url, timeout=10) as mailpit:
            detail = ok(await mailpit.get(f"/api/v1/message/{mail['ID']}"))
            parts = detail["Attachments"]
            assert isinstance(parts, list)
            [part] = parts
            assert part["FileName"] == f"faktura-{number}.pdf" and part["ContentType"] == "application/pdf"
            content = (await mailpit.get(f"/api/v1/message/{mail['ID']}/part/{part['PartID']}")).content
        assert content.startswith(b"%PDF-")
        served = await invoicing.get(f"/invoices/{invoice_id}/pdf", headers=FINANCE)
        assert served.status_code == 200 and served.content == content

        # The finance system's endpoint got the event, signed: id.timestamp.body under the secret shown once.
        def deliveries() -> list[tuple[dict[str, str], bytes]]:
            return [
                (r.headers, r.body)
                for r in receiver.received
                if json.loads(r.body).get("data", {}).get("number") == number
            ]

        async def delivered() -> bool:
            return bool(deliveries())

        try:
            await wait_until(delivered, what="the signed invoice_issued webhook delivery", timeout=60)
        finally:
            await receiver.stop()
        for headers, body in deliveries():  # a redelivery is allowed, with the same webhook-id
            payload = Webhook(secret).verify(body, headers)
            assert payload["type"] == "invoicing.invoice_issued"
            assert payload["data"]["invoice_id"] == invoice_id and payload["data"]["total_ore"] == issued["total_ore"]
        assert len({h["webhook-id"] for h, _ in deliveries()}) == 1
