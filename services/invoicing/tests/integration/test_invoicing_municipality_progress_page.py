"""The municipality's progress page (issue 12) over the real KPI service (``invoicing.municipality_kpis.service
.kpis_as_of``) and the real PostgreSQL: figures from read-model rows seeded here (``municipality_terms``,
``co_financing_lines``, ``kpi_placements``, ``kpi_first_days``), checked against a scenario computed by hand, as of
a date in the past and as of today, in Danish and English, with the charts' bars counted.

**Fails until the KPI part is merged** (on the pages branch ``kpis_as_of`` is an interface raising
NotImplementedError, so the page ends on its 500 page); nothing here is skipped.

The scenario (Aalborg, terms from 1 September 2026 with a target of 10 citizens; today 10 December 2026):

- citizen A: co-financed 120 min on 10 September and 60 min on 5 October, 30 of them taken off later by a
  correction dated 5 October (valid time: counted as of any date on or after 5 October); placement PA from
  1 September, ended 31 October ``hired_directly``; first day 1 September;
- citizen B: 90 min on 20 October and 30 min on 20 November; placement PB from 15 October, active; first day
  15 October;
- citizen C: 45 min on 3 November; placement PC from 2 November, ended 10 November ``dropped_out``; first day
  2 November;
- placement PE of citizen D, planned from 25 November: never started (counts nowhere).

As of **15 November 2026** (months September to November):
unique citizens 1, 2, 3 (new 1, 1, 1) → 3 of the target 10; minutes 120, 120 (60 − 30 + 90), 45 → 285 (4:45);
started 1, 1, 1 → 3; ended 0, 1 (hired directly), 1 (dropped out) → 2; retention 30 days: A (1 October, in PA)
and B (14 November, in PB) measured, C not yet (2 December) → 2 of 2 (100,0 %); 90 days: nobody yet (A's day 90 is
30 November).

As of **today** (months September to December): minutes November 75 → 315 (5:15), December 0; retention 30 days:
A, B and C measured, C not in work on 2 December (ended, dropped out) → 2 of 3 (66,7 %); 90 days: A on 30 November
(ended hired directly: lasting work) → 1 of 1 (100,0 %)."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
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
from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.identity.tokens import COOKIE_NAME
from vikar_shared.testing.browser import VIEWPORTS, assert_usable, launch_chromium
from vikar_shared.testing.identity import page_session_cookie
from vikar_shared.testing.pages import serving, visible_text, watch
from vikar_shared.testing.plugin import bearer, serve_in_process

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000c1")
HJORRING = uuid.UUID("00000000-0000-4000-8000-0000000000c2")
TODAY = date(2026, 12, 10)
PAGE = "/municipality/progress"
RATE = 12_000
SCREENSHOTS = Path(__file__).resolve().parents[4] / "artifacts" / "screenshots" / "municipality-pages"


def bars(html: str, prefix: str) -> list[str]:
    return re.findall(rf'<g id="{prefix}(\d{{4}}-\d{{2}})"', html)


@dataclass
class Site:
    app: FastAPI
    client: httpx.AsyncClient
    pool: asyncpg.Pool

    def log_in(self, municipality_id: uuid.UUID = AALBORG) -> None:
        minted = page_session_cookie(
            email="jobcenter@aalborg.dk",
            now=self.app.state.clock.now(),
            role=Role.MUNICIPALITY,
            municipality_id=municipality_id,
        )
        self.client.cookies.set(COOKIE_NAME, minted.token, path="/")


@pytest.fixture
async def site(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str
) -> AsyncIterator[Site]:
    dsn = await make_database("invoicing", MIGRATIONS)
    settings = InvoicingSettings(database_url=dsn, kafka_bootstrap=kafka, kafka_namespace=kafka_namespace)
    app = create_app(settings)
    async with serve_in_process(app) as client:
        app.state.clock = FixedClock.on(TODAY)
        yield Site(app, client, app.state.pool)


async def _co_financed(
    conn: asyncpg.Connection, terms_id: uuid.UUID, citizen: uuid.UUID, placement: uuid.UUID, day: date, minutes: int
) -> None:
    """One approved entry and its co-financing line (as accrual writes them)."""
    entry_id = uuid.uuid4()
    await conn.execute(
        """insert into approved_entries (entry_id, placement_id, company_id, work_date, minutes, approved_at,
               approval_event_id, accrued_at)
           values ($1, $2, $3, $4, $5, $6, $7, $6)""",
        entry_id,
        placement,
        uuid.uuid4(),
        day,
        minutes,
        datetime(2026, 12, 1, 9, tzinfo=UTC),
        uuid.uuid4(),
    )
    await conn.execute(
        """insert into co_financing_lines (entry_id, municipality_id, terms_id, citizen_id, citizen_name, work_date,
               minutes, rate_ore_per_hour, amount_ore)
           values ($1, $2, $3, $4, 'Borger', $5, $6, $7, $8)""",
        entry_id,
        AALBORG,
        terms_id,
        citizen,
        day,
        minutes,
        RATE,
        minutes * RATE // 60,
    )


async def _placement(
    conn: asyncpg.Connection,
    citizen: uuid.UUID,
    status: str,
    start: date,
    end: date | None = None,
    reason: str | None = None,
) -> uuid.UUID:
    placement_id = uuid.uuid4()
    await conn.execute(
        """insert into kpi_placements (placement_id, municipality_id, citizen_id, status, start_date, end_date,
               end_reason)
           values ($1, $2, $3, $4, $5, $6, $7)""",
        placement_id,
        AALBORG,
        citizen,
        status,
        start,
        end,
        reason,
    )
    return placement_id


@pytest.fixture
async def scenario(site: Site) -> None:
    """The module docstring's scenario."""
    a, b, c, d = (uuid.uuid4() for _ in range(4))
    terms_id = uuid.uuid4()
    async with site.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            """insert into municipality_terms (terms_id, municipality_id, municipality_name, effective_from,
                   co_financing_rate_ore_per_hour, eligibility_threshold_weeks, target_unique_citizens)
               values ($1, $2, 'Aalborg Kommune', '2026-09-01', $3, 52, 10)""",
            terms_id,
            AALBORG,
            RATE,
        )
        pa = await _placement(conn, a, "ended", date(2026, 9, 1), date(2026, 10, 31), "hired_directly")
        pb = await _placement(conn, b, "active", date(2026, 10, 15))
        pc = await _placement(conn, c, "ended", date(2026, 11, 2), date(2026, 11, 10), "dropped_out")
        await _placement(conn, d, "planned", date(2026, 11, 25))
        for citizen, placement, day, minutes in (
            (a, pa, date(2026, 9, 10), 120),
            (a, pa, date(2026, 10, 5), 60),
            (a, pa, date(2026, 10, 5), -30),
            (b, pb, date(2026, 10, 20), 90),
            (b, pb, date(2026, 11, 20), 30),
            (c, pc, date(2026, 11, 3), 45),
        ):
            await _co_financed(conn, terms_id, citizen, placement, day, minutes)
        for citizen, placement, day in (
            (a, pa, date(2026, 9, 1)),
            (b, pb, date(2026, 10, 15)),
            (c, pc, date(2026, 11, 2)),
        ):
            await conn.execute(
                "insert into kpi_first_days (activity_id, citizen_id, placement_id, occurred_on) values ($1, $2, $3, $4)",
                uuid.uuid4(),
                citizen,
                placement,
                day,
            )


