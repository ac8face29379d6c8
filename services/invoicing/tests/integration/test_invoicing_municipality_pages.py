"""The municipality's pages (issue 12), served by invoicing under ``/municipality``: its issued statements (list,
one statement with its lines, PDF / CSV / Peppol XML downloads) in Danish and English, and who may see them.

Over the real PostgreSQL: statements are inserted as drafts and updated to issued with every issue column, as
issuing does (the way the statement documents tests seed them); a municipality user logs in with a page session
minted with the development key, as the identity owner's login would. The authorization matrix covers every route:
another municipality's user, a company approver and an anonymous visitor get 404 / 403 / 303 and see nothing.
(The progress page's figures are tested in ``test_invoicing_municipality_progress_page.py``.)"""

from __future__ import annotations

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
import pytest
from fastapi import FastAPI
from playwright.async_api import async_playwright, expect

from invoicing.app import MIGRATIONS, create_app
from invoicing.config import InvoicingSettings
from invoicing.ledger.endpoints import seller_of
from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.events.placement import PageSessionEnded
from vikar_shared.identity.tokens import COOKIE_NAME
from vikar_shared.testing.browser import VIEWPORTS, assert_usable, launch_chromium
from vikar_shared.testing.identity import MintedPageSession, page_session_cookie
from vikar_shared.testing.pages import assert_page_headers, serving, visible_text, watch
from vikar_shared.testing.plugin import publish_events, serve_in_process, wait_until

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000b1")
HJORRING = uuid.UUID("00000000-0000-4000-8000-0000000000b2")
USER = "jobcenter@aalborg.dk"
TODAY = date(2026, 12, 10)
LIST = "/municipality/statements"
SELLER = asdict(seller_of(InvoicingSettings()))
# Lines: (citizen reference, rate øre/h, minutes, amount øre). VAT 25 % on top (rate excludes VAT).
OCTOBER_LINES = [("SAG-2026-0042", 12_000, 90, 18_000), ("SAG-2026-0077", 12_000, 600, 120_000)]
NOVEMBER_LINES = [("SAG-2026-0042", 12_000, 30, 6_000)]
CORRECTION_LINES = [("SAG-2026-0077", 12_000, 60, 12_000)]
SCREENSHOTS = Path(__file__).resolve().parents[4] / "artifacts" / "screenshots" / "municipality-pages"


@dataclass
class Site:
    app: FastAPI
    client: httpx.AsyncClient
    pool: asyncpg.Pool
    kafka: str
    namespace: str

    def browser(self) -> httpx.AsyncClient:
        """Another browser (its own cookie jar) against the same app."""
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://testserver")

    def log_in(self, browser: httpx.AsyncClient, **claims: Any) -> MintedPageSession:
        """Puts a page session in ``browser``'s cookie jar as the identity owner's login would: a municipality
        user of Aalborg unless ``claims`` say otherwise."""
        defaults: dict[str, Any] = {
            "email": USER,
            "now": self.app.state.clock.now(),
            "role": Role.MUNICIPALITY,
            "municipality_id": AALBORG,
        }
        minted = page_session_cookie(**{**defaults, **claims})
        browser.cookies.set(COOKIE_NAME, minted.token, path="/")
        return minted


@dataclass
class World:
    october: uuid.UUID
    november: uuid.UUID
    correction: uuid.UUID
    draft: uuid.UUID
    other: uuid.UUID


@pytest.fixture
async def site(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str
) -> AsyncIterator[Site]:
    """The invoicing service whose statement document job sleeps for an hour (the tests store documents
    themselves)."""
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
        app.state.clock = FixedClock.on(TODAY)
        yield Site(app, client, app.state.pool, kafka, kafka_namespace)


async def _terms(pool: asyncpg.Pool, municipality_id: uuid.UUID, name: str) -> uuid.UUID:
    terms_id = uuid.uuid4()
    await pool.execute(
        """insert into municipality_terms (terms_id, municipality_id, municipality_name, effective_from,
               co_financing_rate_ore_per_hour, eligibility_threshold_weeks, target_unique_citizens, ean,
               statement_period, citizen_reference, rate_excludes_vat, vat_category, payment_means_code, payee_iban)
           values ($1, $2, $3, '2026-01-01', 12000, 52, 25, '5798000000001', 'monthly', 'case_number', true, 'S', '58',
                   'DK5000400440116243')""",
        terms_id,
        municipality_id,
        name,
    )
    return terms_id


