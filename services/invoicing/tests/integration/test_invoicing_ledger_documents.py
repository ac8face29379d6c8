"""Invoice documents (issue 9): the PDF rendered by the worker after issuing (read back as text: number,
dates, parties' CVR, lines, net, VAT, total, exact), stored once with its SHA-256 however often the job
runs, served only to who may see the invoice; the CSV of the entries behind the lines sums to the net."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import uuid
from datetime import date
from typing import Any

import pypdf
import pytest

from invoicing.documents import rendering, service
from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.db import transaction
from vikar_shared.testing.plugin import bearer, wait_until

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
FINANCE = bearer(Role.FINANCE)


def _text(pdf: bytes) -> str:
    """The PDF's text, whitespace (no-break spaces too) collapsed to single spaces."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages).replace("\xa0", " "))


async def _issued(invoicing: Any, build: Any, *, name: str = "Bager Hansen ApS") -> tuple[dict[str, Any], uuid.UUID]:
    """One monthly company (payment terms 14 days) with October hours of Anna (17 999 øre/h) and Bo
    (12 345 øre/h) and a correction taking 30 minutes off Anna, closed and issued on 6 November 2026.

    Anna: 90 min (26 999) + 480 min (143 992) - 30 min (-8 999.5 -> -9 000) = 540 min, 161 991 øre.
    Bo: 45 min (9 258.75 -> 9 259) + 600 min (123 450) = 645 min, 132 709 øre.
    Net 294 700; VAT 25 % = 73 675; total 368 375."""
    company = uuid.uuid4()
    before = await invoicing.count("select count(*) from billable_lines")
    await invoicing.publish_company_events(build.company(company, name=name))
    anna = build.placement(
        company_id=company, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999, eligible=False
    )
    bo = build.placement(
        company_id=company, municipality_id=AALBORG, citizen_name="Bo Nielsen", bill_rate=12_345, eligible=False
    )
    await invoicing.publish_placement_events(anna, bo)
    long_day = build.approval(anna, date(2026, 10, 6), 480)
    await invoicing.publish_approvals(
        build.approval(anna, date(2026, 10, 5), 90),
        long_day,
        build.approval(bo, date(2026, 10, 7), 45),
        build.approval(bo, date(2026, 10, 8), 600),
    )
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=before + 4, what="accrued")
    await invoicing.publish_approvals(build.approval(anna, date(2026, 10, 6), -30, corrects=long_day))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=before + 5, what="correction")
    await invoicing.wait_for_count(
        "select count(*) from companies where company_id = $1", company, expected=1, what="company"
    )
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 5))
    r = await invoicing.client.post("/closes", json={"through": "2026-10-31"}, headers=FINANCE)
    assert r.status_code == 201, r.text
    [draft] = [i for i in r.json()["invoices"] if i["company_id"] == str(company)]
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 6))
    issued = await invoicing.client.post(f"/invoices/{draft['invoice_id']}/issue", headers=FINANCE)
    assert issued.status_code == 200, issued.text
    return issued.json(), company


async def _pdf_when_rendered(invoicing: Any, invoice_id: str, headers: dict[str, str] = FINANCE) -> Any:
    async def rendered() -> bool:
        return (await invoicing.client.get(f"/invoices/{invoice_id}/pdf", headers=headers)).status_code == 200

    await wait_until(rendered, what="the invoice PDF rendered by the worker", timeout=30)
    return await invoicing.client.get(f"/invoices/{invoice_id}/pdf", headers=headers)


