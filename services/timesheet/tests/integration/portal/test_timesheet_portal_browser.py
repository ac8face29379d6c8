"""The portal in a real browser (Debian's headless Chromium driven by Playwright) against the timesheet
service served by uvicorn, with its consumers and relay on real Kafka and PostgreSQL.

An approver arrives with a page session (the ``vikar_session`` cookie the identity owner sets at
``/auth/login/{token}``; minted here with the development key, since logging in is placement's and
tested there), approves one entry (with the keyboard), approves a week, rejects an entry with a reason,
reads the history, fails to reach another company's entry, switches to English and logs out at the
owner (``/auth/``, answered here by a stand-in route). Every page is saved under
artifacts/screenshots/portal/, on a desktop and a phone screen."""

from __future__ import annotations

import asyncio
import re
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
import uvicorn
from playwright.async_api import Route, async_playwright, expect

from timesheet.app import MIGRATIONS, create_app
from timesheet.config import TimesheetSettings
from vikar_shared.auth.principal import Role
from vikar_shared.clock import SYSTEM_CLOCK
from vikar_shared.events.placement import Approver, CompanyRegistered, PlacementCreated
from vikar_shared.identity.tokens import COOKIE_NAME, MAX_ACCESS_LIFETIME
from vikar_shared.testing.browser import DESKTOP, PHONE, Screenshots, assert_usable, launch_chromium
from vikar_shared.testing.identity import MintedPageSession, page_session_cookie
from vikar_shared.testing.plugin import bearer, publish_events, wait_until


def _today() -> date:
    return datetime.now(ZoneInfo("Europe/Copenhagen")).date()


def _placement(company_id: uuid.UUID, citizen_name: str) -> PlacementCreated:
    return PlacementCreated(
        placement_id=uuid.uuid4(),
        citizen_id=uuid.uuid4(),
        citizen_name=citizen_name,
        referral_id=uuid.uuid4(),
        municipality_id=uuid.uuid4(),
        co_financing_eligible=True,
        company_id=company_id,
        start_date=_today() - timedelta(days=60),
        end_date=None,
        bill_rate_ore_per_hour=15_500,
        status="active",
    )


@dataclass
class System:
    url: str
    pool: asyncpg.Pool
    approver: str
    company_id: uuid.UUID
    ida: PlacementCreated
    omar: PlacementCreated
    foreign: PlacementCreated


@pytest.fixture
async def system(
    make_database: Callable[[str, Path], Awaitable[str]], kafka: str, kafka_namespace: str
) -> AsyncIterator[System]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    timesheet = create_app(
        TimesheetSettings(
            database_url=await make_database("timesheet", MIGRATIONS),
            kafka_bootstrap=kafka,
            kafka_namespace=kafka_namespace,
            consumer_retry_backoff_seconds=0.01,
        )
    )
    server = uvicorn.Server(uvicorn.Config(timesheet, log_level="warning", lifespan="on"))
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        await wait_until(lambda: _started(server), what="uvicorn serving the timesheet service")
        company_id = uuid.uuid4()
        approver = f"bo-{uuid.uuid4().hex[:10]}@bager.example"
        ida, omar = _placement(company_id, "Ida Jensen"), _placement(company_id, "Omar Ali")
        foreign = _placement(uuid.uuid4(), "Sara Holm")
        company = CompanyRegistered(
            company_id=company_id,
            name="Bager Hansen ApS",
            cvr="12345674",
            approvers=[Approver(email=approver, name="Bo Hansen")],
        )
        events = [(company, company_id), *((p, p.placement_id) for p in (ida, omar, foreign))]
        await publish_events(kafka, kafka_namespace, events)
        pool: asyncpg.Pool = timesheet.state.pool

        async def known() -> bool:
            placements = await pool.fetchval("select count(*) from placements")
            approvers = await pool.fetchval("select count(*) from company_approvers")
            return bool(placements == 3 and approvers == 1)

        await wait_until(known, what="placements and approvers in the read models")
        yield System(url, pool, approver, company_id, ida, omar, foreign)
    finally:
        server.should_exit = True
        await serving


async def _started(server: uvicorn.Server) -> bool:
    return server.started


