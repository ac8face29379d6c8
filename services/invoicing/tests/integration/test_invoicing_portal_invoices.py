"""The company approval portal's Invoices page (issue 10), served by invoicing under ``/portal/invoices``.

Over the real PostgreSQL and Kafka: a company approver (a page session minted with the development key, as
the identity owner's login would) sees exactly its company's issued invoices and credit notes, with number,
type, period, dates, total in kroner (Babel, exact from øre) and payment status (partly paid, overdue with
days), in Danish and English; never a draft or another company's; downloads their PDFs, and another
company's invoice, a draft or a malformed id is the portal's 404 page. Sessions that are not a listed
approver's are refused; an ended session (``placement.page_session_ended`` on Kafka) goes back to login."""

from __future__ import annotations

import asyncio
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pypdf
import pytest
import uvicorn
from playwright.async_api import async_playwright, expect

from invoicing.payments import service as payments
from invoicing.payments.models import PaymentMethod
from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.db import transaction
from vikar_shared.events.placement import Approver, PageSessionEnded
from vikar_shared.identity.tokens import COOKIE_NAME
from vikar_shared.testing.browser import VIEWPORTS, launch_chromium
from vikar_shared.testing.identity import MintedPageSession, page_session_cookie
from vikar_shared.testing.pages import assert_page_headers, visible_text
from vikar_shared.testing.plugin import bearer, free_port, publish_events, wait_until

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
FINANCE = bearer(Role.FINANCE)
APPROVER = "godkender@bager.dk"
TODAY = date(2026, 12, 10)
LIST = "/portal/invoices"


@dataclass
class World:
    company: uuid.UUID
    other_company: uuid.UUID
    october: dict[str, Any]
    credit: dict[str, Any]
    november_draft: dict[str, Any]
    other: dict[str, Any]


async def _close(invoicing: Any, through: str, today: date) -> list[dict[str, Any]]:
    invoicing.app.state.clock = FixedClock.on(today)
    r = await invoicing.client.post("/closes", json={"through": through}, headers=FINANCE)
    assert r.status_code == 201, r.text
    drafts: list[dict[str, Any]] = r.json()["invoices"]
    return drafts


async def _issue(invoicing: Any, document: dict[str, Any], today: date) -> dict[str, Any]:
    invoicing.app.state.clock = FixedClock.on(today)
    r = await invoicing.client.post(f"/invoices/{document['invoice_id']}/issue", headers=FINANCE)
    assert r.status_code == 200, r.text
    issued: dict[str, Any] = r.json()
    return issued


def _company_with_approvers(build: Any, company: uuid.UUID, *emails: str, name: str, updated: bool = False) -> Any:
    event = build.company(company, name=name, updated=updated)
    return event.model_copy(update={"approvers": [Approver(email=e, name=f"Approver {e}") for e in emails]})


async def _world(invoicing: Any, build: Any) -> World:
    """Bager Hansen ApS (approver godkender@bager.dk): October 90 + 60 min at 17 999 øre/h, issued 6 November
    (2026-000001 or -2: net 44 998, VAT 11 250, total 56 248, due 20 November); then 30 minutes taken off
    October (a credit note: 9 000 + 2 250 = 11 250) and 60 November minutes (a draft, never issued). 20 000 øre
    paid on the October invoice: it still owes 56 248 - 11 250 - 20 000 = 24 998, partly paid, on 10 December
    20 days overdue. Another company, Smed Olsen A/S, has its own issued October invoice."""
    company, other_company = uuid.uuid4(), uuid.uuid4()
    await invoicing.publish_company_events(
        _company_with_approvers(build, company, " GODKENDER@Bager.dk ", name="Bager Hansen ApS"),
        _company_with_approvers(build, other_company, "chef@smed.dk", name="Smed Olsen A/S"),
    )
    anna = build.placement(
        company_id=company, municipality_id=AALBORG, citizen_name="Anna Jensen", bill_rate=17_999, eligible=False
    )
    ole = build.placement(
        company_id=other_company, municipality_id=AALBORG, citizen_name="Ole Smed", bill_rate=20_000, eligible=False
    )
    await invoicing.publish_placement_events(anna, ole)
    e1, e2 = build.approval(anna, date(2026, 10, 5), 90), build.approval(anna, date(2026, 10, 6), 60)
    await invoicing.publish_approvals(e1, e2, build.approval(ole, date(2026, 10, 7), 120))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=3, what="accrued")
    await invoicing.wait_for_count("select count(*) from companies", expected=2, what="companies")

    drafts = {d["company_id"]: d for d in await _close(invoicing, "2026-10-31", date(2026, 11, 5))}
    october = await _issue(invoicing, drafts[str(company)], date(2026, 11, 6))
    other = await _issue(invoicing, drafts[str(other_company)], date(2026, 11, 6))
    assert (october["total_ore"], october["due_date"]) == (56_248, "2026-11-20")

    lower = build.approval(anna, date(2026, 10, 5), -30, corrects=e1)
    await invoicing.publish_approvals(lower, build.approval(anna, date(2026, 11, 10), 60))
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=5, what="corrections accrued")
    by_type = {d["document_type"]: d for d in await _close(invoicing, "2026-11-30", date(2026, 12, 2))}
    credit = await _issue(invoicing, by_type["credit_note"], date(2026, 12, 3))
    assert credit["total_ore"] == 11_250

    async with transaction(invoicing.pool) as conn:
        _, settlement = await payments.record_payment(
            conn,
            invoice_id=uuid.UUID(october["invoice_id"]),
            amount_ore=20_000,
            paid_on=date(2026, 12, 4),
            method=PaymentMethod.BANK_TRANSFER,
            recorded_by="finance@fokus.dk",
            now=datetime(2026, 12, 4, 10, tzinfo=UTC),
        )
    assert settlement.outstanding_ore == 24_998
    invoicing.app.state.clock = FixedClock.on(TODAY)
    return World(company, other_company, october, credit, by_type["invoice"], other)


