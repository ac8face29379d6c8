"""For tests of HTML pages: the text a visitor reads, and the headers every page must carry (written out here, not
read from :data:`vikar_shared.web.pages.SECURITY_HEADERS`, so a weakened header fails the tests)."""

from __future__ import annotations

import re
from html import unescape

import httpx

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