async def test_the_pdf_states_every_paragraph_58_field_exactly(invoicing: Any, build: Any) -> None:
    invoice, _ = await _issued(invoicing, build)
    assert (invoice["net_ore"], invoice["vat_ore"], invoice["total_ore"]) == (294_700, 73_675, 368_375)
    r = await _pdf_when_rendered(invoicing, invoice["invoice_id"])
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == 'inline; filename="faktura-2026-000001.pdf"'
    assert r.headers["etag"] == f'"{hashlib.sha256(r.content).hexdigest()}"'
    text = _text(r.content)
    for expected in (
        "Faktura",
        "Fakturanummer 2026-000001",
        "Fakturadato 6. november 2026",
        "Forfaldsdato 20. november 2026",
        "Betalingsbetingelser Netto 14 dage fra fakturadato",
        "Leveringsperiode 1. oktober 2026 – 31. oktober 2026 (oktober 2026)",
        # Seller and buyer: name, address, CVR.
        "Fokus Folkeoplysning",
        "Søndergade 1",
        "9000 Aalborg",
        "CVR-nr. 29403473",
        "Bager Hansen ApS",
        "Algade 1",
        "CVR-nr. 12345674",
        "Att.: Hanne Bogholder",
        # Lines: citizen, hours (t:mm), rate per hour, amount.
        "1 Arbejdstimer Anna Jensen 9:00 179,99 kr. 1.619,91 kr.",
        "2 Arbejdstimer Bo Nielsen 10:45 123,45 kr. 1.327,09 kr.",
        "Timer i alt 19:45",
        "Beløb ekskl. moms (momspligtigt, 25 %) 2.947,00 kr.",
        "Moms 25 % 736,75 kr.",
        "I alt inkl. moms (DKK) 3.683,75 kr.",
        "Betales senest 20. november 2026",
    ):
        assert expected in text, f"{expected!r} not in the PDF's text: {text}"
    assert not re.search(r"\d{6}-?\d{4}", text), "no CPR-shaped number on an invoice"
    stored = await invoicing.pool.fetchrow(
        "select sha256, size_bytes, renderer from invoice_documents where invoice_id = $1",
        uuid.UUID(invoice["invoice_id"]),
    )
    assert stored["sha256"] == hashlib.sha256(r.content).digest()
    assert stored["size_bytes"] == len(r.content)
    assert stored["renderer"].startswith("weasyprint ")
    assert await invoicing.count("select count(*) from invoice_documents_due") == 0


async def test_the_job_renders_after_issuing_and_a_second_run_stores_nothing_twice(invoicing: Any, build: Any) -> None:
    # Hold the document table so the job cannot store: issuing does not wait, the PDF is "not ready".
    blocker = await invoicing.pool.acquire()
    tx = blocker.transaction()
    await tx.start()
    await blocker.execute("lock table invoice_documents in share mode")
    try:
        invoice, _ = await _issued(invoicing, build)
        invoice_id = uuid.UUID(invoice["invoice_id"])
        assert (
            await invoicing.count("select count(*) from invoice_documents_due where invoice_id = $1", invoice_id) == 1
        )
        r = await invoicing.client.get(f"/invoices/{invoice_id}/pdf", headers=FINANCE)
        assert r.status_code == 404
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "document-not-ready"
        assert r.headers["retry-after"] == "5"
    finally:
        await tx.rollback()
        await invoicing.pool.release(blocker)
    first = await _pdf_when_rendered(invoicing, str(invoice_id))
    assert await invoicing.count("select count(*) from invoice_documents_due") == 0

    # The job runs again for the same invoice (a crash after rendering, a second worker): nothing new.
    await invoicing.pool.execute("insert into invoice_documents_due (invoice_id) values ($1)", invoice_id)
    async with transaction(invoicing.pool) as conn:
        assert await service.render_next(conn, now=invoicing.app.state.clock.now()) == invoice_id
        assert await service.render_invoice(conn, invoice_id, now=invoicing.app.state.clock.now()) is False
    assert await invoicing.count("select count(*) from invoice_documents where invoice_id = $1", invoice_id) == 1
    assert await invoicing.count("select count(*) from invoice_documents_due") == 0
    again = await invoicing.client.get(f"/invoices/{invoice_id}/pdf", headers=FINANCE)
    assert again.content == first.content
    # Rendering is deterministic: the same invoice gives the same bytes, so the same SHA-256.
    async with transaction(invoicing.pool) as conn:
        found = await service.ledger_service.get_invoice(conn, service.DOCUMENT_JOB, invoice_id)
    assert rendering.render_pdf(found) == first.content
    # The document is a fact like the invoice.
    with pytest.raises(Exception, match="is a fact"):
        await invoicing.pool.execute("delete from invoice_documents where invoice_id = $1", invoice_id)