def _log_in(invoicing: Any, client: httpx.AsyncClient, **claims: Any) -> MintedPageSession:
    """Puts a page session in ``client``'s cookie jar as the identity owner's login would."""
    defaults: dict[str, Any] = {"email": APPROVER, "now": invoicing.app.state.clock.now()}
    minted = page_session_cookie(**{**defaults, **claims})
    client.cookies.set(COOKIE_NAME, minted.token, path="/")
    return minted


async def _when_rendered(invoicing: Any, *invoice_ids: str) -> None:
    async def rendered() -> bool:
        found = await invoicing.count(
            "select count(*) from invoice_documents where invoice_id = any($1::uuid[])",
            [uuid.UUID(i) for i in invoice_ids],
        )
        return found == len(invoice_ids)

    await wait_until(rendered, what="the PDFs rendered by the worker", timeout=30)


def _other_browser(invoicing: Any) -> httpx.AsyncClient:
    """Another browser (its own cookie jar) against the same app."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=invoicing.app), base_url="http://testserver")


@pytest.fixture
async def world(invoicing: Any, build: Any) -> World:
    return await _world(invoicing, build)


async def test_the_approver_sees_exactly_the_companys_issued_documents_with_their_status_in_danish(
    invoicing: Any, world: World
) -> None:
    client = invoicing.client
    _log_in(invoicing, client, company_id=world.company, lang="da")
    page = await client.get(LIST)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert_page_headers(page)
    text = visible_text(page.text)
    october, credit = world.october["number"], world.credit["number"]
    assert f"{october} Faktura oktober 2026 6. november 2026 20. november 2026 562,48 kr." in text, text
    assert "Delvist betalt (forfalden, 20 dage)" in text, text
    assert f"{credit} Kreditnota oktober 2026 3. december 2026 – 112,50 kr. Krediterer faktura {october}" in text
    assert 'lang="da"' in page.text and "Bager Hansen ApS" in text
    # Its PDFs are offered; a draft and the other company's invoice are nowhere on the page.
    assert f'href="/portal/invoices/{world.october["invoice_id"]}/pdf"' in page.text
    assert f'href="/portal/invoices/{world.credit["invoice_id"]}/pdf"' in page.text
    assert world.november_draft["invoice_id"] not in page.text
    assert world.other["invoice_id"] not in page.text and world.other["number"] not in text
    assert "Smed Olsen" not in text
    # The portal's navigation, this page current, and links back to the hours.
    assert '<a href="/portal/invoices" aria-current="page">Fakturaer</a>' in page.text
    assert 'href="/portal/pending"' in page.text and 'href="/portal/history"' in page.text
    assert "<script" not in page.text


async def test_the_same_page_in_english_with_lang_en_kept_for_the_session(invoicing: Any, world: World) -> None:
    client = invoicing.client
    _log_in(invoicing, client, company_id=world.company, lang="da")
    page = await client.get(LIST, params={"lang": "en"})
    assert page.status_code == 200, page.text
    text = visible_text(page.text)
    october = world.october["number"]
    # Kroner written the English way (vikar_shared.web.formatting.kroner; issue 10 F10b deliberately changed this
    # from the Danish "562,48 kr."), exact from øre.
    assert f"{october} Invoice October 2026 6 November 2026 20 November 2026 DKK 562.48" in text, text
    assert "Partly paid (overdue, 20 days)" in text
    assert f"Credit note October 2026 3 December 2026 – DKK 112.50 Credits invoice {october}" in text
    assert "kr." not in text and "562,48" not in text
    assert 'lang="en"' in page.text
    assert "vikar_lang=en:" in page.headers["set-cookie"]
    # The choice holds for the session: the next page without ?lang is English too.
    again = await client.get(LIST)
    assert "Partly paid" in visible_text(again.text)


async def test_the_pdf_of_an_own_document_downloads_and_others_are_the_404_page(invoicing: Any, world: World) -> None:
    await _when_rendered(invoicing, world.october["invoice_id"], world.credit["invoice_id"], world.other["invoice_id"])
    client = invoicing.client
    _log_in(invoicing, client, company_id=world.company)
    pdf = await client.get(f"/portal/invoices/{world.october['invoice_id']}/pdf")
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f'attachment; filename="faktura-{world.october["number"]}.pdf"'
    assert_page_headers(pdf)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert world.october["number"] in text
    credit = await client.get(f"/portal/invoices/{world.credit['invoice_id']}/pdf")
    assert credit.status_code == 200
    assert credit.headers["content-disposition"] == f'attachment; filename="kreditnota-{world.credit["number"]}.pdf"'

    # Another company's invoice, the company's own draft, an unknown and a malformed id: one 404 page, in the
    # visitor's language, that gives nothing away.
    for path in (
        f"/portal/invoices/{world.other['invoice_id']}/pdf",
        f"/portal/invoices/{world.november_draft['invoice_id']}/pdf",
        f"/portal/invoices/{uuid.uuid4()}/pdf",
        "/portal/invoices/not-an-id/pdf",
    ):
        refused = await client.get(path)
        assert refused.status_code == 404, path
        assert refused.headers["content-type"].startswith("text/html"), path
        assert_page_headers(refused)
        text = visible_text(refused.text)
        assert "Fakturaen findes ikke, eller du har ikke adgang til den." in text, path
        assert world.other["number"] not in text and "Smed Olsen" not in text
    english = await client.get(f"/portal/invoices/{world.other['invoice_id']}/pdf", params={"lang": "en"})
    assert "That invoice does not exist, or you do not have access to it." in visible_text(english.text)

    # The other company's approver cannot open this company's PDF either.
    async with _other_browser(invoicing) as b:
        _log_in(invoicing, b, email="chef@smed.dk", company_id=world.other_company)
        assert (await b.get(f"/portal/invoices/{world.october['invoice_id']}/pdf")).status_code == 404
        mine = await b.get(f"/portal/invoices/{world.other['invoice_id']}/pdf")
        assert mine.status_code == 200


async def test_a_pdf_not_rendered_yet_is_a_page_saying_so(invoicing: Any, world: World) -> None:
    # Hold the document table so the worker cannot store the PDF of the November invoice, issued now.
    blocker = await invoicing.pool.acquire()
    tx = blocker.transaction()
    await tx.start()
    await blocker.execute("lock table invoice_documents in share mode")
    try:
        november = await _issue(invoicing, world.november_draft, TODAY)
        client = invoicing.client
        _log_in(invoicing, client, company_id=world.company)
        listed = await client.get(LIST)
        assert f'href="/portal/invoices/{november["invoice_id"]}/pdf"' in listed.text
        waiting = await client.get(f"/portal/invoices/{november['invoice_id']}/pdf")
        assert waiting.status_code == 404
        assert waiting.headers["retry-after"] == "5"
        assert waiting.headers["content-type"].startswith("text/html")
        assert_page_headers(waiting)
        text = visible_text(waiting.text)
        assert "PDF-filen er ikke klar endnu" in text and "Tilbage til fakturaerne" in text
    finally:
        await tx.rollback()
        await invoicing.pool.release(blocker)
    await _when_rendered(invoicing, november["invoice_id"])
    ready = await client.get(f"/portal/invoices/{november['invoice_id']}/pdf")
    assert ready.status_code == 200 and ready.headers["content-type"] == "application/pdf"


async def test_sessions_that_are_not_a_listed_approvers_are_refused(invoicing: Any, world: World) -> None:
    # No session, an expired one: to the identity owner first, back here afterwards.
    async with _other_browser(invoicing) as anonymous:
        first = await anonymous.get(LIST, params={"page": "1"})
        assert first.status_code == 303
        assert first.headers["location"] == "/auth/login?next=%2Fportal%2Finvoices%3Fpage%3D1"
        _log_in(
            invoicing, anonymous, company_id=world.company, now=invoicing.app.state.clock.now() - timedelta(hours=1)
        )
        expired = await anonymous.get(LIST)
        assert expired.status_code == 303
        assert expired.headers["location"] == "/auth/refresh?next=%2Fportal%2Finvoices"
    # A municipality's or a consultant's session, an approver not listed for the company, an approver of
    # another company naming this one: the no-access page (403), nothing of the invoices.
    for claims in (
        {"role": Role.MUNICIPALITY, "municipality_id": uuid.uuid4(), "email": "sagsbehandler@aalborg.dk"},
        {"role": Role.CONSULTANT, "email": "konsulent@fokus.dk"},
        {"company_id": world.company, "email": "someone@bager.dk"},
        {"company_id": world.company, "email": "chef@smed.dk"},
    ):
        async with _other_browser(invoicing) as browser:
            _log_in(invoicing, browser, **claims)
            for path in (LIST, f"/portal/invoices/{world.october['invoice_id']}/pdf"):
                refused = await browser.get(path)
                assert refused.status_code == 403, (claims, path)
                assert_page_headers(refused)
                assert "Ingen adgang" in refused.text
                assert world.october["number"] not in refused.text


async def _end_and_wait_for_refusal(
    invoicing: Any, browser: httpx.AsyncClient, minted: MintedPageSession, reason: str
) -> None:
    """Placement ends ``minted``'s session (``placement.page_session_ended`` on Kafka); waits until the list
    answers ``browser`` with the redirect to login."""
    ended = PageSessionEnded(
        session_id=minted.session.session_id,
        email=APPROVER,
        reason=reason,
        ended_at=invoicing.app.state.clock.now(),
        not_after=minted.session.expires_at,
    )
    await publish_events(invoicing.kafka, invoicing.namespace, [(ended, ended.session_id)])

    async def refused() -> bool:
        return (await browser.get(LIST)).status_code == 303

    await wait_until(refused, what="invoicing refusing the ended page session", timeout=20)


async def test_an_approver_removed_is_refused_at_once_and_an_ended_session_goes_to_login(
    invoicing: Any, build: Any, world: World
) -> None:
    async with _other_browser(invoicing) as browser:
        minted = _log_in(invoicing, browser, company_id=world.company)
        assert (await browser.get(LIST)).status_code == 200
        await _end_and_wait_for_refusal(invoicing, browser, minted, "logout")
        gone = await browser.get(LIST)
        assert gone.headers["location"] == "/auth/login?next=%2Fportal%2Finvoices"

    async with _other_browser(invoicing) as browser:
        _log_in(invoicing, browser, company_id=world.company)
        assert (await browser.get(LIST)).status_code == 200
        # The company updated without this approver: refused with the next request.
        await invoicing.publish_company_events(
            _company_with_approvers(build, world.company, "ny@bager.dk", name="Bager Hansen ApS", updated=True)
        )
        await invoicing.wait_for_count(
            "select count(*) from company_approvers where company_id = $1 and email = 'ny@bager.dk'",
            world.company,
            expected=1,
            what="the approvers replaced",
        )
        assert await invoicing.count("select count(*) from company_approvers where company_id = $1", world.company) == 1
        assert (await browser.get(LIST)).status_code == 403


async def _forget_approvers(invoicing: Any, company: uuid.UUID) -> None:
    """The company as migration 20261202_60 leaves one announced before 20261202_50: no approver rows and the
    column's default (approvers_known false)."""
    async with transaction(invoicing.pool) as conn:
        await conn.execute("delete from company_approvers where company_id = $1", company)
        await conn.execute("update companies set approvers_known = default where company_id = $1", company)