async def _seed(
    pool: asyncpg.Pool,
    terms_id: uuid.UUID,
    municipality_id: uuid.UUID,
    month: tuple[date, date],
    lines: list[tuple[str, int, int, int]],
    *,
    issued: tuple[str, date] | None,
    corrects: uuid.UUID | None = None,
    vat: tuple[str, int, str | None] = ("S", 25, None),
) -> uuid.UUID:
    """A statement of ``month`` with ``lines``, issued as ``issued`` (number, issue date) unless None: inserted as
    a draft, then updated to issued with the frozen parties, VAT 25 % on top and the total."""
    statement_id = uuid.uuid4()
    net = sum(amount for *_, amount in lines)
    minutes = sum(m for _, _, m, _ in lines)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            """insert into statements (statement_id, municipality_id, document_type, corrects_statement_id, status,
                   period_kind, period_start, period_end, terms_id, net_ore, total_minutes, unique_citizens,
                   unique_citizens_to_date, target_unique_citizens)
               values ($1, $2, $3, $4, 'draft', 'monthly', $5, $6, $7, $8, $9, $10, 2, 25)""",
            statement_id,
            municipality_id,
            "statement" if corrects is None else "correction_statement",
            corrects,
            *month,
            terms_id,
            net,
            minutes,
            len(lines),
        )
        await conn.executemany(
            """insert into statement_lines (statement_id, position, citizen_id, citizen_reference, rate_ore_per_hour,
                   minutes, amount_ore, late, first_work_date, last_work_date)
               values ($1, $2, $3, $4, $5, $6, $7, false, $8, $8)""",
            [(statement_id, p, uuid.uuid4(), *line, month[0]) for p, line in enumerate(lines, start=1)],
        )
    if issued is not None:
        number, issue_date = issued
        buyer = {"municipality_id": str(municipality_id), "name": "Aalborg Kommune", "ean": "5798000000001"}
        await pool.execute(
            """update statements set status = 'issued', number = $2, issue_date = $3::date, due_date = $3::date + 30,
                   issued_at = $4, issued_by = 'finance@fokus.dk', vat_category = $10, vat_rate_percent = $11,
                   vat_exemption_reason = $12, rate_excludes_vat = true, vat_ore = $5, total_ore = $6,
                   seller = $7::jsonb, buyer = $8::jsonb, payment_means = $9::jsonb
               where statement_id = $1""",
            statement_id,
            number,
            issue_date,
            datetime.combine(issue_date, datetime.min.time(), tzinfo=UTC),
            net * vat[1] // 100,
            net + net * vat[1] // 100,
            SELLER,
            {**buyer, "person_reference": None},
            {"code": "58", "iban": "DK5000400440116243", "bank_registration": None, "bank_account": None},
            *vat,
        )
    return statement_id


@pytest.fixture
async def world(site: Site) -> World:
    """Aalborg: October 2026 (S-2026-000001, issued 5 November: 690 min, net 138 000, VAT 34 500, total 172 500),
    November (S-2026-000003, issued 4 December: 30 min, total 7 500), a correction of October (S-2026-000004,
    issued 6 December: 60 min, total 15 000) and a draft of December; Hjørring: its own October (S-2026-000002)."""
    aalborg = await _terms(site.pool, AALBORG, "Aalborg Kommune")
    hjorring = await _terms(site.pool, HJORRING, "Hjørring Kommune")
    october = (date(2026, 10, 1), date(2026, 10, 31))
    november = (date(2026, 11, 1), date(2026, 11, 30))
    first = await _seed(
        site.pool, aalborg, AALBORG, october, OCTOBER_LINES, issued=("S-2026-000001", date(2026, 11, 5))
    )
    other = await _seed(
        site.pool,
        hjorring,
        HJORRING,
        october,
        [("HJ-0001", 12_000, 45, 9_000)],
        issued=("S-2026-000002", date(2026, 11, 5)),
    )
    second = await _seed(
        site.pool, aalborg, AALBORG, november, NOVEMBER_LINES, issued=("S-2026-000003", date(2026, 12, 4))
    )
    correction = await _seed(
        site.pool,
        aalborg,
        AALBORG,
        october,
        CORRECTION_LINES,
        issued=("S-2026-000004", date(2026, 12, 6)),
        corrects=first,
    )
    draft = await _seed(
        site.pool, aalborg, AALBORG, (date(2026, 12, 1), date(2026, 12, 31)), NOVEMBER_LINES, issued=None
    )
    return World(first, second, correction, draft, other)