async def _submit(system: System, placement: PlacementCreated, work_date: date, minutes: int) -> str:
    async with httpx.AsyncClient(base_url=system.url) as client:
        response = await client.post(
            f"/placements/{placement.placement_id}/entries",
            json={"entries": [{"work_date": work_date.isoformat(), "minutes": minutes}]},
            headers=bearer(Role.CONSULTANT, sub="anna.consultant"),
        )
    assert response.status_code == 201, response.text
    return str(response.json()["entries"][0]["id"])


def _session(system: System) -> MintedPageSession:
    """The approver's page session, as the owner mints it (longest life: the test runs on the real clock)."""
    return page_session_cookie(
        email=system.approver, company_id=system.company_id, now=SYSTEM_CLOCK.now(), lifetime=MAX_ACCESS_LIFETIME
    )


def _cookie(system: System, session: MintedPageSession) -> Any:
    return {
        "name": COOKIE_NAME,
        "value": session.token,
        "url": f"{system.url}/",
        "httpOnly": True,
        "sameSite": "Lax",
    }


async def _status(system: System, entry_id: str) -> str:
    status: str = await system.pool.fetchval("select status from entries where id = $1", uuid.UUID(entry_id))
    return status


async def test_an_approver_with_a_page_session_decides_hours_in_a_real_browser(
    system: System, pytestconfig: pytest.Config
) -> None:
    s = system
    this_monday = _today() - timedelta(days=_today().weekday())
    week_a, week_b = this_monday - timedelta(days=14), this_monday - timedelta(days=7)
    ida_monday = await _submit(s, s.ida, week_a, 240)
    ida_tuesday = await _submit(s, s.ida, week_a + timedelta(days=1), 90)
    omar_wednesday = await _submit(s, s.omar, week_a + timedelta(days=2), 120)
    ida_thursday = await _submit(s, s.ida, week_b + timedelta(days=3), 180)
    omar_friday = await _submit(s, s.omar, week_b + timedelta(days=4), 45)
    foreign = await _submit(s, s.foreign, week_a, 240)
    week_a_number = week_a.isocalendar().week
    shots = Screenshots(pytestconfig.rootpath / "artifacts" / "screenshots" / "portal")

    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        desktop = await browser.new_context(viewport=DESKTOP, locale="da-DK")
        page = await desktop.new_page()
        page.set_default_timeout(15_000)

        # Arriving from the identity owner's login with the session cookie it set (Path=/, HttpOnly, Lax).
        session = _session(s)
        await desktop.add_cookies([_cookie(s, session)])
        await page.goto(f"{s.url}/portal/pending")
        await expect(page).to_have_url(f"{s.url}/portal/pending")
        await expect(page.get_by_role("heading", name="Timer til godkendelse")).to_be_visible()
        await expect(page.get_by_text("5 registreringer venter, i alt 11:15 timer.")).to_be_visible()
        await expect(page.get_by_text("Bager Hansen ApS")).to_be_visible()
        week_a_section = page.get_by_role("region", name=re.compile(f"^Uge {week_a_number},"))
        await expect(week_a_section.get_by_text("Ida Jensen i alt")).to_be_visible()
        await expect(week_a_section.get_by_role("row", name=re.compile("Ida Jensen i alt 5:30"))).to_be_visible()
        await expect(week_a_section.locator(".week-total")).to_have_text(f"Uge {week_a_number} i alt: 7:30")
        await assert_usable(page)
        await shots.take(page, "pending")

        # The same pages on a phone, with the same session.
        phone = await browser.new_context(viewport=PHONE, storage_state=await desktop.storage_state(), is_mobile=True)
        phone_page = await phone.new_page()
        await phone_page.goto(f"{s.url}/portal/pending")
        await expect(phone_page.get_by_role("heading", name="Timer til godkendelse")).to_be_visible()
        await assert_usable(phone_page)
        await shots.take(phone_page, "pending-phone")

        # Approve one entry with the keyboard.
        approve_monday = page.get_by_role("button", name=re.compile(r"^Godkend 4:00 timer, Ida Jensen"))
        await approve_monday.focus()
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("status")).to_contain_text("Godkendt: 4:00 timer for Ida Jensen")
        await shots.take(page, "approved-one")
        assert await _status(s, ida_monday) == "approved"
        assert await _status(s, ida_tuesday) == "submitted"

        # Approve the rest of week A in one go.
        await page.get_by_role("button", name=f"Godkend uge {week_a_number} (3:30 timer)").click()
        await expect(page.get_by_role("status")).to_contain_text("2 registreringer er godkendt.")
        await expect(page.get_by_role("region", name=re.compile(f"^Uge {week_a_number},"))).to_have_count(0)
        await shots.take(page, "approved-week")
        assert [await _status(s, e) for e in (ida_tuesday, omar_wednesday)] == ["approved", "approved"]
        assert [await _status(s, e) for e in (ida_thursday, omar_friday)] == ["submitted", "submitted"]

        # Reject one with a reason.
        await page.get_by_role("link", name=re.compile(r"^Afvis 3:00 timer, Ida Jensen")).click()
        await expect(page.get_by_role("heading", name="Afvis timer")).to_be_visible()
        await assert_usable(page)
        await page.get_by_label("Begrundelse (skal udfyldes)").fill("Ida var på kursus den dag")
        await shots.take(page, "reject-form")
        await page.get_by_role("button", name="Afvis timerne").click()
        await expect(page.get_by_role("status")).to_contain_text("Afvist: 3:00 timer for Ida Jensen")
        await expect(page.get_by_text("1 registrering venter, i alt 0:45 timer.")).to_be_visible()
        await shots.take(page, "rejected")
        assert await _status(s, ida_thursday) == "rejected"
        assert (
            await s.pool.fetchval("select rejection_reason from entries where id = $1", uuid.UUID(ida_thursday))
            == "Ida var på kursus den dag"
        )

        # The history of a month that holds week A's hours.
        await page.goto(f"{s.url}/portal/history?month={week_a:%Y-%m}")
        await expect(page.get_by_role("heading", name="Historik", exact=True)).to_be_visible()
        await expect(page.get_by_role("cell", name="Godkendt").first).to_be_visible()
        await assert_usable(page)
        await shots.take(page, "history")
        await phone_page.goto(f"{s.url}/portal/history?month={week_b:%Y-%m}")
        await expect(phone_page.get_by_text("Begrundelse: Ida var på kursus den dag")).to_be_visible()
        await assert_usable(phone_page)
        await shots.take(phone_page, "history-phone")

        # Another company's entry does not exist for this approver.
        response = await page.goto(f"{s.url}/portal/entries/{foreign}/reject")
        assert response is not None and response.status == 404
        await expect(page.get_by_role("heading", name="Ikke fundet")).to_be_visible()
        await expect(page.get_by_text("Sara Holm")).to_have_count(0)
        await shots.take(page, "other-company-not-found")
        assert await _status(s, foreign) == "submitted"

        # English on request, kept while browsing.
        await page.goto(f"{s.url}/portal/pending")
        await page.get_by_role("link", name="English").click()
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(page.get_by_role("heading", name="Hours to approve")).to_be_visible()
        await page.get_by_role("link", name="History").click()
        await expect(page.get_by_role("heading", name="History", exact=True)).to_be_visible()
        await page.get_by_role("link", name="To approve").click()
        await shots.take(page, "pending-english")
        await page.get_by_role("link", name="Dansk").click()

        # The skip link is the first stop for the keyboard.
        await page.keyboard.press("Tab")
        await expect(page.get_by_role("link", name="Spring til indhold")).to_be_focused()

        # Log out at the identity owner (a stand-in answers /auth/ here, as nginx routes it to placement):
        # the button posts the session's CSRF value there; without the cookie the pages send to login.
        posted: list[tuple[str, str]] = []

        async def owner(route: Route) -> None:
            posted.append((route.request.url, route.request.post_data or ""))
            await desktop.clear_cookies()
            await route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>Logget ud</title>")

        await desktop.route(f"{s.url}/auth/**", owner)
        await page.get_by_role("button", name="Log ud").click()
        await expect(page).to_have_title("Logget ud")
        assert posted == [(f"{s.url}/auth/logout", f"csrf_token={session.csrf}")]
        await page.goto(f"{s.url}/portal/pending")
        await expect(page).to_have_url(f"{s.url}/auth/login?next=%2Fportal%2Fpending")
        await browser.close()

    assert all(path.stat().st_size > 5_000 for path in shots.taken)
