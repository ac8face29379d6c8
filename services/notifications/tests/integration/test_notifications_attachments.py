"""Issue 14 (part B): a mail's attachments are fetched when it is sent, with a short-lived service token, from the
service's document API: a 5xx, a timeout or a document still being rendered is retried with the backoff; 403/404 fail
the mail for good naming the attachment; the document is attached with its name and type and never stored. An
address the SMTP server refuses for good is marked failing and shown to consultants; a later success clears it."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from notifications.app import MIGRATIONS, create_app
from notifications.emails import repository
from notifications.emails.documents import HttpDocumentFetcher, service_token_minter
from notifications.emails.mailer import MailDeliveryError, SmtpMailer
from notifications.emails.models import AttachmentRef, EmailKind, PlannedEmail, RetryPolicy, message_id_for
from notifications.emails.service import deliver_next
from vikar_shared.auth.principal import Role
from vikar_shared.db import create_pool, transaction
from vikar_shared.settings import DEV_JWT_SECRET
from vikar_shared.testing.plugin import StackSettings, bearer, serve_in_process, wait_until

SENDER = "Vikarmodellen <noreply@vikarmodel.dk>"
POLICY = RetryPolicy(max_attempts=5, base_seconds=0.0, max_seconds=0.0)
PDF_PATH = "/invoices/0f6b1f0e-0000-4000-8000-000000000001/pdf"


@pytest.fixture
async def pool(make_database: Callable[[str, Path], Awaitable[str]]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(await make_database("notifications", MIGRATIONS))
    yield pool
    await pool.close()


def _fetcher(url: str, timeout: float = 5.0) -> HttpDocumentFetcher:
    return HttpDocumentFetcher(
        base_urls={"invoicing": url},
        token=service_token_minter({"dev": DEV_JWT_SECRET}, issuer="vikarmodel", audience="vikarmodel"),
        timeout_seconds=timeout,
    )


def _mail(recipient: str, *refs: AttachmentRef, kind: EmailKind = EmailKind.INVOICE_ISSUED) -> PlannedEmail:
    event_id = uuid.uuid4()
    return PlannedEmail(
        kind=kind,
        event_id=event_id,
        recipient=recipient,
        recipient_name="Hanne Bogholder",
        subject="Faktura 2026-000001 fra Vikarmodellen",
        body="Hej Hanne,\n\nFakturaen er vedhæftet.\n",
        message_id=message_id_for(event_id, recipient, "vikarmodel.dk"),
        html_body="<p>Fakturaen er vedhæftet.</p>",
        attachments=refs,
    )


PDF = AttachmentRef(
    filename="faktura-2026-000001.pdf", media_type="application/pdf", service="invoicing", path=PDF_PATH
)


async def _plan(pool: asyncpg.Pool, mail: PlannedEmail) -> None:
    async with transaction(pool) as conn:
        assert await repository.insert_planned(conn, [mail]) == 1


async def _deliver(pool: asyncpg.Pool, mailer: Any, fetcher: Any) -> bool:
    async with transaction(pool) as conn:
        return await deliver_next(conn, mailer, SENDER, POLICY, documents=fetcher)


async def _row(pool: asyncpg.Pool, mail: PlannedEmail) -> asyncpg.Record:
    row = await pool.fetchrow(
        "select status, attempts, last_error, attachments::text as attachments from outgoing_emails where event_id = $1",
        mail.event_id,
    )
    assert row is not None
    return row


async def test_a_5xx_from_the_document_api_is_retried_then_the_pdf_is_attached_and_never_stored(
    pool: asyncpg.Pool,
    fake_documents: Any,
    mailbox: Any,
    mailpit: StackSettings,
    read_attachments: Any,
    unique_address: Callable[[str], str],
) -> None:
    address = unique_address("billing")
    mail = _mail(address, PDF)
    await _plan(pool, mail)
    fake_documents.answers[PDF_PATH] = [503]
    smtp = SmtpMailer(host=mailpit.smtp_host, port=mailpit.smtp_port, sender=SENDER, timeout_seconds=10)

    assert await _deliver(pool, smtp, _fetcher(fake_documents.url))
    first = await _row(pool, mail)
    assert (first["status"], first["attempts"]) == ("pending", 1)
    assert (
        first["last_error"]
        == f"attachment 'faktura-2026-000001.pdf' from invoicing: {PDF_PATH} answered 503 status-503"
    )
    assert await mailbox.count_to(address) == 0

    assert await _deliver(pool, smtp, _fetcher(fake_documents.url))
    sent = await _row(pool, mail)
    assert (sent["status"], sent["attempts"], sent["last_error"]) == ("sent", 2, None)
    # Only the reference is stored: the row's attachments are exactly what was planned, no document bytes.
    assert json.loads(sent["attachments"]) == [PDF.as_json()]
    # Each fetch carried a fresh service token: role service, subject service:notifications, 5 minutes.
    assert len(fake_documents.seen) == 2
    for path, claims in fake_documents.seen:
        assert path == PDF_PATH and claims["role"] == "service" and claims["sub"] == "service:notifications"
        assert claims["exp"] - claims["iat"] == 300

    async def arrived() -> bool:
        return await mailbox.count_to(address) == 1

    await wait_until(arrived, what="the invoice mail in Mailpit")
    [summary] = await mailbox.messages_to(address)
    attached = await read_attachments(mailbox, summary["ID"])
    assert list(attached) == ["faktura-2026-000001.pdf"]
    media_type, content = attached["faktura-2026-000001.pdf"]
    assert media_type == "application/pdf" and content.startswith(b"%PDF-")


@pytest.mark.parametrize("status", [403, 404])
async def test_a_refused_document_fails_the_mail_for_good_naming_it(
    pool: asyncpg.Pool, fake_documents: Any, status: int, unique_address: Callable[[str], str]
) -> None:
    address = unique_address("billing")
    mail = _mail(address, PDF)
    await _plan(pool, mail)
    fake_documents.answers[PDF_PATH] = [status]

    class NeverCalled:
        async def send(self, message: EmailMessage, recipient: str) -> None:
            raise AssertionError("a mail without its document must not be sent")

    assert await _deliver(pool, NeverCalled(), _fetcher(fake_documents.url))
    row = await _row(pool, mail)
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert row["last_error"] == (
        f"attachment 'faktura-2026-000001.pdf' from invoicing: {PDF_PATH} answered {status} status-{status}"
    )
    # The document's fault, not the address's: nothing marked failing.
    assert await pool.fetchval("select count(*) from email_address_failures") == 0


async def test_a_document_still_being_rendered_and_a_timeout_are_retried(
    pool: asyncpg.Pool, fake_documents: Any, unique_address: Callable[[str], str]
) -> None:
    mail = _mail(unique_address("billing"), PDF)
    await _plan(pool, mail)

    class Recording:
        sent: list[EmailMessage] = []

        async def send(self, message: EmailMessage, recipient: str) -> None:
            self.sent.append(message)

    mailer = Recording()
    fake_documents.delays[PDF_PATH] = 1.0
    assert await _deliver(pool, mailer, _fetcher(fake_documents.url, timeout=0.2))
    row = await _row(pool, mail)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["last_error"] == "attachment 'faktura-2026-000001.pdf' from invoicing: ReadTimeout"
    fake_documents.delays.clear()
    await asyncio.sleep(1.0)  # the slow answer finishes on the server's side


async def test_an_unknown_service_fails_the_mail_for_good(
    pool: asyncpg.Pool, unique_address: Callable[[str], str]
) -> None:
    ref = AttachmentRef(filename="x.pdf", media_type="application/pdf", service="payroll", path="/x.pdf")
    mail = _mail(unique_address("billing"), ref)
    await _plan(pool, mail)
    assert await _deliver(pool, None, _fetcher("http://127.0.0.1:9"))
    row = await _row(pool, mail)
    assert (row["status"], row["last_error"]) == (
        "failed",
        "attachment 'x.pdf' from payroll: no base URL is configured for that service",
    )


class RefusingMailer:
    """Refuses the addresses in ``refused`` for good (a 550), forwards everything else to Mailpit."""

    def __init__(self, smtp: SmtpMailer) -> None:
        self.smtp = smtp
        self.refused: set[str] = set()

    async def send(self, message: EmailMessage, recipient: str) -> None:
        if recipient in self.refused:
            raise MailDeliveryError(
                "SMTPRecipientsRefused: 550 5.1.1 mailbox unavailable", permanent=True, address_refused=True
            )
        await self.smtp.send(message, recipient)


async def test_a_permanently_failing_address_is_marked_shown_to_consultants_and_cleared_by_a_success(
    make_settings: Any, mailbox: Any, mailpit: StackSettings, unique_address: Callable[[str], str]
) -> None:
    address = unique_address("gone")
    smtp = SmtpMailer(host=mailpit.smtp_host, port=mailpit.smtp_port, sender=SENDER, timeout_seconds=10)
    mailer = RefusingMailer(smtp)
    mailer.refused.add(address)
    app = create_app(await make_settings(), mailer=mailer)
    async with serve_in_process(app) as client:
        pool: asyncpg.Pool = app.state.pool
        first = _mail(address)
        await _plan(pool, first)

        async def failed() -> bool:
            return (await _row(pool, first))["status"] == "failed"

        await wait_until(failed, what="the refused mail failed for good")
        r = await client.get("/email-addresses", params={"status": "failing"}, headers=bearer(Role.CONSULTANT))
        assert r.status_code == 200, r.text
        [marked] = [a for a in r.json()["items"] if a["address"] == address]
        assert marked["status"] == "failing" and marked["failures"] == 1
        assert marked["last_error"] == "SMTPRecipientsRefused: 550 5.1.1 mailbox unavailable"
        assert (await client.get("/email-addresses", headers=bearer(Role.ADMIN))).status_code == 200
        for role in (Role.FINANCE, Role.MUNICIPALITY, Role.SERVICE):
            refused = await client.get("/email-addresses", headers=bearer(role, municipality_id=uuid.uuid4()))
            assert refused.status_code == 403, refused.text
        wrong = await client.get("/email-addresses", params={"status": "ok"}, headers=bearer(Role.CONSULTANT))
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "status", wrong.text

        # The mail log shows it: status, attempts, last error; by recipient and by event.
        log = await client.get("/emails", params={"recipient": address.upper()}, headers=bearer(Role.ADMIN))
        assert log.status_code == 200, log.text
        [logged] = log.json()["items"]
        assert (logged["status"], logged["attempts"], logged["event_id"]) == ("failed", 1, str(first.event_id))
        assert logged["last_error"] == "SMTPRecipientsRefused: 550 5.1.1 mailbox unavailable"
        by_event = await client.get("/emails", params={"event_id": str(first.event_id)}, headers=bearer(Role.ADMIN))
        assert [e["recipient"] for e in by_event.json()["items"]] == [address]

        # The mailbox works again: the next mail to it is sent and the mark is gone.
        mailer.refused.clear()
        second = _mail(address)
        await _plan(pool, second)

        async def sent() -> bool:
            return (await _row(pool, second))["status"] == "sent"

        await wait_until(sent, what="the next mail to the address sent")
        r = await client.get("/email-addresses", params={"status": "failing"}, headers=bearer(Role.CONSULTANT))
        assert address not in [a["address"] for a in r.json()["items"]]


async def test_finance_reads_only_the_invoicing_parties_mails_in_the_log(
    make_settings: Any, unique_address: Callable[[str], str]
) -> None:
    class Quiet:
        async def send(self, message: EmailMessage, recipient: str) -> None:
            return None

    app = create_app(await make_settings(), mailer=Quiet())
    async with serve_in_process(app) as client:
        pool: asyncpg.Pool = app.state.pool
        address = unique_address("log")
        invoice = _mail(address)
        hours = _mail(address, kind=EmailKind.HOURS_SUBMITTED)
        await _plan(pool, invoice)
        await _plan(pool, hours)
        finance = bearer(Role.FINANCE)
        seen = await client.get("/emails", params={"recipient": address}, headers=finance)
        assert seen.status_code == 200, seen.text
        assert [e["event_id"] for e in seen.json()["items"]] == [str(invoice.event_id)]
        assert (await client.get("/emails", params={"kind": "hours_submitted"}, headers=finance)).status_code == 403
        admin = await client.get("/emails", params={"recipient": address}, headers=bearer(Role.ADMIN))
        assert {e["kind"] for e in admin.json()["items"]} == {"invoice_issued", "hours_submitted"}
        by_kind = await client.get(
            "/emails", params={"recipient": address, "kind": "invoice_issued"}, headers=bearer(Role.ADMIN)
        )
        assert [e["kind"] for e in by_kind.json()["items"]] == ["invoice_issued"]
        for role in (Role.CONSULTANT, Role.SERVICE):
            assert (await client.get("/emails", headers=bearer(role))).status_code == 403