# --- the list ---------------------------------------------------------------------------------------------------


async def test_the_user_sees_the_municipalitys_issued_statements_newest_first_in_danish(
    site: Site, world: World
) -> None:
    async with site.browser() as browser:
        site.log_in(browser)
        page = await browser.get(LIST)
    assert page.status_code == 200, page.text
    assert_page_headers(page)
    text = visible_text(page.text)
    assert '<html lang="da">' in page.text
    assert re.findall(r"S-2026-\d{6}", text) == ["S-2026-000004", "S-2026-000003", "S-2026-000001"], (
        "newest first; Hjørring's and the draft never listed"
    )
    assert "S-2026-000004 Korrektion oktober 2026 6. december 2026 1:00 150,00 kr. 1" in text
    assert "S-2026-000003 Opgørelse november 2026 4. december 2026 0:30 75,00 kr. 1" in text
    assert "S-2026-000001 Opgørelse oktober 2026 5. november 2026 11:30 1.725,00 kr. 2" in text
    for statement_id in (world.october, world.november, world.correction):
        for suffix in ("", "/pdf", "/csv", "/xml"):
            assert f'href="/municipality/statements/{statement_id}{suffix}"' in page.text
    assert str(world.draft) not in page.text and str(world.other) not in page.text
    # The navigation, the logout button with the session's CSRF value, the phone's card labels.
    assert 'href="/municipality/progress"' in page.text and 'aria-current="page">Opgørelser' in page.text
    assert 'action="/auth/logout"' in page.text
    assert 'data-label="Beløb"' in page.text
    assert 'href="/municipality/static/vikar.css"' in page.text


async def test_the_list_in_english_and_its_pages(site: Site, world: World) -> None:
    async with site.browser() as browser:
        site.log_in(browser)
        page = await browser.get(f"{LIST}?lang=en")
        assert page.status_code == 200
        text = visible_text(page.text)
        assert '<html lang="en">' in page.text
        assert "S-2026-000004 Correction October 2026 6 December 2026 1:00 DKK 150.00 1" in text
        assert "S-2026-000001 Statement October 2026 5 November 2026 11:30 DKK 1,725.00 2" in text
        # The choice is remembered for the session (the one language cookie).
        again = await browser.get(LIST)
        assert '<html lang="en">' in again.text
        empty = await browser.get(f"{LIST}?page=2&lang=da")
        assert empty.status_code == 200 and "Der er ingen opgørelser på side 2." in visible_text(empty.text)
        for bad in ("0", "x", "-1", "1000001"):
            refused = await browser.get(f"{LIST}?page={bad}")
            assert refused.status_code == 422, bad
            assert "Ugyldigt sidenummer" in refused.text


# --- one statement ------------------------------------------------------------------------------------------------


async def test_one_statement_shows_its_lines_and_totals(site: Site, world: World) -> None:
    async with site.browser() as browser:
        site.log_in(browser)
        page = await browser.get(f"{LIST}/{world.october}")
        english = await browser.get(f"{LIST}/{world.correction}?lang=en")
    assert page.status_code == 200, page.text
    assert_page_headers(page)
    text = visible_text(page.text)
    assert "Opgørelse S-2026-000001" in text and "Aalborg Kommune · oktober 2026" in text
    # A line worked on one day shows that day (main's 3bd3bd7), not a range from it to itself.
    assert "SAG-2026-0042 1. oktober 2026 1:30 120,00 kr. 180,00 kr." in text
    assert "SAG-2026-0077 1. oktober 2026 10:00 120,00 kr. 1.200,00 kr." in text
    assert "Beløb ekskl. moms 1.380,00 kr. Moms (25 %) 345,00 kr. I alt 1.725,00 kr." in text
    assert "Udstedt 5. november 2026" in text and "Forfald 5. december 2026" in text
    assert "Timer i alt 11:30" in text and "Mål 25" in text
    assert english.status_code == 200
    english_text = visible_text(english.text)
    assert "Correction S-2026-000004" in english_text and "Corrects statement S-2026-000001" in english_text
    assert "Amount excluding VAT DKK 120.00 VAT (25 %) DKK 30.00 Total DKK 150.00" in english_text


