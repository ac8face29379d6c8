"""For tests of HTML pages: the text a visitor reads, the headers every page must carry (written out here, not
read from :data:`vikar_shared.web.pages.SECURITY_HEADERS`, so a weakened header fails the tests), and for browser
tests (with :mod:`vikar_shared.testing.browser`) the running app served over HTTP and a page's refusals recorded."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import unescape
from typing import Any

import httpx
import uvicorn
from playwright.async_api import Page

from vikar_shared.testing.plugin import free_port, wait_until

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def visible_text(html: str) -> str:
    """The page's text with tags dropped, entities read and whitespace (no-break spaces too) collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ").split())


def assert_page_headers(response: httpx.Response) -> None:
    """The CSP without scripts, no caching, no referrer, never framed, no sniffing."""
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """``app`` (already running in the test: pool, consumers, worker) served by uvicorn over HTTP on a free loopback
    port without a lifespan of its own, for a browser; gives its base URL. Stops on leaving."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None))
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    try:
        await wait_until(started, what="uvicorn serving the app")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def watch(page: Page) -> list[str]:
    """The list ``page`` fills with what went wrong: a console error (a CSP refusal is one: "Refused to …"; the
    browser's own "Failed to load" of its favicon is not) and the URL of any response of 400 or more."""
    errors: list[str] = []
    page.on(
        "console", lambda m: errors.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None
    )
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
    return errors
