"""The login pages on the shared web layer: every page links a stylesheet that is served, what the
framework answers under /auth/ (an unknown page, a wrong method) is a login page in the visitor's language,
the language is the origin's one ``vikar_lang`` cookie, and the refresh cookie reaches /auth/refresh on a
navigation from another site (a link in a mail)."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from conftest import Identity

STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)">')


def _visible(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _is_login_page(response: httpx.Response) -> bool:
    return response.headers["content-type"].startswith("text/html") and "<html" in response.text


async def _every_page(p: Identity) -> dict[str, httpx.Response]:
    """One response of every kind of login page: forms, messages, refusals and framework errors."""
    pages = {"login": await p.client.get("/auth/login"), "login en": await p.client.get("/auth/login?lang=en")}
    csrf = p.csrf_of(pages["login"].text)
    pages["not an address"] = await p.client.post("/auth/login", data={"csrf_token": csrf, "email": "nope"})
    pages["no csrf"] = await p.client.post("/auth/login", data={"email": p.approver})
    pages["check e-mail"] = await p.client.get("/auth/check-email")
    assert (await p.ask_for_link(p.approver)).status_code == 303
    pages["confirm"] = await p.client.get(f"/auth/login/{await p.latest_token()}")
    pages["unknown link"] = await p.client.get("/auth/login/not-a-real-token")
    pages["unknown page"] = await p.client.get("/auth/no-such-page")
    pages["wrong method"] = await p.client.delete("/auth/login")
    for _ in range(3):
        await p.ask_for_link(p.approver)
    pages["rate limited"] = await p.ask_for_link(p.approver)
    return pages


async def test_every_login_page_links_a_stylesheet_that_is_served(identity: Identity) -> None:
    p = identity
    pages = await _every_page(p)

    assert pages["rate limited"].status_code == 429  # the list really holds the refusal pages
    assert {r.status_code for r in pages.values()} >= {200, 403, 404, 405, 422, 429}
    for name, page in pages.items():
        assert _is_login_page(page), name
        [href] = STYLESHEET.findall(page.text)
        assert href == "/auth/static/vikar.css", name
    sheet = await p.client.get("/auth/static/vikar.css")
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/css")
    assert ".skip-link" in sheet.text
    assert (await p.client.get("/portal/static/portal.css")).status_code == 404  # the old, gone address


async def test_an_unknown_page_under_auth_is_a_login_page_in_danish_or_english(identity: Identity) -> None:
    p = identity

    danish = await p.client.get("/auth/no-such-page")
    english = await p.client.get(f"/auth/no-such-page/{uuid.uuid4()}?lang=en")

    assert danish.status_code == english.status_code == 404
    assert _is_login_page(danish) and _is_login_page(english)
    assert '<html lang="da">' in danish.text and '<html lang="en">' in english.text
    assert "Siden findes ikke Den side findes ikke. Gå til login." in _visible(danish.text)
    assert "Page not found That page does not exist. Go to log-in." in _visible(english.text)
    assert '<a href="/auth/login">Til login</a>' in danish.text
    assert '<a href="/auth/login">To log-in</a>' in english.text
    assert danish.headers["content-security-policy"].startswith("default-src 'none'")
    assert danish.headers["cache-control"] == "no-store"


async def test_a_wrong_method_under_auth_is_a_405_login_page_and_the_api_keeps_problem_json(
    identity: Identity,
) -> None:
    p = identity

    wrong = await p.client.put("/auth/login?lang=en")
    api = await p.client.get("/no-such-route")

    assert wrong.status_code == 405 and _is_login_page(wrong)
    assert wrong.headers["allow"] == "GET, HEAD, POST"  # every method the path answers (the form posts)
    assert "This page cannot be used like that" in _visible(wrong.text)  # the path exists for POST
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/problem+json")


async def test_the_language_is_one_cookie_for_the_whole_origin(identity: Identity) -> None:
    p = identity

    english = await p.client.get("/auth/login?lang=en")

    assert {"httponly", "samesite=lax", "path=/"} <= set(p.cookie_flags(english, "vikar_lang"))
    assert p.cookie_value(english, "vikar_lang") == "en"
    assert '<html lang="en">' in (await p.client.get("/auth/check-email")).text
    # The portal writes the same cookie, naming the session it was chosen in: the login pages follow it.
    async with p.browser() as browser:
        browser.cookies.set("vikar_lang", f"en:{uuid.uuid4()}", path="/")
        assert '<html lang="en">' in (await browser.get("/auth/login")).text
        browser.cookies.set("vikar_lang", "xx", path="/")
        assert '<html lang="da">' in (await browser.get("/auth/login")).text


async def test_the_refresh_cookie_is_lax_so_a_link_from_a_mail_refreshes_the_session(identity: Identity) -> None:
    """A mail's link into /portal/… arrives cross-site; with an expired access token the portal sends the
    browser on to /auth/refresh. A browser sends a SameSite=Lax cookie on such a top-level GET (Strict it
    would not), so the approver is back on the page without logging in again."""
    p = identity
    confirmed = await p.log_in()
    assert "samesite=lax" in p.cookie_flags(confirmed, "vikar_refresh")
    p.clock.advance(minutes=6)  # the 5-minute access token has expired

    refreshed = await p.client.get("/auth/refresh", params={"next": "/portal/pending"})

    assert (refreshed.status_code, refreshed.headers["location"]) == (303, "/portal/pending")
    assert p.cookie_value(refreshed, "vikar_session")