@pytest.mark.parametrize(
    ("category", "reason", "danish", "english"),
    [
        (
            "O",
            "Tilskud uden for momsloven",
            "Uden for momsens anvendelsesområde: Tilskud uden for momsloven",
            "Outside the scope of VAT: Tilskud uden for momsloven",
        ),
        ("E", "Momsloven § 13", "Momsfritaget: Momsloven § 13", "Exempt from VAT: Momsloven § 13"),
    ],
)
async def test_a_statement_outside_the_scope_of_vat_or_exempt_says_so_as_its_pdf_does(
    site: Site, category: str, reason: str, danish: str, english: str
) -> None:
    terms = await _terms(site.pool, AALBORG, "Aalborg Kommune")
    october = (date(2026, 10, 1), date(2026, 10, 31))
    statement_id = await _seed(
        site.pool,
        terms,
        AALBORG,
        october,
        OCTOBER_LINES,
        issued=("S-2026-000001", date(2026, 11, 5)),
        vat=(category, 0, reason),
    )
    async with site.browser() as browser:
        site.log_in(browser)
        page = await browser.get(f"{LIST}/{statement_id}")
        english_page = await browser.get(f"{LIST}/{statement_id}?lang=en")
        listed = await browser.get(f"{LIST}?lang=da")
        pdf = await browser.get(f"{LIST}/{statement_id}/pdf")
    assert page.status_code == 200, page.text
    text = visible_text(page.text)
    assert f"Beløb ekskl. moms 1.380,00 kr. {danish} 0,00 kr. I alt 1.380,00 kr." in text
    assert "Moms (0 %)" not in text and "0 %" not in text
    english_text = visible_text(english_page.text)
    assert f"Amount excluding VAT DKK 1,380.00 {english} DKK 0.00 Total DKK 1,380.00" in english_text
    assert "VAT (0 %)" not in english_text
    listed_text = visible_text(listed.text)
    assert "Moms" not in listed_text and "S-2026-000001 Opgørelse oktober 2026 5. november 2026 11:30 1.380,00 kr." in (
        listed_text
    ), listed_text
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


async def test_another_municipalitys_statement_a_draft_an_unknown_or_malformed_id_are_the_same_404(
    site: Site, world: World
) -> None:
    paths = [str(world.other), str(world.draft), str(uuid.uuid4()), "not-a-uuid"]
    async with site.browser() as browser:
        site.log_in(browser)
        answers = [await browser.get(f"{LIST}/{p}{suffix}") for p in paths for suffix in ("", "/pdf", "/csv", "/xml")]
    bodies = set()
    for answer in answers:
        assert answer.status_code == 404, answer.url
        assert_page_headers(answer)
        assert answer.headers["content-type"].startswith("text/html")
        assert "S-2026-000002" not in answer.text and "HJ-0001" not in answer.text
        bodies.add(visible_text(answer.text))
    assert len(bodies) == 1, "nothing tells them apart"
    assert "Opgørelsen findes ikke, eller du har ikke adgang til den." in bodies.pop()


# --- downloads ----------------------------------------------------------------------------------------------------


async def test_the_documents_download_with_their_numbers_as_filenames(site: Site, world: World) -> None:
    async with site.browser() as browser:
        site.log_in(browser)
        pdf = await browser.get(f"{LIST}/{world.october}/pdf")
        assert pdf.status_code == 200, pdf.text
        assert pdf.headers["content-type"] == "application/pdf"
        assert (
            pdf.headers["content-disposition"] == 'attachment; filename="medfinansieringsopgoerelse-S-2026-000001.pdf"'
        )
        assert pdf.content.startswith(b"%PDF-")
        assert_page_headers(pdf)
        api_pdf = await site.client.get(f"/statements/{world.october}/statement.pdf", headers=_bearer_of(AALBORG))
        assert api_pdf.content == pdf.content, "the same bytes as the documents API"

        sheet = await browser.get(f"{LIST}/{world.correction}/csv")
        assert sheet.status_code == 200
        assert sheet.headers["content-type"] == "text/csv; charset=utf-8"
        assert sheet.headers["content-disposition"] == 'attachment; filename="korrektion-S-2026-000004.csv"'
        rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig")), delimiter=";"))
        assert any("SAG-2026-0077" in row and "60" in row and "12000" in row for row in rows[1:]), rows

        pending = await browser.get(f"{LIST}/{world.november}/xml")
        assert pending.status_code == 404
        assert pending.headers["retry-after"] == "5"
        assert "Dokumentet er ikke klar endnu" in pending.text
        assert_page_headers(pending)

        xml = b'<?xml version="1.0" encoding="UTF-8"?><Invoice>S-2026-000003</Invoice>'
        await site.pool.execute(
            """insert into statement_documents (statement_id, media_type, content, sha256, size_bytes, renderer)
               values ($1, 'application/xml', $2, $3, $4, 'test')""",
            world.november,
            xml,
            hashlib.sha256(xml).digest(),
            len(xml),
        )
        ready = await browser.get(f"{LIST}/{world.november}/xml")
    assert ready.status_code == 200
    assert ready.headers["content-type"] == "application/xml"
    assert ready.headers["content-disposition"] == 'attachment; filename="medfinansieringsopgoerelse-S-2026-000003.xml"'
    assert ready.headers["etag"] == f'"{hashlib.sha256(xml).hexdigest()}"'
    assert ready.content == xml


