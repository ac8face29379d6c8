"""Statement documents (issue 11): the PDF (Danish, deterministic), CSV and JSON (exact øre) of a statement, the
stored PDF and Peppol UBL of an issued one (stored once, however often the job runs; the XML only when the
validator passes it), access by municipality, the Peppol XML of a draft refused, deliveries recorded and listed.

Issuing through the service lands with the statements part; here a small SQL fixture (:func:`_statement`) inserts
a draft with two lines and updates it to issued with every issue column, as issuing does (the trigger queues its
documents). The Peppol builder and validator are stubbed (monkeypatched) where the test is about the job's logic."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pypdf
import pytest
from fastapi import FastAPI
from lxml import etree

from invoicing.app import MIGRATIONS, create_app
from invoicing.config import InvoicingSettings
from invoicing.ledger.endpoints import seller_of
from invoicing.peppol import ubl, validation
from invoicing.peppol.validation import Finding, ValidationReport
from invoicing.statement_documents import jobs, rendering
from invoicing.statement_documents.models import issued_facts
from invoicing.statements.models import Statement
from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.testing.plugin import bearer, serve_in_process, wait_until

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
HJORRING = uuid.UUID("00000000-0000-4000-8000-0000000000a2")
FINANCE = bearer(Role.FINANCE)
CONSULTANT = bearer(Role.CONSULTANT)
AALBORG_USER = bearer(Role.MUNICIPALITY, municipality_id=AALBORG)
HJORRING_USER = bearer(Role.MUNICIPALITY, municipality_id=HJORRING)
COMPANY_USER = bearer(Role.COMPANY_APPROVER, company_id=uuid.uuid4())
FAKE_UBL = b'<?xml version="1.0" encoding="UTF-8"?><Invoice>fake</Invoice>'
# The seller as issuing freezes it: the settings' (invoicing.ledger.endpoints.seller_of).
SELLER = asdict(seller_of(InvoicingSettings()))
BUYER = {
    "municipality_id": str(AALBORG),
    "name": "Aalborg Kommune",
    "ean": "5798000000001",
    "person_reference": "Jobcenter Aalborg, økonomi",
    "street": "Boulevarden 13",
    "postcode": "9000",
    "city": "Aalborg",
}
ISSUED_AT = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
# Two lines: SAG-2026-0042 90 min at 123,45 kr./h = 18 517,5 -> 18 518 øre (rounded once when accrued);
# "-17/2026" (a case number starting like a formula) 600 min at 123,45 = 123 450 øre, late (September).
# Net 141 968; VAT 25 % = 35 492; total 177 460.
LINES = [
    (1, "SAG-2026-0042", 12_345, 90, 18_518, False, date(2026, 10, 5), date(2026, 10, 6)),
    (2, "-17/2026", 12_345, 600, 123_450, True, date(2026, 9, 28), date(2026, 9, 28)),
]


@dataclass
class App:
    app: FastAPI
    client: httpx.AsyncClient
    pool: asyncpg.Pool

    async def count(self, sql: str, *args: object) -> int:
        return int(await self.pool.fetchval(sql, *args))


@pytest.fixture
async def service_app(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str
) -> AsyncIterator[App]:
    """The invoicing service whose statement document job looks once at start and then sleeps for an hour: the
    tests run the job themselves (:func:`jobs.render_one`), nothing races them."""
    dsn = await make_database("invoicing", MIGRATIONS)
    settings = InvoicingSettings(
        database_url=dsn,
        kafka_bootstrap=kafka,
        kafka_namespace=kafka_namespace,
        consumer_retry_backoff_seconds=0.01,
        statement_document_poll_seconds=3600,
    )
    app = create_app(settings)
    async with serve_in_process(app) as client:
        app.state.clock = FixedClock.on(date(2026, 11, 20))
        yield App(app, client, app.state.pool)


@pytest.fixture
def fake_peppol(monkeypatch: pytest.MonkeyPatch) -> list[Statement]:
    """The Peppol builder returns :data:`FAKE_UBL` and the validator passes it; the statements built are listed."""
    built: list[Statement] = []

    def build(statement: Statement) -> bytes:
        built.append(statement)
        return FAKE_UBL

    monkeypatch.setattr(ubl, "statement_ubl", build)
    monkeypatch.setattr(validation, "validate", lambda xml: ValidationReport(findings=()))
    return built


async def _terms(pool: asyncpg.Pool, municipality_id: uuid.UUID = AALBORG, name: str = "Aalborg Kommune") -> uuid.UUID:
    terms_id = uuid.uuid4()
    await pool.execute(
        """insert into municipality_terms (terms_id, municipality_id, municipality_name, effective_from,
               co_financing_rate_ore_per_hour, eligibility_threshold_weeks, target_unique_citizens, ean,
               person_reference, statement_period, citizen_reference, address, rate_excludes_vat, vat_category,
               vat_exemption_reason, payment_means_code, payee_iban)
           values ($1, $2, $3, '2026-01-01', 12345, 52, 40, '5798000000001', 'Jobcenter Aalborg, økonomi', 'monthly',
                   'case_number', $4::jsonb, true, 'S', null, '58', 'DK5000400440116243')""",
        terms_id,
        municipality_id,
        name,
        {"street": "Boulevarden 13", "postcode": "9000", "city": "Aalborg"},
    )
    return terms_id


async def _statement(
    pool: asyncpg.Pool,
    *,
    issue: bool = True,
    municipality_id: uuid.UUID = AALBORG,
    number: str = "S-2026-000001",
    corrects: uuid.UUID | None = None,
) -> uuid.UUID:
    """A statement of October 2026 with :data:`LINES` (a correction statement of ``corrects`` when given), issued on
    5 November 2026 as ``number`` unless ``issue`` is False: inserted as a draft, then updated to issued."""
    terms_id = await _terms(pool, municipality_id)
    statement_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            """insert into statements (statement_id, municipality_id, document_type, corrects_statement_id, status,
                   period_kind, period_start, period_end, terms_id, net_ore, total_minutes, unique_citizens,
                   unique_citizens_to_date, target_unique_citizens)
               values ($1, $2, $3, $4, 'draft', 'monthly', '2026-10-01', '2026-10-31', $5, 141968, 690, 2, 7, 40)""",
            statement_id,
            municipality_id,
            "statement" if corrects is None else "correction_statement",
            corrects,
            terms_id,
        )
        await conn.executemany(
            """insert into statement_lines (statement_id, position, citizen_id, citizen_reference, rate_ore_per_hour,
                   minutes, amount_ore, late, first_work_date, last_work_date)
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
            [(statement_id, p, uuid.uuid4(), *rest) for p, *rest in LINES],
        )
    if issue:
        await pool.execute(
            """update statements set status = 'issued', number = $2, issue_date = '2026-11-05', due_date = '2026-12-05',
                   issued_at = $3, issued_by = 'finance@fokus.dk', vat_category = 'S', vat_rate_percent = 25,
                   rate_excludes_vat = true, vat_ore = 35492, total_ore = 177460, seller = $4::jsonb,
                   buyer = $5::jsonb, payment_means = $6::jsonb
               where statement_id = $1""",
            statement_id,
            number,
            ISSUED_AT,
            SELLER,
            {**BUYER, "municipality_id": str(municipality_id)},
            {"code": "58", "iban": "DK5000400440116243", "bank_registration": None, "bank_account": None},
        )
    return statement_id


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages).replace("\xa0", " "))