async def test_a_failed_render_is_retried_later_and_nothing_is_stored(
    invoicing: Any, build: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoicing.app.state.settings.document_poll_seconds = 0.05
    calls: list[uuid.UUID] = []

    def broken(invoice: Any) -> bytes:
        calls.append(invoice.invoice_id)
        raise RuntimeError("renderer out of order")

    monkeypatch.setattr(rendering, "render_pdf", broken)
    invoice, _ = await _issued(invoicing, build)
    invoice_id = uuid.UUID(invoice["invoice_id"])

    async def tried() -> bool:
        return (
            await invoicing.count("select attempts from invoice_documents_due where invoice_id = $1", invoice_id) >= 1
        )

    await wait_until(tried, what="a failed render recorded", timeout=20)
    row = await invoicing.pool.fetchrow(
        "select last_error, due_at > now() as later from invoice_documents_due where invoice_id = $1", invoice_id
    )
    assert (row["last_error"], row["later"]) == ("RuntimeError", True)
    assert await invoicing.count("select count(*) from invoice_documents") == 0
    monkeypatch.undo()
    await invoicing.pool.execute("update invoice_documents_due set due_at = now() where invoice_id = $1", invoice_id)
    await _pdf_when_rendered(invoicing, str(invoice_id))
    assert calls and set(calls) == {invoice_id}


async def test_only_who_may_see_the_invoice_gets_its_pdf_and_csv(invoicing: Any, build: Any) -> None:
    own, company = await _issued(invoicing, build)
    other, _ = await _issued(invoicing, build, name="Smed Olsen A/S")
    await _pdf_when_rendered(invoicing, own["invoice_id"])
    await _pdf_when_rendered(invoicing, other["invoice_id"])
    approver = bearer(Role.COMPANY_APPROVER, company_id=company)
    for suffix in ("pdf", "lines.csv"):
        mine = await invoicing.client.get(f"/invoices/{own['invoice_id']}/{suffix}", headers=approver)
        assert mine.status_code == 200, mine.text
        theirs = await invoicing.client.get(f"/invoices/{other['invoice_id']}/{suffix}", headers=approver)
        assert (theirs.status_code, theirs.json()["code"]) == (404, "invoice-not-found")
        assert "Smed" not in theirs.text
        municipality = bearer(Role.MUNICIPALITY, municipality_id=AALBORG)
        r = await invoicing.client.get(f"/invoices/{own['invoice_id']}/{suffix}", headers=municipality)
        assert (r.status_code, r.json()["code"]) == (404, "invoice-not-found")
        unknown = await invoicing.client.get(f"/invoices/{uuid.uuid4()}/{suffix}", headers=FINANCE)
        assert (unknown.status_code, unknown.json()["code"]) == (404, "invoice-not-found")
        assert (await invoicing.client.get(f"/invoices/{own['invoice_id']}/{suffix}")).status_code == 401


async def test_a_draft_has_no_pdf_and_its_approver_sees_neither(invoicing: Any, build: Any) -> None:
    company = uuid.uuid4()
    await invoicing.publish_company_events(build.company(company))
    p = build.placement(
        company_id=company, municipality_id=AALBORG, citizen_name="Cai", bill_rate=20_000, eligible=False
    )
    await invoicing.publish_placement_events(p)
    await invoicing.publish_approvals(build.approval(p, date(2026, 10, 5), 60))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=1, what="accrued")
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 5))
    [draft] = (await invoicing.client.post("/closes", json={"through": "2026-10-31"}, headers=FINANCE)).json()[
        "invoices"
    ]
    r = await invoicing.client.get(f"/invoices/{draft['invoice_id']}/pdf", headers=FINANCE)
    assert (r.status_code, r.json()["code"]) == (404, "document-not-ready")
    assert "retry-after" not in r.headers
    csv_of_draft = await invoicing.client.get(f"/invoices/{draft['invoice_id']}/lines.csv", headers=FINANCE)
    assert csv_of_draft.status_code == 200
    assert (
        csv_of_draft.headers["content-disposition"]
        == f'attachment; filename="faktura-{draft["invoice_id"]}-linjer.csv"'
    )
    approver = bearer(Role.COMPANY_APPROVER, company_id=company)
    for suffix in ("pdf", "lines.csv"):
        r = await invoicing.client.get(f"/invoices/{draft['invoice_id']}/{suffix}", headers=approver)
        assert (r.status_code, r.json()["code"]) == (404, "invoice-not-found")