def _bearer_of(municipality_id: uuid.UUID) -> dict[str, str]:
    from vikar_shared.testing.plugin import bearer

    return bearer(Role.MUNICIPALITY, municipality_id=municipality_id)


# --- who ----------------------------------------------------------------------------------------------------------


def _routes(world: World) -> list[str]:
    one = f"{LIST}/{world.october}"
    return ["/municipality/progress", LIST, one, f"{one}/pdf", f"{one}/csv", f"{one}/xml"]


async def test_anonymous_visitors_go_to_login_and_see_nothing(site: Site, world: World) -> None:
    async with site.browser() as anonymous:
        for path in _routes(world):
            answer = await anonymous.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/auth/login?next=%2Fmunicipality%2F"), path
            assert "S-2026" not in answer.text
        forged = page_session_cookie(
            email=USER,
            now=site.app.state.clock.now(),
            role=Role.MUNICIPALITY,
            municipality_id=AALBORG,
            private_key_pem=_other_key(),
            key_id="dev",
        )
        anonymous.cookies.set(COOKIE_NAME, forged.token, path="/")
        refused = await anonymous.get(LIST)
        assert (
            refused.status_code == 303
            and refused.headers["location"] == "/auth/login?next=%2Fmunicipality%2Fstatements"
        )


def _other_key() -> str:
    from vikar_shared.testing.identity import own_identity_keys

    return own_identity_keys("other").private_pem


async def test_other_roles_get_the_no_access_page_on_every_route(site: Site, world: World) -> None:
    for claims in (
        {"role": Role.COMPANY_APPROVER, "municipality_id": None, "company_id": uuid.uuid4(), "email": "chef@bager.dk"},
        {"role": Role.CONSULTANT, "municipality_id": None, "email": "konsulent@fokus.dk"},
        {"role": Role.MUNICIPALITY, "municipality_id": None, "email": "ukendt@aalborg.dk"},
    ):
        async with site.browser() as browser:
            site.log_in(browser, **claims)
            for path in _routes(world):
                refused = await browser.get(path)
                assert refused.status_code == 403, (claims, path)
                assert_page_headers(refused)
                assert "Ingen adgang" in refused.text
                assert "S-2026" not in refused.text and "SAG-2026" not in refused.text
                assert 'href="/auth/login?next=%2Fmunicipality%2Fprogress"' in refused.text


async def test_another_municipalitys_user_sees_only_its_own(site: Site, world: World) -> None:
    async with site.browser() as browser:
        site.log_in(browser, email="jobcenter@hjoerring.dk", municipality_id=HJORRING)
        listed = await browser.get(LIST)
        assert re.findall(r"S-2026-\d{6}", visible_text(listed.text)) == ["S-2026-000002"]
        for path in _routes(world)[2:]:
            hidden = await browser.get(path)
            assert hidden.status_code == 404, path
            assert "SAG-2026" not in hidden.text and "S-2026-000001" not in hidden.text
        own = await browser.get(f"{LIST}/{world.other}")
        assert own.status_code == 200 and "HJ-0001" in own.text


