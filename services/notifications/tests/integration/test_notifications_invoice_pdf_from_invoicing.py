"""Issue 14 (part B), across two real services: invoicing (in process, over HTTP on a loopback port) issues an invoice;
its ``InvoiceIssued`` reaches notifications over Kafka, which mails the company's billing contact with invoicing's own
PDF attached, fetched with a service token (while the worker is still rendering it, the fetch is retried)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from invoicing.app import MIGRATIONS as INVOICING_MIGRATIONS
from invoicing.app import create_app as create_invoicing
from invoicing.config import InvoicingSettings
from notifications.app import create_app
from vikar_shared.auth.principal import Role
from vikar_shared.clock import FixedClock
from vikar_shared.events.placement import Address, BillingContact, CompanyRegistered, PlacementCreated
from vikar_shared.events.timesheet import EntryApproved
from vikar_shared.testing.plugin import bearer, publish_events, serve_in_process, serve_over_http, wait_until

FINANCE = bearer(Role.FINANCE)


async def test_the_billing_contact_gets_invoicing_s_own_pdf_fetched_with_a_service_token(
    make_settings: Any,
    make_database: Callable[[str, Path], Awaitable[str]],
    mailbox: Any,
    read_attachments: Any,
    unique_address: Callable[[str], str],
    kafka: str,
    kafka_namespace: str,
) -> None:
    billing = unique_address("billing")
    company_id = uuid.uuid4()
    invoicing_app = create_invoicing(
        InvoicingSettings(
            database_url=await make_database("invoicing", INVOICING_MIGRATIONS),
            kafka_bootstrap=kafka,
            kafka_namespace=kafka_namespace,
            consumer_retry_backoff_seconds=0.01,
        )
    )
    async with serve_over_http(invoicing_app) as invoicing_url:
        notifications = create_app(
            await make_settings(
                service_base_urls={"invoicing": invoicing_url},
                sender_retry_base_seconds=0.2,
                sender_retry_max_seconds=1.0,
                sender_max_attempts=40,
            )
        )
        async with serve_in_process(notifications), httpx.AsyncClient(base_url=invoicing_url, timeout=10) as invoicing:
            placement = PlacementCreated(
                placement_id=uuid.uuid4(),
                citizen_id=uuid.uuid4(),
                citizen_name="Anna Jensen",
                referral_id=uuid.uuid4(),
                municipality_id=uuid.uuid4(),
                co_financing_eligible=False,
                company_id=company_id,
                start_date=date(2026, 1, 1),
                end_date=None,
                bill_rate_ore_per_hour=17_999,
            )
            company = CompanyRegistered(
                company_id=company_id,
                name="Bager Hansen ApS",
                cvr="12345674",
                approvers=[],
                billing_period="monthly",
                payment_terms_days=14,
                address=Address(street="Algade 1", postcode="9000", city="Aalborg"),
                billing_contact=BillingContact(name="Hanne Bogholder", email=billing),
            )
            await publish_events(kafka, kafka_namespace, [(company, company_id), (placement, placement.placement_id)])
            approval = EntryApproved(
                entry_id=uuid.uuid4(),
                placement_id=placement.placement_id,
                company_id=company_id,
                work_date=date(2026, 10, 5),
                minutes=90,
                approved_by="approver@bager.dk",
                approved_at=datetime(2026, 11, 3, 9, tzinfo=UTC),
            )
            await publish_events(kafka, kafka_namespace, [(approval, placement.placement_id)])
            pool = invoicing_app.state.pool

            async def accrued() -> bool:
                return bool(
                    await pool.fetchval(
                        "select exists (select 1 from billable_lines where entry_id = $1)"
                        " and exists (select 1 from companies where company_id = $2)",
                        approval.entry_id,
                        company_id,
                    )
                )

            await wait_until(accrued, what="invoicing accruing the approved entry")
            invoicing_app.state.clock = FixedClock.on(date(2026, 11, 5))
            closed = await invoicing.post("/closes", json={"through": "2026-10-31"}, headers=FINANCE)
            assert closed.status_code == 201, closed.text
            [draft] = [i for i in closed.json()["invoices"] if i["company_id"] == str(company_id)]
            invoicing_app.state.clock = FixedClock.on(date(2026, 11, 6))
            issued = await invoicing.post(f"/invoices/{draft['invoice_id']}/issue", headers=FINANCE)
            assert issued.status_code == 200, issued.text
            number = issued.json()["number"]

            async def mailed() -> bool:
                return await mailbox.count_to(billing) == 1

            await wait_until(mailed, what="the invoice mail with invoicing's PDF", timeout=60)
            [mail] = await mailbox.messages_to(billing)
            assert mail["Subject"] == f"Faktura {number} fra Vikarmodellen"
            attached = await read_attachments(mailbox, mail["ID"])
            assert list(attached) == [f"faktura-{number}.pdf"]
            media_type, content = attached[f"faktura-{number}.pdf"]
            assert media_type == "application/pdf" and content.startswith(b"%PDF-")
            # The very document invoicing serves its staff.
            served = await invoicing.get(f"/invoices/{draft['invoice_id']}/pdf", headers=FINANCE)
            assert served.status_code == 200 and served.content == content
            text = str((await mailbox.message(mail["ID"]))["Text"]).replace("\xa0", " ")
            assert "I alt:                337,49 kr." in text, text
            assert "Betalingsbetingelser: beløbet betales senest 20. november 2026." in text, text
