"""The municipality's pages in a real browser over the whole system (issue 12): the agency registers a job centre
address for the municipality → its user asks for a login link at ``/auth/login`` on the one origin → the link
arrives in Mailpit → Debian's Chromium (Playwright) opens it, confirms, and lands on the progress page asked for
→ the hours chart has one bar per month of the agreement through ``as_of`` → the statements list, one statement,
and its PDF, CSV and Peppol XML downloads. The same figures as JSON from ``GET /municipalities/{id}/kpis``,
checked against a hand-computed scenario (October 2026). Screenshots at phone and desktop width in
``artifacts/screenshots/municipality/``."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, async_playwright, expect

from e2e.browser import login_links_to, new_login_link
from e2e.slice import CONSULTANT, FINANCE, ok, register_world, submit
from e2e.system import System
from e2e.test_slice_end_to_end import approve_all, entry_ids
from e2e.test_statements_end_to_end import STATED_TERMS
from vikar_shared.auth import Role
from vikar_shared.testing.browser import DESKTOP, PHONE, Screenshots, assert_usable, launch_chromium
from vikar_shared.testing.pages import watch
from vikar_shared.testing.plugin import bearer, wait_until

pytestmark = pytest.mark.e2e

AS_OF = "2026-10-31"
# The agreement's first terms take effect on 1 January 2026 (e2e.slice.register_world): January to October.
MONTHS = [f"2026-{m:02d}" for m in range(1, 11)]


async def _issued_october(system: System) -> tuple[Any, str, str]:
    """A world whose October is stated and issued, with a first day logged, a placement ended and a user
    registered for the municipality; returns the world, the user's address and the statement number."""
    world = await register_world(system)
    user = f"lene-{uuid.uuid4().hex[:8]}@jobcenter.example"
    async with httpx.AsyncClient(base_url=system.url("placement"), timeout=10) as placement:
        mid = world.municipality_id
        ok(
            await placement.put(
                f"/municipalities/{mid}/users", headers=CONSULTANT, json={"email": user, "name": "Lene"}
            ),
            201,
        )
        ok(await placement.post(f"/municipalities/{mid}/terms", headers=FINANCE, json=STATED_TERMS), 201)
        mette = ok(await placement.get(f"/placements/{world.eligible_placement}", headers=CONSULTANT))
        # Mette Jensen's first day at the bakery, the consultant along: 2 October.
        first_day = {"activity_type": "first_day_accompanied", "occurred_on": "2026-10-02"}
        first_day["placement_id"] = world.eligible_placement
        ok(await placement.post(f"/citizens/{mette['citizen_id']}/activities", headers=CONSULTANT, json=first_day), 201)
        # Jonas Berg (not eligible: never co-financed) left on 20 October for another job.
        ended = {"end_date": "2026-10-20", "reason": "other_job"}
        ok(await placement.post(f"/placements/{world.ineligible_placement}/end", headers=CONSULTANT, json=ended))
    # Mette Jensen: 90 min on 9 October at 50 kr./h, 60 min on 22 October at 65 kr./h.
    submitted = await submit(system, world.eligible_placement, [("2026-10-09", 90), ("2026-10-22", 60)])
    await approve_all(system, world, entry_ids(submitted))
    drafted: list[dict[str, Any]] = []
    issued: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=30) as invoicing:

        async def accrued() -> bool:
            params = {"month": "2026-10"}
            r = await invoicing.get(f"/municipalities/{mid}/co-financing-preview", headers=FINANCE, params=params)
            return r.status_code == 200 and r.json()["total_minutes"] == 150

        await wait_until(accrued, what="invoicing to accrue October's 150 co-financed minutes")

        async def run() -> bool:
            answer = ok(await invoicing.post("/statement-runs", headers=FINANCE, json={"through": AS_OF}), 201)
            drafted.extend(s for s in answer["statements"] if s["municipality_id"] == mid)  # type: ignore[union-attr]
            return bool(drafted)

        await wait_until(run, what="October's statement drafted")

        async def issue() -> bool:
            r = await invoicing.post(f"/statements/{drafted[0]['statement_id']}/issue", headers=FINANCE)
            if r.status_code == 409 and r.json()["code"] == "agreement-terms-incomplete":
                return False  # the stated terms travel placement → Kafka → invoicing
            issued.update(ok(r))
            return True

        await wait_until(issue, what="October's statement issued")

        async def stored() -> bool:
            r = await invoicing.get(f"/statements/{issued['statement_id']}/peppol.xml", headers=FINANCE)
            return r.status_code == 200

        await wait_until(stored, what="the statement's Peppol document stored")
    return world, user, str(issued["number"])


async def _figures(system: System, municipality_id: str, headers: dict[str, str]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=30) as invoicing:
        r = await invoicing.get(f"/municipalities/{municipality_id}/kpis", headers=headers, params={"as_of": AS_OF})
    return ok(r)


async def _log_in(page: Page, system: System, user: str, target: str) -> None:
    """As the user would: the page asked for sends to the login form; the link from the mail; its confirm button."""
    known = len(await login_links_to(system, user))
    await page.goto(f"{system.origin}{target}")
    await expect(page).to_have_url(re.compile(re.escape(f"{system.origin}/auth/login?next=")))
    await page.locator("input[name=email]").fill(user)
    await page.locator("form[action='/auth/login'] button[type=submit]").click()
    await expect(page).to_have_url(f"{system.origin}/auth/check-email")
    link = await new_login_link(system, user, known)
    await page.goto(link)
    await page.locator("form button[type=submit]").click()
    await expect(page).to_have_url(f"{system.origin}{target}")