async def _run_job(service_app: App) -> uuid.UUID | None:
    return await jobs.render_one(service_app.pool, service_app.app.state.clock)


# --- PDF --------------------------------------------------------------------------------------------------------


async def test_the_pdf_states_the_statement_in_danish_and_renders_to_the_same_bytes(service_app: App) -> None:
    statement_id = await _statement(service_app.pool)
    r = await service_app.client.get(f"/statements/{statement_id}/statement.pdf", headers=FINANCE)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == 'inline; filename="medfinansieringsopgoerelse-S-2026-000001.pdf"'
    assert r.headers["etag"] == f'"{hashlib.sha256(r.content).hexdigest()}"'
    again = await service_app.client.get(f"/statements/{statement_id}/statement.pdf", headers=AALBORG_USER)
    assert again.content == r.content, "the same statement renders to the same bytes"
    text = _text(r.content)
    for expected in (
        "Medfinansieringsopgørelse",
        "Opgørelsesnummer S-2026-000001",
        "Udstedelsesdato 5. november 2026",
        "Forfaldsdato 5. december 2026",
        "Periode 1. oktober 2026 – 31. oktober 2026 (oktober 2026)",
        "Fokus Folkeoplysning",
        "Søndergade 1",
        "CVR-nr. 29403473",
        "Aalborg Kommune",
        "Boulevarden 13",
        "EAN-nr. 5798000000001",
        "Personreference: Jobcenter Aalborg, økonomi",
        "1 SAG-2026-0042 5. oktober 2026 – 6. oktober 2026 1:30 123,45 kr. 185,18 kr.",
        "2 -17/2026 28. september 2026 10:00 123,45 kr. 1.234,50 kr. Sen godkendelse fra en tidligere periode",
        "Timer i alt 11:30",
        "Beløb ekskl. moms 1.419,68 kr.",
        "Moms 25 % 354,92 kr.",
        "I alt (DKK) 1.774,60 kr.",
        "Unikke borgere i perioden: 2",
        "Unikke borgere siden aftalens start: 7 mod målet 40",
        "Betaling: Bankoverførsel til IBAN DK5000400440116243. Betales senest 5. december 2026.",
    ):
        assert expected in text, f"{expected!r} not in the PDF's text: {text}"
    assert "UDKAST" not in text
    assert not re.search(r"(?<!\d)\d{6}-?\d{4}(?!\d)", text), "no CPR-shaped number on a statement"


