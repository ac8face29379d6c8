"""For browser tests of pages: an app already running in the test (its lifespan on) served over HTTP on a free
loopback port, Debian's Chromium launched by Playwright, and a page that records what the browser refused.

    async with browsing(app) as (url, browser):
        context = await browser.new_context(viewport=PHONE)
        page = await context.new_page()
        errors = watch(page)
        await page.goto(f"{url}/municipality/progress")
        assert await fits_the_width(page)
        assert errors == []
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from playwright.async_api import Browser, Page, async_playwright

from vikar_shared.testing.plugin import free_port, wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
VIEWPORTS = (("phone", PHONE), ("desktop", DESKTOP))


@asynccontextmanager
async def browsing(app: Any) -> AsyncIterator[tuple[str, Browser]]:
    """``app`` (already running: pool, consumers, worker) served by uvicorn without a lifespan of its own, and a
    Chromium; gives (base URL, browser). Both stop on leaving."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None))
    serving = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    try:
        await wait_until(started, what="uvicorn serving the app")
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield f"http://127.0.0.1:{port}", browser
            finally:
                await browser.close()
    finally:
        server.should_exit = True
        await serving


def watch(page: Page) -> list[str]:
    """The list ``page`` fills with what went wrong: a console error (a CSP refusal is one: "Refused to …"; the
    browser's own "Failed to load" of its favicon is not) and the URL of any response of 400 or more."""
    errors: list[str] = []
    page.on(
        "console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None
    )
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
    return errors


async def fits_the_width(page: Page) -> bool:
    """Whether the page shows without scrolling sideways."""
    fits: bool = await page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    return fits
