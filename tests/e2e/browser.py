"""What a browser does on the one origin, for end-to-end tests: keep cookies (httpx's jar honours
``Path`` and expiry as a browser does), read the forms of a page (action and hidden fields, whatever the
templates look like), and fetch the login link from the mail that Mailpit received."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx

from e2e.system import System
from vikar_shared.testing.plugin import wait_until

# A login link as placement writes it: <identity_base_url>/auth/login/<token> (256 bits, URL-safe base64).
LOGIN_LINK = re.compile(r"(https?://[^\s/]+)/auth/login/([A-Za-z0-9_-]{20,})")


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(found.get("action", ""), found.get("method", "get").lower()))
        elif tag == "input" and self.forms and found.get("name") and found.get("type", "text") == "hidden":
            self.forms[-1].fields[found["name"]] = found.get("value", "")


def forms_of(html: str) -> list[Form]:
    """Every ``<form>`` of ``html`` with its action, method and hidden fields."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_to(html: str, action: str) -> Form:
    """The one form of ``html`` posting to ``action`` (AssertionError naming the forms there otherwise)."""
    found = [f for f in forms_of(html) if f.action == action]
    assert len(found) >= 1, f"no form to {action} among {[f.action for f in forms_of(html)]}"
    return found[0]


def browser(system: System) -> httpx.AsyncClient:
    """A fresh browser on the origin: an empty cookie jar, redirects shown (not followed) unless asked."""
    return httpx.AsyncClient(base_url=system.origin, timeout=15)


async def post_form(client: httpx.AsyncClient, form: Form, **fields: str) -> httpx.Response:
    return await client.post(form.action, data={**form.fields, **fields})


async def login_links_to(system: System, address: str) -> list[str]:
    """Every login link in the mails Mailpit holds for ``address``, newest first (read through its API)."""
    links: list[str] = []
    async with httpx.AsyncClient(base_url=system.stack.mailpit_url, timeout=10) as mailpit:
        found = await mailpit.get("/api/v1/search", params={"query": f"to:{address}", "limit": 50})
        found.raise_for_status()
        messages: list[dict[str, Any]] = found.json()["messages"]
        for message in messages:
            if not any(t["Address"] == address for t in message["To"]):
                continue
            text: str = (await mailpit.get(f"/api/v1/message/{message['ID']}")).json()["Text"]
            links += [m.group(0) for m in LOGIN_LINK.finditer(text)]
    return links


async def new_login_link(system: System, address: str, known: int) -> str:
    """The login link of the mail that arrives after ``known`` ones for ``address`` (waits for it)."""
    links: list[str] = []

    async def arrived() -> bool:
        links[:] = await login_links_to(system, address)
        return len(links) > known

    await wait_until(arrived, what=f"a login e-mail to {address} in Mailpit")
    return links[0]


async def log_in(system: System, client: httpx.AsyncClient, address: str, next_path: str = "/portal/pending") -> str:
    """Logs ``client`` in as ``address`` through ``/auth/`` as a person would (the form, the mailed link,
    its confirm button); returns the link it used. Ends with both session cookies in the jar."""
    known = len(await login_links_to(system, address))
    page = await client.get("/auth/login", params={"next": next_path})
    assert page.status_code == 200, page.text
    asked = await post_form(client, form_to(page.text, "/auth/login"), email=address)
    assert asked.status_code == 303 and asked.headers["location"].endswith("/auth/check-email"), asked.text
    link = await new_login_link(system, address, known)
    assert link.startswith(f"{system.origin}/auth/login/"), f"the link points elsewhere than the origin: {link}"
    path = link.removeprefix(system.origin)
    confirm = await client.get(path)
    assert confirm.status_code == 200, confirm.text
    opened = await post_form(client, form_to(confirm.text, path))
    assert opened.status_code == 303, opened.text
    assert opened.headers["location"] == next_path
    assert client.cookies.get("vikar_session") and client.cookies.get("vikar_refresh")
    return link