async def test_a_correction_statement_is_titled_and_names_the_statement_it_corrects(service_app: App) -> None:
    corrected = await _statement(service_app.pool)
    correction = await _statement(service_app.pool, number="S-2026-000002", corrects=corrected)
    r = await service_app.client.get(f"/statements/{correction}/statement.pdf", headers=FINANCE)
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == 'inline; filename="korrektion-S-2026-000002.pdf"'
    text = _text(r.content)
    assert "Korrektion af medfinansieringsopgørelse" in text
    assert "Korrigerer opgørelse S-2026-000001" in text


async def test_a_draft_pdf_is_rendered_on_request_marked_udkast_without_a_number(service_app: App) -> None:
    draft = await _statement(service_app.pool, issue=False, municipality_id=HJORRING)
    r = await service_app.client.get(f"/statements/{draft}/statement.pdf", headers=CONSULTANT)
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == f'inline; filename="udkast-medfinansieringsopgoerelse-{draft}.pdf"'
    text = _text(r.content)
    assert "UDKAST – ikke udstedt, intet nummer endnu" in text
    assert "Opgørelsesnummer Udkast (nummer gives ved udstedelse)" in text
    # Its parties, VAT and payment means from the terms in force.
    assert "EAN-nr. 5798000000001" in text and "Moms 25 % 354,92 kr." in text
    assert await service_app.count("select count(*) from statement_documents_due") == 0, "a draft is not queued"


# --- CSV and JSON -------------------------------------------------------------------------------------------------


async def test_the_csv_states_each_line_in_exact_ore_and_minutes(service_app: App) -> None:
    statement_id = await _statement(service_app.pool)
    r = await service_app.client.get(f"/statements/{statement_id}/statement.csv", headers=AALBORG_USER)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == 'attachment; filename="medfinansieringsopgoerelse-S-2026-000001.csv"'
    assert (
        r.content
        == (
            "\ufeffOpgørelse;Linje;Borgerreference;Første arbejdsdato;Sidste arbejdsdato;Minutter;Sats (øre/time);"
            "Beløb (øre);Sen;Regulering\r\n"
            "S-2026-000001;1;SAG-2026-0042;2026-10-05;2026-10-06;90;12345;18518;nej;nej\r\n"
            "S-2026-000001;2;'-17/2026;2026-09-28;2026-09-28;600;12345;123450;ja;nej\r\n"
        ).encode()
    )
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert sum(int(row["Beløb (øre)"]) for row in rows) == 141_968