async def test_a_company_announced_before_the_approvers_were_kept_opens_on_the_signed_claim_until_its_list_comes(
    invoicing: Any, build: Any, world: World
) -> None:
    # F6: every company event stores its list and marks it known.
    known = "select count(*) from companies where company_id = any($1::uuid[]) and approvers_known"
    assert await invoicing.count(known, [world.company, world.other_company]) == 2
    await _forget_approvers(invoicing, world.company)
    assert await invoicing.count(known, [world.company]) == 0

    # Unknown: the identity owner's signed company_approver claim for this company opens its page as it is.
    async with _other_browser(invoicing) as browser:
        minted = _log_in(invoicing, browser, company_id=world.company)
        page = await browser.get(LIST)
        assert page.status_code == 200, page.text
        assert world.october["number"] in page.text and "Bager Hansen ApS" in visible_text(page.text)
        assert world.other["number"] not in page.text
        await _when_rendered(invoicing, world.october["invoice_id"], world.other["invoice_id"])
        assert (await browser.get(f"/portal/invoices/{world.october['invoice_id']}/pdf")).status_code == 200
        # Still only its own company's: another company's PDF is the 404 page.
        assert (await browser.get(f"/portal/invoices/{world.other['invoice_id']}/pdf")).status_code == 404
        # Other roles are refused as ever.
        async with _other_browser(invoicing) as municipality:
            claims = {"role": Role.MUNICIPALITY, "municipality_id": uuid.uuid4(), "email": "sagsbehandler@aalborg.dk"}
            _log_in(invoicing, municipality, **claims)
            assert (await municipality.get(LIST)).status_code == 403

        # An ended session is refused even while the list is unknown.
        await _end_and_wait_for_refusal(invoicing, browser, minted, "access-removed")
        assert (await browser.get(LIST)).headers["location"] == "/auth/login?next=%2Fportal%2Finvoices"
        assert await invoicing.count(known, [world.company]) == 0

    # The company's next event makes the list known: enforced at once, an address not listed is the 403 page.
    async with _other_browser(invoicing) as browser, _other_browser(invoicing) as newcomer:
        _log_in(invoicing, browser, company_id=world.company)
        assert (await browser.get(LIST)).status_code == 200
        await invoicing.publish_company_events(
            _company_with_approvers(build, world.company, "ny@bager.dk", name="Bager Hansen ApS", updated=True)
        )
        await invoicing.wait_for_count(known, [world.company], expected=1, what="the approvers known")
        refused_now = await browser.get(LIST)
        assert refused_now.status_code == 403 and "Ingen adgang" in refused_now.text
        assert world.october["number"] not in refused_now.text
        _log_in(invoicing, newcomer, email="ny@bager.dk", company_id=world.company)
        assert (await newcomer.get(LIST)).status_code == 200