async def test_the_csv_lists_every_entry_and_sums_to_the_net_exactly(invoicing: Any, build: Any) -> None:
    invoice, _ = await _issued(invoicing, build)
    r = await invoicing.client.get(f"/invoices/{invoice['invoice_id']}/lines.csv", headers=FINANCE)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == 'attachment; filename="faktura-2026-000001-linjer.csv"'
    assert r.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Danish Excel reads æøå right
    assert b"\r\n" in r.content
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == [
        "Linje",
        "Registrering",
        "Arbejdsdato",
        "Medarbejder-id",
        "Medarbejder",
        "Minutter",
        "Sats (øre/time)",
        "Beløb (øre)",
    ]
    body = rows[1:]
    table = [(int(r[0]), r[2], r[4], int(r[5]), int(r[6]), int(r[7])) for r in body]
    # By line, then work date (two entries of one day in entry-id order).
    assert [(t[0], t[1]) for t in table] == sorted((t[0], t[1]) for t in table)
    assert sorted(table) == sorted(
        [
            (1, "2026-10-05", "Anna Jensen", 90, 17_999, 26_999),
            (1, "2026-10-06", "Anna Jensen", 480, 17_999, 143_992),
            (1, "2026-10-06", "Anna Jensen", -30, 17_999, -9_000),
            (2, "2026-10-07", "Bo Nielsen", 45, 12_345, 9_259),
            (2, "2026-10-08", "Bo Nielsen", 600, 12_345, 123_450),
        ]
    )
    assert sum(int(r[7]) for r in body) == invoice["net_ore"] == 294_700
    for position, line in enumerate(invoice["lines"], start=1):
        assert sum(int(r[7]) for r in body if int(r[0]) == position) == line["amount_ore"]
        assert sum(int(r[5]) for r in body if int(r[0]) == position) == line["minutes"]
        assert {r[1] for r in body if int(r[0]) == position} == set(line["entry_ids"])


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))[1:]