async def test_the_figures_as_of_a_past_date_match_the_hand_computed_scenario(site: Site, scenario: Any) -> None:
    site.log_in()
    page = await site.client.get(f"{PAGE}?as_of=2026-11-15")
    assert page.status_code == 200, visible_text(page.text)
    text = visible_text(page.text)
    assert "Aalborg Kommune pr. 15. november 2026" in text
    assert "Unikke borgere 3 af målet 10" in text
    assert "Medfinansierede timer 4:45" in text
    assert "Forløb startet 3" in text and "Forløb afsluttet 2" in text
    assert "I arbejde 30 dage efter første dag 2 af 2 (100,0 %)" in text
    assert "I arbejde 90 dage efter første dag Ingen målt endnu" in text
    assert bars(page.text, "hours-bar-") == ["2026-09", "2026-10", "2026-11"]
    assert bars(page.text, "placements-started-") == ["2026-09", "2026-10", "2026-11"]
    assert bars(page.text, "placements-ended-") == ["2026-09", "2026-10", "2026-11"]
    # The tables under the charts: the same figures without the SVG.
    assert "september 2026 1 1 oktober 2026 1 2 november 2026 1 3" in text
    assert "september 2026 2:00 oktober 2026 2:00 november 2026 0:45" in text
    assert "september 2026 1 0 oktober 2026 1 1 november 2026 1 1" in text
    assert "Ansat direkte 1" in text and "Faldet fra 1" in text and "Uddannelse 0" in text and "I alt 2" in text
    assert 'value="2026-11-15"' in page.text