async def test_pages_bad_page_numbers_and_unknown_paths(
    invoicing: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from invoicing.portal import service

    client = invoicing.client
    _log_in(invoicing, client, company_id=world.company)
    monkeypatch.setattr(service, "PAGE_SIZE", 1)
    first = await client.get(LIST)
    assert first.text.count('/pdf"') == 1
    assert 'href="/portal/invoices?page=2" rel="next"' in first.text and 'rel="prev"' not in first.text
    second = await client.get(LIST, params={"page": "2"})
    assert second.text.count('/pdf"') == 1
    assert 'href="/portal/invoices?page=1" rel="prev"' in second.text and 'rel="next"' not in second.text
    # The two documents, one on each page.
    for document in (world.october, world.credit):
        assert (document["invoice_id"] in first.text) != (document["invoice_id"] in second.text)
    beyond = await client.get(LIST, params={"page": "3"})
    assert beyond.status_code == 200 and "Der er ingen fakturaer på side 3." in visible_text(beyond.text)
    monkeypatch.undo()

    for bad in ("0", "-1", "x", "１", "1000001", ""):
        r = await client.get(LIST, params={"page": bad})
        assert r.status_code == 422, bad
        assert "Ugyldigt sidenummer" in r.text and world.october["number"] not in r.text
    unknown = await client.get("/portal/invoices/nothing/here")
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("text/html")
    assert "Siden findes ikke" in unknown.text
    assert_page_headers(unknown)
    wrong_method = await client.post(LIST)
    assert wrong_method.status_code == 405 and wrong_method.headers["content-type"].startswith("text/html")
    css = await client.get("/portal/invoices/static/vikar.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


SCREENSHOTS = Path(__file__).resolve().parents[4] / "artifacts" / "screenshots" / "portal-invoices"


async def test_the_page_in_a_real_browser_on_a_phone_and_a_desktop(invoicing: Any, world: World) -> None:
    """Debian's Chromium (Playwright) against the service over HTTP: the page renders with its stylesheet under
    the CSP (no console error), fits a phone without scrolling sideways, has a language and the PDF link
    downloads the PDF. Screenshots in artifacts/screenshots/portal-invoices/."""
    await _when_rendered(invoicing, world.october["invoice_id"])
    minted = page_session_cookie(email=APPROVER, now=invoicing.app.state.clock.now(), company_id=world.company)
    errors: list[str] = []
    port = free_port()
    # The app already runs (lifespan: pool, consumers, worker); uvicorn only serves it over HTTP.
    server = uvicorn.Server(uvicorn.Config(invoicing.app, host="127.0.0.1", port=port, lifespan="off", log_config=None))
    serving = asyncio.create_task(server.serve())
    url = f"http://127.0.0.1:{port}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        await wait_until(lambda: _started(server), what="uvicorn serving invoicing")
        async with async_playwright() as playwright:
            browser = await launch_chromium(playwright)
            try:
                for name, viewport in VIEWPORTS.items():
                    context = await browser.new_context(viewport=viewport, accept_downloads=True)
                    cookie = {"name": COOKIE_NAME, "value": minted.token, "url": f"{url}/", "httpOnly": True}
                    await context.add_cookies([cookie])  # type: ignore[list-item]
                    page = await context.new_page()
                    # A CSP refusal is a console error ("Refused to ..."); a resource of the page that fails is a
                    # response >= 400 (the browser's own favicon request is neither the page's nor ours).
                    page.on(
                        "console",
                        lambda m: (
                            errors.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None
                        ),
                    )
                    page.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
                    await page.goto(f"{url}/portal/invoices")
                    await expect(page.locator("h1")).to_have_text("Fakturaer")
                    await expect(page.locator("table.invoices tbody tr")).to_have_count(2)
                    header = await page.evaluate(
                        "() => getComputedStyle(document.querySelector('.site-header')).backgroundColor"
                    )
                    assert header not in ("rgba(0, 0, 0, 0)", "transparent"), "the stylesheet did not apply"
                    fits = await page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
                    assert fits, f"the page scrolls sideways on the {name}"
                    assert await page.evaluate("() => document.documentElement.lang") == "da"
                    await page.screenshot(path=str(SCREENSHOTS / f"invoices-{name}.png"), full_page=True)
                    async with page.expect_download() as download_info:
                        await page.locator(f'a[href="/portal/invoices/{world.october["invoice_id"]}/pdf"]').click()
                    download = await download_info.value
                    assert download.suggested_filename == f"faktura-{world.october['number']}.pdf"
                    assert (await download.path()).read_bytes().startswith(b"%PDF")
                    await page.goto(f"{url}/portal/invoices?lang=en")
                    await expect(page.locator("h1")).to_have_text("Invoices")
                    await context.close()
                assert errors == [], errors
            finally:
                await browser.close()
    finally:
        server.should_exit = True
        await serving


async def _started(server: uvicorn.Server) -> bool:
    return server.started


async def test_a_municipality_users_session_gets_only_the_no_access_page_even_with_an_approvers_address(
    invoicing: Any, world: World
) -> None:
    """Issue 12: municipality users log in through the same identity. Their session (role ``municipality``)
    opens nothing of the company portal's Invoices page, even when the address also approves for the company
    or the token names the company: the no-access page (403) and nothing of the invoices."""
    for claims in (
        {"role": Role.MUNICIPALITY, "municipality_id": uuid.uuid4()},  # the approver's own address
        {"role": Role.MUNICIPALITY, "municipality_id": uuid.uuid4(), "company_id": world.company},
    ):
        async with _other_browser(invoicing) as browser:
            _log_in(invoicing, browser, **claims)
            for path in (LIST, f"{LIST}?page=1", f"/portal/invoices/{world.october['invoice_id']}/pdf"):
                refused = await browser.get(path)
                assert refused.status_code == 403, (claims, path)
                assert_page_headers(refused)
                assert refused.headers["content-type"].startswith("text/html")
                assert "Ingen adgang" in refused.text
                text = visible_text(refused.text)
                for document in (world.october, world.credit, world.other):
                    assert document["number"] not in text
                assert "Bager" not in text