async def _download(page: Page, selector: str, folder: Path) -> bytes:
    async with page.expect_download() as info:
        await page.locator(selector).first.click()
    download = await info.value
    path = folder / download.suggested_filename
    await download.save_as(str(path))
    return path.read_bytes()


async def test_a_municipality_user_logs_in_and_checks_progress_and_statements_in_a_browser(
    system: System, pytestconfig: pytest.Config, tmp_path: Path
) -> None:
    world, user, number = await _issued_october(system)
    mid = world.municipality_id

    # The figures, by hand, as of 31 October 2026:
    # - unique citizens: Mette Jensen (co-financed hours); Jonas Berg was not eligible → 1, target 150 (the terms
    #   in force on 31 October);
    # - co-financed minutes: 90 + 60 = 150, all in October;
    # - placements: both started 1 October; Jonas Berg's ended 20 October (other_job);
    # - retention at 30 days: Mette Jensen's first day (2 Oct, logged) + 30 = 1 Nov is after as_of, not measured;
    #   Jonas Berg's first day is his placement's start (none logged), 1 Oct + 30 = 31 Oct: measured, and in work
    #   (he left for another job) → 1 of 1. At 90 days nobody is measured yet.
    own = bearer(Role.MUNICIPALITY, municipality_id=uuid.UUID(mid))
    figures = await _figures(system, mid, own)
    assert (figures["target_unique_citizens"], figures["unique_citizens"], figures["co_financed_minutes"]) == (
        150,
        1,
        150,
    )
    assert [m["month"] for m in figures["months"]] == MONTHS
    assert figures["agreement_from"] == "2026-01-01", "the first terms version's effective_from (tests/e2e/slice.py)"
    october = figures["months"][-1]
    assert (october["co_financed_minutes"], october["placements_started"], october["placements_ended"]) == (150, 2, 1)
    assert october["unique_citizens_cumulative"] == 1
    assert {k: v for k, v in figures["end_reasons"].items() if v} == {"other_job": 1}
    assert [(r["days"], r["measured"], r["in_work"], r["share_permille"]) for r in figures["retention"]] == [
        (30, 1, 1, 1000),
        (90, 0, 0, None),
    ]
    # Another municipality's user learns nothing of it.
    other = bearer(Role.MUNICIPALITY, municipality_id=uuid.uuid4())
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=30) as invoicing:
        refused = await invoicing.get(f"/municipalities/{mid}/kpis", headers=other, params={"as_of": AS_OF})
    assert refused.status_code == 404 and "Aalborg" not in refused.text

    shots = Screenshots(pytestconfig.rootpath / "artifacts" / "screenshots" / "municipality")
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            context = await browser.new_context(viewport=DESKTOP, accept_downloads=True, locale="da-DK")
            page = await context.new_page()
            errors = watch(page)  # console errors (a CSP refusal among them) and responses of 400 or more
            target = f"/municipality/progress?as_of={AS_OF}"
            await _log_in(page, system, user, target)

            # One bar per month of the agreement through as_of, October's among them.
            hours = page.locator("#chart-hours svg")
            await expect(hours).to_have_count(1)
            bars = page.locator("#chart-hours g[id^='hours-bar-']")
            await expect(bars).to_have_count(len(MONTHS))
            assert sorted([await bars.nth(i).get_attribute("id") for i in range(len(MONTHS))]) == [
                f"hours-bar-{m}" for m in MONTHS
            ]
            await expect(page.locator("#chart-citizens svg")).to_have_count(1)
            await expect(page.locator("#chart-placements svg")).to_have_count(1)
            await assert_usable(page)
            await shots.take(page, "progress-desktop")
            await page.set_viewport_size(PHONE)
            await assert_usable(page)
            await shots.take(page, "progress-phone")
            await page.set_viewport_size(DESKTOP)

            # The statements: listed, opened, downloaded.
            await page.goto(f"{system.origin}/municipality/statements")
            await expect(page.locator("main")).to_contain_text(number)
            await assert_usable(page)
            await shots.take(page, "statements-desktop")
            await page.set_viewport_size(PHONE)
            await assert_usable(page)
            await shots.take(page, "statements-phone")
            await page.set_viewport_size(DESKTOP)
            await page.locator("main a", has_text=number).first.click()
            await expect(page.locator("main")).to_contain_text("Mette Jensen")
            await assert_usable(page)
            await shots.take(page, "statement-desktop")
            await page.set_viewport_size(PHONE)
            await assert_usable(page)
            await shots.take(page, "statement-phone")
            pdf = await _download(page, "a[href$='/pdf']", tmp_path)
            csv = await _download(page, "a[href$='/csv']", tmp_path)
            xml = await _download(page, "a[href$='/xml']", tmp_path)
            assert pdf.startswith(b"%PDF-")
            assert b"Mette Jensen" in csv
            assert b"<Invoice" in xml and number.encode() in xml
            assert errors == []
        finally:
            await browser.close()
