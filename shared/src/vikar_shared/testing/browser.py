"""Debian's Chromium driven by Playwright, for the browser tests of every service and the end-to-end tests.

The machine's Chromium (``/usr/bin/chromium``, the Debian package; Playwright's own browser download is not
used) with arguments for a headless container, a retry with the newer headless mode, the phone and desktop
sizes every page is checked at, screenshots numbered in taking order, and the checks every page owes a
keyboard and screen-reader user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Error, Page, ViewportSize

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Only if Chromium does not start with the arguments above.
FALLBACK_ARGS = ["--headless=new", "--disable-dev-shm-usage"]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
VIEWPORTS: dict[str, ViewportSize] = {"phone": PHONE, "desktop": DESKTOP}


async def launch_chromium(playwright: Any) -> Browser:
    """Debian's Chromium, headless. Fails (Playwright's ``Error``) naming the executable when it is missing:
    install it with ``apt-get install chromium`` (deploy/local/test does)."""
    try:
        browser: Browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Error:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + FALLBACK_ARGS)
    return browser


class Screenshots:
    """Full-page screenshots into ``folder`` (created), named ``NN-<name>.png`` in taking order."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.taken: list[Path] = []

    async def take(self, page: Page, name: str) -> None:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)


async def assert_usable(page: Page) -> None:
    """What every page owes a keyboard and screen-reader user: a language, a viewport, labelled fields,
    buttons with text, and no sideways scrolling at the current width (AssertionError listing what fails)."""
    problems = await page.evaluate(
        """() => {
            const issues = [];
            if (!document.documentElement.lang) issues.push('no lang attribute');
            if (!document.querySelector('meta[name=viewport]')) issues.push('no viewport meta');
            for (const field of document.querySelectorAll('input:not([type=hidden]), textarea, select')) {
                if (!field.labels || field.labels.length === 0) issues.push('unlabelled ' + (field.name || field.id));
            }
            for (const button of document.querySelectorAll('button')) {
                if (!button.textContent.trim()) issues.push('button without text');
            }
            if (document.documentElement.scrollWidth > window.innerWidth + 1) issues.push('scrolls sideways');
            return issues;
        }"""
    )
    assert problems == [], problems
