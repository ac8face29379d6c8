"""Issue 14 (part B): invoicing's events mailed to the other parties over real Kafka, checked in Mailpit: invoice and
credit note (PDF attached) and payment reminders to the company's billing contact, a failed payment to it and to
finance, statements (PDF and CSV attached) to the municipality's statement contacts; each in the recipient's
language with the agency's name and why they get it. A party not known yet is mailed when it arrives; a payment
cancels the invoice's reminders not sent yet."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from notifications.app import MIGRATIONS, create_app
from notifications.companies.service import register_company
from notifications.directory.service import record_staff_member
from notifications.emails.models import MailContext, RetryPolicy, message_id_for
from notifications.emails.service import deliver_next
from notifications.party_mails import service as party_mails
from vikar_shared.db import create_pool, transaction
from vikar_shared.events.invoicing import (
    CorrectionStatementIssued,
    CreditNoteIssued,
    InvoiceIssued,
    InvoicePaid,
    InvoicePaymentFailed,
    InvoiceVoided,
    PaymentReminderIssued,
    StatementIssued,
)
from vikar_shared.events.placement import (
    BillingContact,
    CompanyRegistered,
    Contact,
    MunicipalityTermsSet,
    StaffMemberChanged,
)
from vikar_shared.testing.plugin import publish_events, serve_in_process, wait_until

CONTEXT = MailContext(portal_base_url="https://portal.example.dk", message_id_domain="vikarmodel.dk")
DUPLICATE_GRACE_SECONDS = 2.0


def _company(company_id: uuid.UUID, contact: str | None, language: str = "en") -> CompanyRegistered:
    return CompanyRegistered(
        company_id=company_id,
        name="Bager Hansen ApS",
        cvr="12345674",
        approvers=[],
        billing_contact=None
        if contact is None
        else BillingContact(name="Hanne Bogholder", email=contact, language=language),
    )


def _terms(municipality_id: uuid.UUID, *contacts: tuple[str, str, str]) -> MunicipalityTermsSet:
    return MunicipalityTermsSet(
        municipality_id=municipality_id,
        municipality_name="Aalborg Kommune",
        terms_id=uuid.uuid4(),
        effective_from=date(2026, 1, 1),
        co_financing_rate_ore_per_hour=12_345,
        eligibility_threshold_weeks=52,
        statement_contacts=[Contact(email=e, name=n, language=lang) for e, n, lang in contacts],
    )


def _invoice(company_id: uuid.UUID, number: str = "2026-000042") -> InvoiceIssued:
    return InvoiceIssued(
        invoice_id=uuid.uuid4(),
        company_id=company_id,
        number=number,
        issue_date=date(2026, 11, 6),
        due_date=date(2026, 11, 20),
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        net_ore=294_700,
        vat_rate_percent=25,
        vat_ore=73_675,
        total_ore=368_375,
        currency="DKK",
        lines=[],
    )


def _reminder(company_id: uuid.UUID, invoice_id: uuid.UUID, *, final: bool = False) -> PaymentReminderIssued:
    return PaymentReminderIssued(
        reminder_id=uuid.uuid4(),
        invoice_id=invoice_id,
        company_id=company_id,
        invoice_number="2026-000042",
        reminder_number=3,
        issued_on=date(2026, 12, 14),
        due_date=date(2026, 11, 20),
        pay_by=date(2026, 12, 24),
        outstanding_ore=368_375,
        fee_ore=10_000,
        fees_total_ore=30_000,
        final=final,
    )


def _statement(municipality_id: uuid.UUID) -> StatementIssued:
    return StatementIssued(
        statement_id=uuid.uuid4(),
        municipality_id=municipality_id,
        number="S-2026-000007",
        issue_date=date(2026, 11, 5),
        due_date=date(2026, 12, 5),
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        net_ore=141_968,
        vat_category="S",
        vat_rate_percent=25,
        vat_ore=35_492,
        total_ore=177_460,
        currency="DKK",
        total_minutes=690,
        unique_citizens=2,
        unique_citizens_to_date=7,
        target_unique_citizens=40,
        lines=[],
    )


def _text(detail: dict[str, Any]) -> str:
    return str(detail["Text"]).replace("\r\n", "\n").replace("\xa0", " ")


async def _headers(mailbox: Any, message_id: str) -> dict[str, list[str]]:
    r = await mailbox.client.get(f"/api/v1/message/{message_id}/headers")
    r.raise_for_status()
    headers: dict[str, list[str]] = r.json()
    return headers


async def _arrive(mailbox: Any, counts: dict[str, int]) -> None:
    async def arrived() -> bool:
        return all([await mailbox.count_to(a) >= n for a, n in counts.items()])

    await wait_until(arrived, what=f"mails {counts}")
    await asyncio.sleep(DUPLICATE_GRACE_SECONDS)
    assert {a: await mailbox.count_to(a) for a in counts} == counts


async def _known(pool: asyncpg.Pool, sql: str, *args: object, what: str) -> None:
    async def known() -> bool:
        return bool(await pool.fetchval(sql, *args))

    await wait_until(known, what=what)


async def test_every_party_mail_reaches_its_recipients_in_their_language_with_its_documents(
    make_settings: Any,
    mailbox: Any,
    fake_documents: Any,
    read_attachments: Any,
    unique_address: Callable[[str], str],
    kafka: str,
    kafka_namespace: str,
) -> None:
    billing, finance = unique_address("billing"), unique_address("finance")
    lene, lis = unique_address("lene"), unique_address("lis")
    company_id, municipality_id = uuid.uuid4(), uuid.uuid4()
    settings = await make_settings(service_base_urls={"invoicing": fake_documents.url})
    app = create_app(settings)
    async with serve_in_process(app):
        pool: asyncpg.Pool = app.state.pool
        staff = StaffMemberChanged(
            staff_id=uuid.uuid4(), subject="finance-1", name="Frida Finans", email=finance, role="finance", active=True
        )
        await publish_events(
            kafka,
            kafka_namespace,
            [
                (_company(company_id, billing, "en"), company_id),
                (staff, staff.staff_id),
                (_terms(municipality_id, (lene, "Lene Holm", "da"), (lis, "Lis Berg", "en")), municipality_id),
            ],
        )
        await _known(
            pool,
            "select count(*) = 2 from municipality_contacts where municipality_id = $1",
            municipality_id,
            what="contacts",
        )
        await _known(
            pool,
            "select billing_contact_email is not null from companies where company_id = $1",
            company_id,
            what="billing",
        )
        await _known(pool, "select count(*) = 1 from staff where email = $1", finance, what="finance staff")

        invoice = _invoice(company_id)
        credit = CreditNoteIssued(
            credit_note_id=uuid.uuid4(),
            company_id=company_id,
            number="2026-000043",
            credited_invoice_id=invoice.invoice_id,
            credited_invoice_number=invoice.number,
            issue_date=date(2026, 11, 10),
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
            net_ore=10_000,
            vat_rate_percent=25,
            vat_ore=2_500,
            total_ore=12_500,
            currency="DKK",
            lines=[],
        )
        failed = InvoicePaymentFailed(
            invoice_id=invoice.invoice_id,
            company_id=company_id,
            number=invoice.number,
            attempt_count=2,
            reason="card_declined",
        )
        reminder = _reminder(company_id, invoice.invoice_id, final=True)
        statement = _statement(municipality_id)
        correction = CorrectionStatementIssued(
            statement_id=uuid.uuid4(),
            municipality_id=municipality_id,
            number="S-2026-000008",
            corrected_statement_id=statement.statement_id,
            corrected_statement_number=statement.number,
            issue_date=date(2026, 11, 12),
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
            net_ore=1_000,
            vat_category="S",
            vat_rate_percent=25,
            vat_ore=250,
            total_ore=1_250,
            currency="DKK",
            total_minutes=30,
            lines=[],
        )
        envelopes = await publish_events(
            kafka,
            kafka_namespace,
            [
                (invoice, company_id),
                (credit, company_id),
                (failed, company_id),
                (reminder, company_id),
                (statement, municipality_id),
                (correction, municipality_id),
            ],
        )
        await _arrive(mailbox, {billing: 4, finance: 1, lene: 2, lis: 2})

        to_billing = {m["Subject"]: m for m in await mailbox.messages_to(billing)}
        assert set(to_billing) == {
            "Invoice 2026-000042 from Vikarmodellen",
            "Credit note 2026-000043 from Vikarmodellen",
            "The payment of invoice 2026-000042 failed",
            "Final payment reminder for invoice 2026-000042",
        }
        # The invoice: English (the contact's language), the payment terms, the PDF; Message-ID from (event, recipient).
        mail = to_billing["Invoice 2026-000042 from Vikarmodellen"]
        assert f"<{mail['MessageID']}>" == message_id_for(envelopes[0].id, billing, "vikarmodel.dk")
        assert (await _headers(mailbox, mail["ID"]))["Content-Language"] == ["en"]
        detail = await mailbox.message(mail["ID"])
        text = _text(detail)
        assert text.startswith("Dear Hanne Bogholder,\n")
        for expected in (
            "Vikarmodellen has issued invoice 2026-000042 to Bager Hansen ApS for the period 1 October 2026 – 31 October 2026.",
            "Total:                DKK 3,683.75",
            "Payment terms: the amount is due by 20 November 2026.",
            "You receive this e-mail because you are the billing contact of Bager Hansen ApS at Vikarmodellen.",
        ):
            assert expected in text, text
        assert "<strong>DKK 3,683.75</strong>" in str(detail["HTML"]).replace("\xa0", " ")
        attached = await read_attachments(mailbox, mail["ID"])
        assert list(attached) == ["faktura-2026-000042.pdf"]
        assert attached["faktura-2026-000042.pdf"][0] == "application/pdf"
        assert attached["faktura-2026-000042.pdf"][1].startswith(b"%PDF-")
        paths = {path for path, _ in fake_documents.seen}
        assert f"/invoices/{invoice.invoice_id}/pdf" in paths and f"/invoices/{credit.credit_note_id}/pdf" in paths

        credit_mail = to_billing["Credit note 2026-000043 from Vikarmodellen"]
        assert list(await read_attachments(mailbox, credit_mail["ID"])) == ["kreditnota-2026-000043.pdf"]
        assert "It credits invoice 2026-000042." in _text(await mailbox.message(credit_mail["ID"]))

        reminder_text = _text(await mailbox.message(to_billing["Final payment reminder for invoice 2026-000042"]["ID"]))
        for expected in (
            "This is the final reminder.",
            "Amount outstanding:       DKK 3,683.75",
            "Reminder fee (this one):  DKK 100.00",
            "Reminder fees in total:   DKK 300.00",
            "To pay:                   DKK 3,983.75",
            "Please pay by 24 December 2026.",
            "the claim goes to debt collection, which will bring further costs for you",
            "renteloven) § 9 b",
        ):
            assert expected in reminder_text, reminder_text

        [to_finance] = await mailbox.messages_to(finance)
        assert to_finance["Subject"] == "Betalingen af faktura 2026-000042 mislykkedes"
        finance_text = _text(await mailbox.message(to_finance["ID"]))
        assert finance_text.startswith("Hej Frida Finans,\n")
        assert "(forsøg nr. 2; årsag: card_declined)" in finance_text
        assert "fordi du er registreret som økonomimedarbejder hos Vikarmodellen" in finance_text

        # The statements: each contact in their own language, PDF and CSV attached.
        lene_mails = {m["Subject"]: m for m in await mailbox.messages_to(lene)}
        assert set(lene_mails) == {
            "Opgørelse S-2026-000007 fra Vikarmodellen",
            "Korrektionsopgørelse S-2026-000008 fra Vikarmodellen",
        }
        stated = lene_mails["Opgørelse S-2026-000007 fra Vikarmodellen"]
        assert (await _headers(mailbox, stated["ID"]))["Content-Language"] == ["da"]
        stated_text = _text(await mailbox.message(stated["ID"]))
        assert "I alt:            1.774,60 kr." in stated_text and "Betales senest:   5. december 2026" in stated_text
        assert "kontaktperson for opgørelser i aftalen mellem Aalborg Kommune og Vikarmodellen" in stated_text
        documents = await read_attachments(mailbox, stated["ID"])
        assert sorted(documents) == ["opgoerelse-S-2026-000007.csv", "opgoerelse-S-2026-000007.pdf"]
        assert documents["opgoerelse-S-2026-000007.pdf"][1].startswith(b"%PDF-")
        assert documents["opgoerelse-S-2026-000007.csv"][0].startswith("text/csv")
        assert documents["opgoerelse-S-2026-000007.csv"][1].decode("utf-8-sig").startswith("Opgørelse;Linje;Minutter")
        lis_subjects = {m["Subject"] for m in await mailbox.messages_to(lis)}
        assert lis_subjects == {
            "Statement S-2026-000007 from Vikarmodellen",
            "Correction statement S-2026-000008 from Vikarmodellen",
        }


async def test_a_party_not_known_yet_is_mailed_when_it_arrives_and_a_paid_invoice_s_reminder_never(
    make_settings: Any,
    mailbox: Any,
    fake_documents: Any,
    read_attachments: Any,
    unique_address: Callable[[str], str],
    kafka: str,
    kafka_namespace: str,
) -> None:
    billing, lene = unique_address("billing"), unique_address("lene")
    company_id, municipality_id = uuid.uuid4(), uuid.uuid4()
    app = create_app(await make_settings(service_base_urls={"invoicing": fake_documents.url}))
    async with serve_in_process(app):
        pool: asyncpg.Pool = app.state.pool
        invoice = _invoice(company_id)
        paid_later = _invoice(company_id, "2026-000050")
        await publish_events(
            kafka,
            kafka_namespace,
            [
                (invoice, company_id),
                (_reminder(company_id, paid_later.invoice_id), company_id),
                (_statement(municipality_id), municipality_id),
            ],
        )
        await _known(pool, "select count(*) = 3 from party_mails_waiting", what="three events waiting for their party")
        await publish_events(
            kafka,
            kafka_namespace,
            [
                (
                    InvoicePaid(
                        invoice_id=paid_later.invoice_id,
                        company_id=company_id,
                        number=paid_later.number,
                        owed_ore=368_375,
                        paid_ore=368_375,
                        paid_on=date(2026, 12, 15),
                        method="bank_transfer",
                    ),
                    company_id,
                )
            ],
        )
        await _known(pool, "select count(*) = 2 from party_mails_waiting", what="the paid invoice's reminder dropped")
        assert await mailbox.count_to(billing) == 0
        # The company (a contact named only now) and the agreement's statement contacts arrive.
        await publish_events(
            kafka,
            kafka_namespace,
            [
                (_company(company_id, None), company_id),
                (_terms(municipality_id, (lene, "Lene Holm", "da")), municipality_id),
            ],
        )
        await _arrive(mailbox, {lene: 1})
        assert await pool.fetchval("select count(*) from party_mails_waiting where party = 'company'") == 1
        await publish_events(kafka, kafka_namespace, [(_company(company_id, billing, "da"), company_id)])
        await _arrive(mailbox, {billing: 1})
        [mail] = await mailbox.messages_to(billing)
        assert mail["Subject"] == "Faktura 2026-000042 fra Vikarmodellen"
        assert list(await read_attachments(mailbox, mail["ID"])) == ["faktura-2026-000042.pdf"]
        assert await pool.fetchval("select count(*) from party_mails_waiting") == 0


@pytest.fixture
async def pool(make_database: Callable[[str, Path], Awaitable[str]]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(await make_database("notifications", MIGRATIONS))
    yield pool
    await pool.close()


async def test_a_payment_cancels_the_invoice_s_reminder_not_sent_yet_and_the_sender_skips_it(
    pool: asyncpg.Pool, unique_address: Callable[[str], str]
) -> None:
    billing = unique_address("billing")
    company_id = uuid.uuid4()
    invoice = _invoice(company_id)
    other = _invoice(company_id, "2026-000051")
    reminder, other_reminder = uuid.uuid4(), uuid.uuid4()
    async with transaction(pool) as conn:
        await register_company(conn, _company(company_id, billing, "da"), CONTEXT)
        assert (
            await party_mails.on_company_event(conn, reminder, _reminder(company_id, invoice.invoice_id), CONTEXT) == 1
        )
        assert (
            await party_mails.on_company_event(conn, other_reminder, _reminder(company_id, other.invoice_id), CONTEXT)
            == 1
        )
        paid = InvoicePaid(
            invoice_id=invoice.invoice_id,
            company_id=company_id,
            number=invoice.number,
            owed_ore=1,
            paid_ore=1,
            paid_on=date(2026, 12, 15),
            method="stripe",
        )
        assert await party_mails.on_invoice_settled(conn, paid) == 1
        # A reminder arriving after the payment is not mailed at all.
        assert (
            await party_mails.on_company_event(conn, uuid.uuid4(), _reminder(company_id, invoice.invoice_id), CONTEXT)
            == 0
        )
    rows = {
        r["event_id"]: (r["status"], r["last_error"])
        for r in await pool.fetch("select event_id, status, last_error from outgoing_emails")
    }
    assert rows == {
        reminder: ("cancelled", "cancelled: invoice 2026-000042 was paid on 2026-12-15"),
        other_reminder: ("pending", None),
    }

    class Recording:
        def __init__(self) -> None:
            self.sent: list[str] = []

        async def send(self, message: EmailMessage, recipient: str) -> None:
            self.sent.append(str(message["X-Vikar-Event-Id"]))

    mailer = Recording()
    policy = RetryPolicy(max_attempts=3, base_seconds=0, max_seconds=0)
    for _ in range(3):
        async with transaction(pool) as conn:
            await deliver_next(conn, mailer, "Vikarmodellen <noreply@vikarmodel.dk>", policy)
    assert mailer.sent == [str(other_reminder)]
    assert await pool.fetchval("select status from outgoing_emails where event_id = $1", reminder) == "cancelled"


async def test_a_voided_invoice_s_reminders_are_cancelled_too(
    pool: asyncpg.Pool, unique_address: Callable[[str], str]
) -> None:
    company_id = uuid.uuid4()
    invoice = _invoice(company_id)
    reminder = uuid.uuid4()
    async with transaction(pool) as conn:
        await register_company(conn, _company(company_id, unique_address("billing")), CONTEXT)
        assert (
            await party_mails.on_company_event(conn, reminder, _reminder(company_id, invoice.invoice_id), CONTEXT) == 1
        )
        voided = InvoiceVoided(
            invoice_id=invoice.invoice_id, company_id=company_id, number=invoice.number, reason="voided", credited_ore=0
        )
        assert await party_mails.on_invoice_settled(conn, voided) == 1
    row = await pool.fetchrow("select status, last_error from outgoing_emails where event_id = $1", reminder)
    assert tuple(row) == ("cancelled", "cancelled: invoice 2026-000042 was voided (voided)")


async def test_a_failed_payment_reaches_finance_even_before_the_company_is_known(
    pool: asyncpg.Pool, unique_address: Callable[[str], str]
) -> None:
    finance, former = unique_address("finance"), unique_address("former")
    company_id = uuid.uuid4()
    event_id = uuid.uuid4()
    async with transaction(pool) as conn:
        for email, active in ((finance, True), (former, False)):
            await record_staff_member(
                conn,
                StaffMemberChanged(
                    staff_id=uuid.uuid4(),
                    subject=email,
                    name="F",
                    email=email,
                    role="finance",
                    active=active,
                    language="en",
                ),
            )
        failed = InvoicePaymentFailed(
            invoice_id=uuid.uuid4(), company_id=company_id, number="2026-000060", attempt_count=1
        )
        assert await party_mails.on_company_event(conn, event_id, failed, CONTEXT) == 1
        # Handled again (a replay): nothing new.
        assert await party_mails.on_company_event(conn, event_id, failed, CONTEXT) == 0
    rows = await pool.fetch("select recipient, subject, language from outgoing_emails")
    assert [tuple(r) for r in rows] == [(finance, "The payment of invoice 2026-000060 failed", "en")]
    assert await pool.fetchval("select count(*) from party_mails_waiting where event_id = $1", event_id) == 1