async def test_a_credit_note_pdf_names_the_credited_invoice_and_csvs_list_adjustments_as_documents_show_them(
    invoicing: Any, build: Any
) -> None:
    """October (Anna, 17 999 øre/h: 90 min on the 5th = 26 999, 60 min on the 6th = 17 999) issued as 2026-000001;
    then 20 000 øre/h from 6 October (adjustment +2 001 of the 6th), 30 min taken off the 5th (-9 000: a credit
    note of 2026-000001) and 60 min on 10 November (20 000). The December close drafts a credit note (30 min,
    9 000, VAT 2 250, total 11 250) and the November invoice (20 000 + the adjustment line 2 001 = 22 001)."""
    company = uuid.uuid4()
    await invoicing.publish_company_events(build.company(company))
    anna = build.placement(
        company_id=company, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999, eligible=False
    )
    await invoicing.publish_placement_events(anna)
    e1, e2 = build.approval(anna, date(2026, 10, 5), 90), build.approval(anna, date(2026, 10, 6), 60)
    await invoicing.publish_approvals(e1, e2)
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=2, what="accrued")
    await invoicing.wait_for_count("select count(*) from companies", expected=1, what="company")
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 5))
    [october] = (await invoicing.client.post("/closes", json={"through": "2026-10-31"}, headers=FINANCE)).json()[
        "invoices"
    ]
    invoicing.app.state.clock = FixedClock.on(date(2026, 11, 6))
    r = await invoicing.client.post(f"/invoices/{october['invoice_id']}/issue", headers=FINANCE)
    assert (r.status_code, r.json()["number"]) == (200, "2026-000001"), r.text

    await invoicing.publish_placement_events(build.rates(anna, (date(2026, 1, 1), 17_999), (date(2026, 10, 6), 20_000)))
    await invoicing.wait_for_count("select count(*) from bill_adjustments", expected=1, what="settled")
    adjustment_id = await invoicing.pool.fetchval("select adjustment_id from bill_adjustments")
    lower, november = (
        build.approval(anna, date(2026, 10, 5), -30, corrects=e1),
        build.approval(anna, date(2026, 11, 10), 60),
    )
    await invoicing.publish_approvals(lower, november)
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=4, what="correction, november")

    invoicing.app.state.clock = FixedClock.on(date(2026, 12, 2))
    r = await invoicing.client.post("/closes", json={"through": "2026-11-30"}, headers=FINANCE)
    assert r.status_code == 201, r.text
    by_type = {d["document_type"]: d for d in r.json()["invoices"]}
    credit, invoice = by_type["credit_note"], by_type["invoice"]
    invoicing.app.state.clock = FixedClock.on(date(2026, 12, 3))
    for document, number in ((credit, "2026-000002"), (invoice, "2026-000003")):
        r = await invoicing.client.post(f"/invoices/{document['invoice_id']}/issue", headers=FINANCE)
        assert (r.status_code, r.json()["number"]) == (200, number), r.text

    # The credit note's PDF: titled Kreditnota, naming the invoice it credits, positive amounts.
    r = await _pdf_when_rendered(invoicing, credit["invoice_id"])
    assert r.headers["content-disposition"] == 'inline; filename="kreditnota-2026-000002.pdf"'
    text = _text(r.content)
    for expected in (
        "Kreditnota Krediterer faktura 2026-000001",  # the title, then the invoice it credits
        "Kreditnotanummer 2026-000002",
        "Kreditnotadato 3. december 2026",
        "Leveringsperiode 1. oktober 2026 – 31. oktober 2026 (oktober 2026)",
        "1 Krediterede arbejdstimer, arbejdet 5. oktober 2026 Anna Jensen 0:30 179,99 kr. 90,00 kr.",
        "Beløb ekskl. moms (momspligtigt, 25 %) 90,00 kr.",
        "Moms 25 % 22,50 kr.",
        "I alt inkl. moms (DKK) 112,50 kr.",
        "CVR-nr. 12345674",
    ):
        assert expected in text, f"{expected!r} not in the credit note's text: {text}"
    assert "Fakturanummer" not in text and "Betales senest" not in text and "-" + "90,00" not in text
    # The invoice credited is still a Faktura; the invoice with the adjustment line says what it adjusts.
    assert "Kreditnota" not in _text((await _pdf_when_rendered(invoicing, october["invoice_id"])).content)
    text = _text((await _pdf_when_rendered(invoicing, invoice["invoice_id"])).content)
    assert (
        "Efterregulering af timesats for timer arbejdet 6. oktober 2026 (allerede faktureret) Anna Jensen 0:00 200,00 kr. 20,01 kr."
        in text
    ), text

    # The credit note's CSV: the correction it credits, as the note states it (positive), summing to its net.
    r = await invoicing.client.get(f"/invoices/{credit['invoice_id']}/lines.csv", headers=FINANCE)
    assert r.headers["content-disposition"] == 'attachment; filename="kreditnota-2026-000002-linjer.csv"'
    rows = _csv_rows(r.content)
    assert [(int(x[0]), x[1], x[2], int(x[5]), int(x[6]), int(x[7])) for x in rows] == [
        (1, str(lower.entry_id), "2026-10-05", 30, 17_999, 9_000)
    ]
    assert sum(int(x[7]) for x in rows) == credit["net_ore"] == 9_000

    # The November invoice's CSV: its own entry and the adjustment behind the adjustment line.
    r = await invoicing.client.get(f"/invoices/{invoice['invoice_id']}/lines.csv", headers=FINANCE)
    rows = _csv_rows(r.content)
    assert [(int(x[0]), x[1], x[2], x[4], int(x[5]), int(x[6]), int(x[7])) for x in rows] == [
        (1, str(november.entry_id), "2026-11-10", "Anna Jensen", 60, 20_000, 20_000),
        (2, str(adjustment_id), "2026-10-06", "Anna Jensen", 0, 20_000, 2_001),
    ]
    assert sum(int(x[7]) for x in rows) == invoice["net_ore"] == 22_001