async def test_the_figures_as_of_today_by_default_in_english(site: Site, scenario: Any) -> None:
    site.log_in()
    page = await site.client.get(f"{PAGE}?lang=en")
    assert page.status_code == 200, visible_text(page.text)
    text = visible_text(page.text)
    assert "Aalborg Kommune as of 10 December 2026" in text
    assert "Unique citizens 3 of the target 10" in text
    assert "Co-financed hours 5:15" in text
    assert "In work 30 days after the first day 2 of 3 (66.7%)" in text
    assert "In work 90 days after the first day 1 of 1 (100.0%)" in text
    assert bars(page.text, "hours-bar-") == ["2026-09", "2026-10", "2026-11", "2026-12"]
    assert "November 2026 1:15 December 2026 0:00" in text
    assert "Hired directly 1" in text and "Dropped out 1" in text
    for figure in ("chart-citizens", "chart-hours", "chart-placements"):
        assert f'<figure id="{figure}"' in page.text
    assert "Oct 2026" in page.text, "the charts' month labels in English"


async def test_a_future_date_is_a_422_page_saying_what_is_wrong(site: Site, scenario: Any) -> None:
    site.log_in()
    refused = await site.client.get(f"{PAGE}?as_of=2026-12-11")
    assert refused.status_code == 422
    text = visible_text(refused.text)
    assert "Datoen ligger i fremtiden" in text and "til og med i dag (10. december 2026)" in text
    assert "hours-bar-" not in refused.text