async def test_the_json_states_parties_lines_vat_totals_and_figures_exactly(service_app: App) -> None:
    statement_id = await _statement(service_app.pool)
    r = await service_app.client.get(f"/statements/{statement_id}/statement.json", headers=FINANCE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["number"] == "S-2026-000001"
    assert (body["document_type"], body["status"]) == ("statement", "issued")
    assert (body["issue_date"], body["due_date"]) == ("2026-11-05", "2026-12-05")
    assert body["period"] == {"kind": "monthly", "start": "2026-10-01", "end": "2026-10-31"}
    assert body["seller"] == {k: v for k, v in SELLER.items() if not k.startswith("contact")}
    assert body["buyer"] == BUYER
    assert [
        (line["citizen_reference"], line["minutes"], line["amount_ore"], line["net_ore"]) for line in body["lines"]
    ] == [
        ("SAG-2026-0042", 90, 18_518, 18_518),
        ("-17/2026", 600, 123_450, 123_450),
    ]
    assert [line["late"] for line in body["lines"]] == [False, True]
    assert body["vat"] == {
        "category": "S",
        "rate_percent": 25,
        "rate_excludes_vat": True,
        "exemption_reason": None,
        "text": "Moms 25\u00a0%",
    }
    assert body["totals"] == {
        "total_minutes": 690,
        "lines_ore": 141_968,
        "net_ore": 141_968,
        "vat_ore": 35_492,
        "total_ore": 177_460,
    }
    assert body["figures"] == {"unique_citizens": 2, "unique_citizens_to_date": 7, "target_unique_citizens": 40}
    assert body["payment_means"] == {
        "code": "58",
        "iban": "DK5000400440116243",
        "bank_registration": None,
        "bank_account": None,
    }
    again = await service_app.client.get(f"/statements/{statement_id}/statement.json", headers=FINANCE)
    assert again.content == r.content


# --- Access -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("document", ["statement.pdf", "statement.csv", "statement.json", "peppol.xml", "deliveries"])
async def test_only_agency_staff_and_the_municipality_see_a_statement(service_app: App, document: str) -> None:
    statement_id = await _statement(service_app.pool)
    for headers in (HJORRING_USER, COMPANY_USER):
        r = await service_app.client.get(f"/statements/{statement_id}/{document}", headers=headers)
        assert r.status_code == 404, r.text
        assert r.json()["code"] == "statement-not-found"
    unknown = await service_app.client.get(f"/statements/{uuid.uuid4()}/{document}", headers=FINANCE)
    assert unknown.status_code == 404 and unknown.json()["code"] == "statement-not-found"
    assert (await service_app.client.get(f"/statements/{statement_id}/{document}")).status_code == 401
    if document != "peppol.xml":  # not stored yet: see the tests of the job
        ok = await service_app.client.get(f"/statements/{statement_id}/{document}", headers=AALBORG_USER)
        assert ok.status_code == 200, ok.text


# Issue 14 (part B): the service role (notifications attaching them to the statement contacts' mail).
SERVICE = bearer(Role.SERVICE, sub="service:notifications")


@pytest.mark.parametrize("corrects", [False, True])
async def test_a_service_token_fetches_an_issued_statement_s_pdf_and_csv_only(service_app: App, corrects: bool) -> None:
    first = await _statement(service_app.pool) if corrects else None
    statement_id = await _statement(service_app.pool, number="S-2026-000002", corrects=first)
    pdf = await service_app.client.get(f"/statements/{statement_id}/statement.pdf", headers=SERVICE)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-"), pdf.text[:200]
    csv_ = await service_app.client.get(f"/statements/{statement_id}/statement.csv", headers=SERVICE)
    assert csv_.status_code == 200 and csv_.headers["content-type"].startswith("text/csv")
    assert (
        csv_.content
        == (await service_app.client.get(f"/statements/{statement_id}/statement.csv", headers=FINANCE)).content
    )
    for document in ("statement.json", "peppol.xml", "deliveries", ""):
        r = await service_app.client.get(f"/statements/{statement_id}/{document}".rstrip("/"), headers=SERVICE)
        assert r.status_code == 404 and r.json()["code"] == "statement-not-found", f"{document}: {r.text[:200]}"
    draft = await _statement(service_app.pool, issue=False, municipality_id=HJORRING)
    for document in ("statement.pdf", "statement.csv"):
        r = await service_app.client.get(f"/statements/{draft}/{document}", headers=SERVICE)
        assert r.status_code == 404 and r.json()["code"] == "statement-not-found", r.text
    listed = await service_app.client.get("/statements", headers=SERVICE)
    assert listed.status_code in (200, 403) and str(statement_id) not in listed.text, listed.text[:300]
    delivery = {"channel": "email", "sent_at": "2026-11-06T09:00:00+00:00"}
    r = await service_app.client.post(f"/statements/{statement_id}/deliveries", headers=SERVICE, json=delivery)
    assert r.status_code == 403, r.text


# --- The stored documents and the job -----------------------------------------------------------------------------


async def test_the_job_stores_the_pdf_and_the_validated_xml_once_however_often_it_runs(
    service_app: App, fake_peppol: list[Statement]
) -> None:
    statement_id = await _statement(service_app.pool)
    assert (
        await service_app.count("select count(*) from statement_documents_due where statement_id = $1", statement_id)
        == 1
    )
    pending = await service_app.client.get(f"/statements/{statement_id}/peppol.xml", headers=FINANCE)
    assert pending.status_code == 409 and pending.json()["code"] == "statement-document-pending"
    assert pending.headers["retry-after"] == "5"

    assert await _run_job(service_app) == statement_id
    assert await _run_job(service_app) is None, "nothing due any more"
    # Queued again (as a crash after storing one would leave it): the job stores nothing twice.
    await service_app.pool.execute("insert into statement_documents_due (statement_id) values ($1)", statement_id)
    assert await _run_job(service_app) == statement_id
    rows = await service_app.pool.fetch(
        "select media_type, content, sha256, size_bytes, renderer from statement_documents where statement_id = $1 "
        "order by media_type",
        statement_id,
    )
    assert [r["media_type"] for r in rows] == ["application/pdf", "application/xml"]
    assert len(fake_peppol) == 1, "the UBL is built once"
    assert fake_peppol[0].number == "S-2026-000001"
    pdf, xml = rows
    assert xml["content"] == FAKE_UBL and xml["sha256"] == hashlib.sha256(FAKE_UBL).digest()
    assert pdf["renderer"].startswith("weasyprint ") and pdf["size_bytes"] == len(pdf["content"])
    statement = fake_peppol[0]
    assert pdf["content"] == rendering.render_pdf(statement, issued_facts(statement)), "the stored PDF is deterministic"
    assert await service_app.count("select count(*) from statement_documents_due") == 0

    served = await service_app.client.get(f"/statements/{statement_id}/peppol.xml", headers=AALBORG_USER)
    assert served.status_code == 200, served.text
    assert served.headers["content-type"] == "application/xml"
    assert (
        served.headers["content-disposition"] == 'attachment; filename="medfinansieringsopgoerelse-S-2026-000001.xml"'
    )
    assert served.content == FAKE_UBL
    stored_pdf = await service_app.client.get(f"/statements/{statement_id}/statement.pdf", headers=FINANCE)
    assert stored_pdf.content == pdf["content"]
    assert stored_pdf.headers["etag"] == f'"{pdf["sha256"].hex()}"'


async def test_an_xml_failing_the_rules_is_not_stored_and_is_retried_naming_the_rules(
    service_app: App, fake_peppol: list[Statement], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    findings = (
        Finding("BR-CO-15", "fatal", "Invoice total amount with VAT = total without VAT + VAT"),
        Finding("PEPPOL-EN16931-R010", "fatal", "Buyer electronic address MUST be provided"),
        Finding("BR-CO-15", "fatal", "again"),
        Finding("UBL-CR-001", "warning", "a warning does not fail it"),
    )
    monkeypatch.setattr(validation, "validate", lambda xml: ValidationReport(findings=findings))
    statement_id = await _statement(service_app.pool)
    assert await _run_job(service_app) == statement_id
    assert [r["media_type"] for r in await service_app.pool.fetch("select media_type from statement_documents")] == [
        "application/pdf"
    ]
    due = await service_app.pool.fetchrow("select * from statement_documents_due where statement_id = $1", statement_id)
    assert due["attempts"] == 1
    assert due["last_error"] == "peppol-invalid: BR-CO-15, PEPPOL-EN16931-R010"
    assert due["due_at"] > datetime.now(UTC), "retried later, with backoff"
    assert "Aalborg" not in caplog.text and "SAG-2026" not in caplog.text, "no personal data logged"
    assert await _run_job(service_app) is None, "not due again yet"
    r = await service_app.client.get(f"/statements/{statement_id}/peppol.xml", headers=FINANCE)
    assert r.status_code == 409 and r.json()["code"] == "statement-document-pending"
    assert "BR-CO-15" in r.json()["detail"]

    # Valid the next time: stored, off the queue, the PDF not rendered twice.
    monkeypatch.setattr(validation, "validate", lambda xml: ValidationReport(findings=()))
    await service_app.pool.execute(
        "update statement_documents_due set due_at = now() where statement_id = $1", statement_id
    )
    assert await _run_job(service_app) == statement_id
    assert (
        await service_app.count("select count(*) from statement_documents where statement_id = $1", statement_id) == 2
    )
    assert await service_app.count("select count(*) from statement_documents_due") == 0


async def test_a_render_that_raises_stores_nothing_and_is_retried(
    service_app: App, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(statement: Statement) -> bytes:
        raise NotImplementedError("no builder quoting SAG-2026")

    monkeypatch.setattr(ubl, "statement_ubl", broken)
    statement_id = await _statement(service_app.pool)
    with pytest.raises(NotImplementedError):
        await _run_job(service_app)
    assert await service_app.count("select count(*) from statement_documents") == 0, "nothing half-written"
    due = await service_app.pool.fetchrow(
        "select attempts, last_error from statement_documents_due where statement_id = $1", statement_id
    )
    assert (due["attempts"], due["last_error"]) == (1, "NotImplementedError")
    # The log line names the statement and the error's class, never the message.
    failed = [r.getMessage() for r in caplog.records if "document render failed" in r.getMessage()]
    assert failed == [f"statement {statement_id}: document render failed (NotImplementedError); retrying in 1 s"]
    assert "SAG-2026" not in caplog.text


async def test_the_worker_renders_an_issued_statement_by_itself(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str, fake_peppol: list[Statement]
) -> None:
    dsn = await make_database("invoicing", MIGRATIONS)
    settings = InvoicingSettings(
        database_url=dsn, kafka_bootstrap=kafka, kafka_namespace=kafka_namespace, statement_document_poll_seconds=0.1
    )
    app = create_app(settings)
    async with serve_in_process(app):
        statement_id = await _statement(app.state.pool)

        async def stored() -> bool:
            return int(await app.state.pool.fetchval("select count(*) from statement_documents")) == 2

        await wait_until(stored, what="the statement's PDF and XML stored by the worker", timeout=30)
        assert await app.state.pool.fetchval("select count(*) from statement_documents_due") == 0
        await asyncio.sleep(0.3)
        assert [s.statement_id for s in fake_peppol] == [statement_id]


async def test_the_peppol_xml_of_a_draft_is_refused(service_app: App) -> None:
    draft = await _statement(service_app.pool, issue=False, municipality_id=HJORRING)
    r = await service_app.client.get(f"/statements/{draft}/peppol.xml", headers=FINANCE)
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "statement-draft"
    assert r.headers["content-type"] == "application/problem+json"


# --- Deliveries ---------------------------------------------------------------------------------------------------

SENT = {"channel": "peppol", "reference": "ap-msg-0001", "sent_at": "2026-11-06T08:15:00+01:00"}


async def test_a_delivery_is_recorded_once_and_listed(service_app: App) -> None:
    statement_id = await _statement(service_app.pool)
    url = f"/statements/{statement_id}/deliveries"
    r = await service_app.client.post(url, json=SENT, headers=FINANCE)
    assert r.status_code == 201, r.text
    first = r.json()
    assert (first["channel"], first["reference"], first["sent_at"]) == ("peppol", "ap-msg-0001", "2026-11-06T07:15:00Z")
    assert first["recorded_by"] == "tester"
    again = await service_app.client.post(url, json=SENT, headers=bearer(Role.ADMIN))
    assert again.status_code == 200, again.text
    assert again.json()["delivery_id"] == first["delivery_id"]
    post = await service_app.client.post(
        url, json={"channel": "post", "sent_at": "2026-11-07T10:00:00+00:00"}, headers=FINANCE
    )
    assert post.status_code == 201, post.text
    differs = await service_app.client.post(url, json={**SENT, "sent_at": "2026-11-06T09:00:00+01:00"}, headers=FINANCE)
    assert differs.status_code == 409 and differs.json()["code"] == "delivery-differs"
    listed = await service_app.client.get(url, headers=AALBORG_USER)
    assert listed.status_code == 200, listed.text
    assert [(d["channel"], d["reference"]) for d in listed.json()["deliveries"]] == [
        ("peppol", "ap-msg-0001"),
        ("post", None),
    ]
    assert await service_app.count("select count(*) from statement_deliveries") == 2


async def test_a_delivery_without_reference_recorded_again_is_the_first(service_app: App) -> None:  # tester 11, F5
    statement_id = await _statement(service_app.pool)
    url = f"/statements/{statement_id}/deliveries"
    mail = {"channel": "email", "sent_at": "2026-11-07T10:00:00+00:00"}
    first = await service_app.client.post(url, json=mail, headers=FINANCE)
    assert first.status_code == 201, first.text
    again = await service_app.client.post(url, json={**mail, "sent_at": "2026-11-07T11:00:00+01:00"}, headers=FINANCE)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    # Another channel, another time, or a reference make another delivery.
    for other in (
        {**mail, "channel": "post"},
        {**mail, "sent_at": "2026-11-07T10:00:01+00:00"},
        {**mail, "reference": "m-1"},
    ):
        r = await service_app.client.post(url, json=other, headers=FINANCE)
        assert r.status_code == 201, (other, r.text)
    assert await service_app.count("select count(*) from statement_deliveries") == 4
    # Six retries of one post delivery at once: one recorded (201), five answered with it (200).
    letter = {"channel": "post", "sent_at": "2026-11-08T09:30:00+00:00"}
    answers = await asyncio.gather(*(service_app.client.post(url, json=letter, headers=FINANCE) for _ in range(6)))
    assert sorted(a.status_code for a in answers) == [200] * 5 + [201], [a.text for a in answers]
    assert len({a.json()["delivery_id"] for a in answers}) == 1
    assert await service_app.count("select count(*) from statement_deliveries") == 5


@pytest.mark.parametrize("headers", [CONSULTANT, AALBORG_USER, COMPANY_USER])
async def test_only_finance_and_admin_record_a_delivery(service_app: App, headers: dict[str, str]) -> None:
    statement_id = await _statement(service_app.pool)
    r = await service_app.client.post(f"/statements/{statement_id}/deliveries", json=SENT, headers=headers)
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "forbidden"
    assert await service_app.count("select count(*) from statement_deliveries") == 0


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({**SENT, "channel": "fax"}, "channel", None),
        ({"channel": "peppol", "sent_at": SENT["sent_at"]}, "reference", "reference-required"),
        ({**SENT, "reference": ""}, "reference", None),
        ({**SENT, "sent_at": "2026-11-06T08:15:00"}, "sent_at", None),
        ({"channel": "peppol", "reference": "x"}, "sent_at", None),
        ({**SENT, "sent_at": "2026-11-21T08:00:00+00:00"}, "sent_at", "sent-at-future"),
        ({**SENT, "sent_at": "2026-11-05T08:59:00+00:00"}, "sent_at", "sent-at-before-issue"),
        ({**SENT, "extra": 1}, "extra", None),
        ({**SENT, "reference": "ap\u202emsg"}, "reference", None),
    ],
)
async def test_a_bad_delivery_is_a_422_naming_the_field(
    service_app: App, body: dict[str, Any], field: str, code: str | None
) -> None:
    statement_id = await _statement(service_app.pool)
    r = await service_app.client.post(f"/statements/{statement_id}/deliveries", json=body, headers=FINANCE)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert field in {e["field"].split(".")[-1] for e in problem["errors"]}, problem
    if code is not None:
        assert problem["code"] == code
    assert await service_app.count("select count(*) from statement_deliveries") == 0


async def test_a_draft_is_not_recorded_as_sent(service_app: App) -> None:
    draft = await _statement(service_app.pool, issue=False, municipality_id=HJORRING)
    r = await service_app.client.post(f"/statements/{draft}/deliveries", json=SENT, headers=FINANCE)
    assert r.status_code == 409 and r.json()["code"] == "statement-draft"
    assert await service_app.count("select count(*) from statement_deliveries") == 0


# --- The real Peppol document (invoicing.peppol: the builder and the official artefacts) ---------------------------

UBL_NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}