async def test_an_ended_session_goes_back_to_login(site: Site, world: World) -> None:
    async with site.browser() as browser:
        minted = site.log_in(browser)
        assert (await browser.get(LIST)).status_code == 200
        ended = PageSessionEnded(
            session_id=minted.session.session_id,
            email=USER,
            reason="access-removed",
            ended_at=site.app.state.clock.now(),
            not_after=minted.session.expires_at,
        )
        await publish_events(site.kafka, site.namespace, [(ended, ended.session_id)])

        async def refused() -> bool:
            return (await browser.get(LIST)).status_code == 303

        await wait_until(refused, what="invoicing refusing the ended page session", timeout=20)
        gone = await browser.get(LIST)
        assert gone.headers["location"] == "/auth/login?next=%2Fmunicipality%2Fstatements"


# --- the site -----------------------------------------------------------------------------------------------------


async def test_the_prefix_leads_to_progress_and_serves_the_stylesheet_and_its_own_error_pages(site: Site) -> None:
    for path in ("/municipality", "/municipality/"):
        answer = await site.client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/municipality/progress"
    css = await site.client.get("/municipality/static/vikar.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "figure.chart svg" in css.text and "table.cards" in css.text
    missing = await site.client.get("/municipality/nothing-here?lang=en")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "Page not found" in missing.text and 'href="/municipality/progress"' in missing.text
    posted = await site.client.post(LIST)
    assert posted.status_code == 405 and "Siden kan ikke bruges sådan" in posted.text
    api = await site.client.get("/statements/not-a-uuid")
    assert api.headers["content-type"].startswith("application/problem+json"), "the API keeps its problems"


async def test_a_date_that_is_not_yyyy_mm_dd_is_a_422_page_saying_so(site: Site) -> None:
    async with site.browser() as browser:
        site.log_in(browser)
        for bad in ("2026-02-30", "10-12-2026", "yesterday"):
            refused = await browser.get(f"/municipality/progress?as_of={bad}")
            assert refused.status_code == 422, bad
            assert_page_headers(refused)
            text = visible_text(refused.text)
            assert "Ugyldig dato" in text and "ÅÅÅÅ-MM-DD" in text
        english = await browser.get("/municipality/progress?as_of=2026-13-01&lang=en")
        assert english.status_code == 422 and "must be written YYYY-MM-DD" in english.text
        # The API's parser and rules (vikar_shared.types.periods): a year outside 2000..2100 is date-out-of-range.
        for far in ("0001-01-01", "1999-12-31", "2101-01-01"):
            refused = await browser.get(f"/municipality/progress?as_of={far}&lang=en")
            assert refused.status_code == 422, far
            text = visible_text(refused.text)
            assert "must lie from 2000-01-01 to 2100-12-31 (date-out-of-range)" in text, far
            assert "January 1" not in text and "hours-bar-" not in refused.text


async def test_the_statement_pages_in_a_real_browser_on_a_phone_and_a_desktop(site: Site, world: World) -> None:
    """Debian's Chromium (Playwright) over HTTP: the list and one statement render with the stylesheet under the CSP
    (no console error), fit a phone without scrolling sideways, and the CSV link downloads the file by its number.
    Screenshots in artifacts/screenshots/municipality-pages/."""
    minted = page_session_cookie(
        email=USER, now=site.app.state.clock.now(), role=Role.MUNICIPALITY, municipality_id=AALBORG
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with serving(site.app) as url, async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        for name, viewport in VIEWPORTS.items():
            context = await browser.new_context(viewport=viewport, accept_downloads=True)
            cookie = {"name": COOKIE_NAME, "value": minted.token, "url": f"{url}/", "httpOnly": True}
            await context.add_cookies([cookie])  # type: ignore[list-item]
            page = await context.new_page()
            errors = watch(page)
            await page.goto(f"{url}{LIST}")
            await expect(page.locator("h1")).to_have_text("Opgørelser")
            await expect(page.locator("table.statements tbody tr")).to_have_count(3)
            await assert_usable(page)
            await page.screenshot(path=str(SCREENSHOTS / f"statements-{name}.png"), full_page=True)
            async with page.expect_download() as download_info:
                await page.locator(f'a[href="{LIST}/{world.correction}/csv"]').click()
            download = await download_info.value
            assert download.suggested_filename == "korrektion-S-2026-000004.csv"
            await page.locator(f'a[href="{LIST}/{world.october}"]').first.click()
            await expect(page.locator("h1")).to_have_text("Opgørelse S-2026-000001")
            await expect(page.locator("table.lines tbody tr")).to_have_count(2)
            await assert_usable(page)
            await page.screenshot(path=str(SCREENSHOTS / f"statement-{name}.png"), full_page=True)
            await context.close()
            assert errors == [], errors
        await browser.close()