async def test_as_of_is_read_as_the_kpi_api_reads_it(site: Site, scenario: Any) -> None:
    """Full-width digits are the date they spell (the API's parser normalises them); a year before 2000 is refused
    as the API refuses it (date-out-of-range), never the figures "as of 1 January 1"; a cleared field is today."""
    site.log_in()
    wide = await site.client.get(f"{PAGE}?as_of=２０２６-11-15")
    assert wide.status_code == 200, visible_text(wide.text)
    assert "Aalborg Kommune pr. 15. november 2026" in visible_text(wide.text)
    assert bars(wide.text, "hours-bar-") == ["2026-09", "2026-10", "2026-11"]
    ancient = await site.client.get(f"{PAGE}?as_of=0001-01-01")
    assert ancient.status_code == 422
    assert "date-out-of-range" in visible_text(ancient.text) and "pr. 1. januar 1" not in ancient.text
    cleared = await site.client.get(f"{PAGE}?as_of=")
    assert cleared.status_code == 200 and "pr. 10. december 2026" in visible_text(cleared.text)
    # The API answers the same values the same way.
    headers = bearer(Role.MUNICIPALITY, municipality_id=AALBORG)
    api = f"/municipalities/{AALBORG}/kpis"
    assert (await site.client.get(api, params={"as_of": "２０２６-11-15"}, headers=headers)).json()["as_of"] == (
        "2026-11-15"
    )
    refused = await site.client.get(api, params={"as_of": "0001-01-01"}, headers=headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["rule"] == "date-out-of-range"


async def _shown(site: Site, query: str) -> str:
    """The visible text of the progress page with ``query``, which must answer 200."""
    page = await site.client.get(f"{PAGE}?{query}")
    assert page.status_code == 200, visible_text(page.text)
    return visible_text(page.text)


async def test_a_date_before_the_agreement_began_says_when_it_begins(site: Site, scenario: Any) -> None:
    site.log_in()
    text = await _shown(site, "as_of=2026-08-15")
    assert "Aftalen var ikke begyndt pr. 15. august 2026: den begynder 1. september 2026." in text
    assert "Unikke borgere 0 (aftalen begynder 1. september 2026)" in text
    assert "intet mål aftalt" not in text
    english = await _shown(site, "as_of=2026-08-15&lang=en")
    assert "The agreement had not begun as of 15 August 2026: it begins on 1 September 2026." in english
    begun = await _shown(site, "as_of=2026-09-01&lang=da")
    assert "ikke begyndt" not in begun and "Unikke borgere 0 af målet 10" in begun


async def test_end_reasons_per_month(site: Site, scenario: Any) -> None:
    site.log_in()
    page = await site.client.get(PAGE)
    assert page.status_code == 200
    table = page.text[page.text.index('<table class="cards" id="end-reasons-by-month"') :]
    table = visible_text(table[: table.index("</table>")])
    assert table == "Måned Ansat direkte Faldet fra Afsluttet oktober 2026 1 0 1 november 2026 0 1 1"


async def test_a_municipality_without_an_agreement_has_no_figures_and_sees_none_of_anothers(
    site: Site, scenario: Any
) -> None:
    site.log_in(HJORRING)
    page = await site.client.get(PAGE)
    assert page.status_code == 404
    assert "Ingen tal endnu" in visible_text(page.text)
    assert "Aalborg" not in page.text and "hours-bar-" not in page.text


async def test_the_page_in_a_real_browser_on_a_phone_and_a_desktop(site: Site, scenario: Any) -> None:
    """Debian's Chromium (Playwright) against the service over HTTP: the charts render under the CSP (no console
    error: no inline style is refused, the bars keep their colours), one hours bar per month, the page fits a phone
    without scrolling sideways. Screenshots in artifacts/screenshots/municipality-pages/."""
    minted = page_session_cookie(
        email="jobcenter@aalborg.dk", now=site.app.state.clock.now(), role=Role.MUNICIPALITY, municipality_id=AALBORG
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    async with serving(site.app) as url, async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        for name, viewport in VIEWPORTS.items():
            context = await browser.new_context(viewport=viewport)
            cookie = {"name": COOKIE_NAME, "value": minted.token, "url": f"{url}/", "httpOnly": True}
            await context.add_cookies([cookie])  # type: ignore[list-item]
            page = await context.new_page()
            errors = watch(page)
            await page.goto(f"{url}/municipality/progress")
            await expect(page.locator("h1")).to_have_text("Fremdrift")
            await expect(page.locator("#chart-hours g[id^='hours-bar-']")).to_have_count(4)
            await expect(page.locator("#chart-placements g[id^='placements-']")).to_have_count(8)
            fill = await page.evaluate("() => getComputedStyle(document.querySelector('#hours-bar-2026-09 path')).fill")
            assert fill == "rgb(31, 95, 139)", "the bar keeps its colour under the CSP"
            width = await page.evaluate(
                "() => document.querySelector('#chart-hours svg').getBoundingClientRect().width"
            )
            assert 200 < width <= viewport["width"], "the chart scales with the page"
            await assert_usable(page)
            await page.screenshot(path=str(SCREENSHOTS / f"progress-{name}.png"), full_page=True)
            await page.goto(f"{url}/municipality/progress?as_of=2026-11-15&lang=en")
            await expect(page.locator("#chart-hours g[id^='hours-bar-']")).to_have_count(3)
            await page.screenshot(path=str(SCREENSHOTS / f"progress-past-en-{name}.png"), full_page=True)
            await context.close()
            assert errors == [], errors
        await browser.close()


# --- the charts' legibility ---------------------------------------------------------------------------------------

# Every text of a chart (ticks, legend, axis label) at least this many CSS pixels high on a 390 px phone, and at
# most the larger one on a desktop; month labels at least GAP_PX apart.
MIN_TEXT_PX = 10.5
MAX_TEXT_PX = 19.0
GAP_PX = 4.0
_MEASURE = """(chartId) => {
  const svg = document.querySelector(`#${chartId} svg`);
  const size = (el) => {
    const m = el.getScreenCTM();
    return parseFloat(getComputedStyle(el).fontSize) * Math.hypot(m.a, m.b);
  };
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; };
  return {
    sizes: [...svg.querySelectorAll("text")].map((el) => [el.textContent, size(el)]),
    months: [...svg.querySelectorAll(`g[id^="${chartId}-xtick_"] text`)].map((el) => [el.textContent, box(el)]),
    legend: [...svg.querySelectorAll(`g[id^="${chartId}-legend_"] text`)].map((el) => [el.textContent, box(el)]),
    values: [...svg.querySelectorAll(`g[id^="${chartId}-ytick_"] text`)].map((el) => el.textContent),
    width: svg.getBoundingClientRect().width,
  };
}"""


def _many_months(count: int) -> Any:
    from invoicing.municipality_kpis.models import KpiMonth, MunicipalityKpis, Retention

    months = [
        KpiMonth(f"{2021 + (i + 11) // 12}-{(i + 11) % 12 + 1:02d}", 3 * i, 3, 600 * i, 2, 1, {"education": 1})
        # The first month has no hours: its axis still counts 0, 1, … (not "0 0 0 0").
        for i in range(count)
    ]
    return MunicipalityKpis(
        municipality_id=AALBORG,
        municipality_name="Aalborg Kommune",
        as_of=TODAY,
        agreement_from=date(2021, 12, 1),
        target_unique_citizens=150,
        unique_citizens=months[-1].unique_citizens_cumulative,
        co_financed_minutes=sum(m.co_financed_minutes for m in months),
        placements_started=2 * count,
        placements_ended=count,
        months=months,
        end_reasons={"education": count},
        retention=[Retention(30, 0, 0), Retention(90, 0, 0)],
    )


@pytest.mark.parametrize("count", [1, 10, 60])
async def test_the_charts_are_legible_on_a_phone_and_a_desktop_and_month_labels_never_touch(count: int) -> None:
    """The three charts inside the page's layout (``main`` > ``figure.chart``, the shared stylesheet) in Debian's
    Chromium at 390 px and 1280 px, Danish and English: every text (ticks, legend, axis label) is at least
    MIN_TEXT_PX high on the phone and at most MAX_TEXT_PX on the desktop; the month labels and the legend's entries
    never touch. Screenshots in artifacts/screenshots/municipality-pages/."""
    from invoicing.municipality_pages import charts
    from invoicing.municipality_pages.i18n import Translator
    from vikar_shared.web.static import STYLESHEET

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    kpis = _many_months(count)
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        for lang in ("da", "en"):
            drawn = charts.render_charts(kpis, Translator(lang))
            figures = "".join(
                f'<figure id="{chart_id}" class="chart">{svg}</figure>'
                for chart_id, svg in (
                    (charts.CITIZENS_CHART, drawn.citizens),
                    (charts.HOURS_CHART, drawn.hours),
                    (charts.PLACEMENTS_CHART, drawn.placements),
                )
            )
            html = (
                f'<!doctype html><html lang="{lang}"><head><meta name="viewport" content="width=device-width, '
                f'initial-scale=1"></head><body><main>{figures}</main></body></html>'
            )
            for name, viewport in VIEWPORTS.items():
                page = await browser.new_page(viewport=viewport)
                await page.set_content(html)
                await page.add_style_tag(content=STYLESHEET.read_text(encoding="utf-8"))
                for chart_id in (charts.CITIZENS_CHART, charts.HOURS_CHART, charts.PLACEMENTS_CHART):
                    found = await page.evaluate(_MEASURE, chart_id)
                    sizes = [px for _, px in found["sizes"]]
                    assert sizes, chart_id
                    if name == "phone":
                        assert min(sizes) >= MIN_TEXT_PX, (chart_id, lang, found["sizes"])
                    else:
                        assert max(sizes) <= MAX_TEXT_PX, (chart_id, lang, found["sizes"])
                    months = sorted(found["months"], key=lambda label: label[1][0])
                    assert 1 <= len(months) <= charts.MAX_LABELS, (chart_id, months)
                    for (left, a), (right, b) in itertools.pairwise(months):
                        assert b[0] - a[1] >= GAP_PX, f"{chart_id} {lang} {name}: {left!r} touches {right!r}"
                    for (_, a), (_, b) in itertools.pairwise(found["legend"]):
                        apart = b[0] - a[1] >= GAP_PX or b[2] - a[3] >= 0 or a[2] - b[3] >= 0
                        assert apart, (chart_id, found["legend"])
                    values = found["values"]
                    assert len(values) >= 2 and len(set(values)) == len(values), (chart_id, values)
                    assert found["width"] <= viewport["width"], "the chart fits the page"
                await page.screenshot(
                    path=str(SCREENSHOTS / f"charts-{count}-months-{lang}-{name}.png"), full_page=True
                )
                await page.close()
        await browser.close()