def _fatal(xml: bytes) -> list[str]:
    """The fatal findings of the official artefacts on ``xml`` as ``rule id: text`` (a missing artefact fails)."""
    try:
        report = validation.validate(xml)
    except validation.PeppolArtefactsMissingError as error:
        pytest.fail(str(error))
    return [f"{f.rule_id}: {f.text}" for f in report.fatal]


async def test_the_job_stores_a_peppol_invoice_the_official_rules_pass(service_app: App) -> None:
    statement_id = await _statement(service_app.pool)
    assert await _run_job(service_app) == statement_id
    due = await service_app.pool.fetchrow(
        "select last_error from statement_documents_due where statement_id = $1", statement_id
    )
    assert due is None, f"not stored: {due and due['last_error']}"
    r = await service_app.client.get(f"/statements/{statement_id}/peppol.xml", headers=AALBORG_USER)
    assert r.status_code == 200, r.text
    assert _fatal(r.content) == []
    root = etree.fromstring(r.content)
    assert etree.QName(root).localname == "Invoice"
    assert root.findtext("cbc:ID", namespaces=UBL_NS) == "S-2026-000001"
    assert root.findtext("cbc:BuyerReference", namespaces=UBL_NS) == "Jobcenter Aalborg, økonomi"
    endpoint = root.find("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", UBL_NS)
    assert endpoint is not None and (endpoint.text, endpoint.get("schemeID")) == ("5798000000001", "0088")
    payable = root.find("cac:LegalMonetaryTotal/cbc:PayableAmount", UBL_NS)
    assert payable is not None and payable.text == "1774.60"
    assert r.headers["etag"] == f'"{hashlib.sha256(r.content).hexdigest()}"'


async def test_the_job_stores_a_correction_statement_as_a_peppol_credit_note_the_rules_pass(service_app: App) -> None:
    corrected = await _statement(service_app.pool)
    correction = await _statement(service_app.pool, number="S-2026-000002", corrects=corrected)
    handled = {await _run_job(service_app), await _run_job(service_app)}
    assert handled == {corrected, correction}
    for statement_id in handled:
        assert statement_id is not None
        stored = await service_app.pool.fetchval(
            "select content from statement_documents where statement_id = $1 and media_type = 'application/xml'",
            statement_id,
        )
        assert stored is not None, "stored once valid"
        assert _fatal(stored) == []
    credit_note = etree.fromstring(
        await service_app.pool.fetchval(
            "select content from statement_documents where statement_id = $1 and media_type = 'application/xml'",
            correction,
        )
    )
    assert etree.QName(credit_note).localname == "CreditNote"
    reference = "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"
    assert credit_note.findtext(reference, namespaces=UBL_NS) == "S-2026-000001"
