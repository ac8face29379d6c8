"""Issues 6 and 7 across the four running services behind the one origin: after an approver logged in at
placement's ``/auth/`` and asked for another login link, nothing on any topic of the system's Kafka
namespace, in any table of any service database (outboxes and the e-mail log included), in the e-mail
log's admin API, in any service's log file or in nginx's error log opens a page session — tried as a
login link, as the ``vikar_session`` cookie and as the ``vikar_refresh`` cookie; the link that arrived in
Mailpit does. And a client's own X-Forwarded-For never reaches the login rate limit: only the address the
edge proxy saw counts."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from e2e.browser import browser, form_to, log_in, login_links_to, new_login_link, post_form
from e2e.slice import ADMIN, register_world
from e2e.system import LOGS, SERVICES, System
from vikar_shared.identity.tokens import COOKIE_NAME, REFRESH_COOKIE_NAME
from vikar_shared.testing.plugin import wait_until
from vikar_shared.testing.secrets import record_texts, table_texts, token_like

pytestmark = pytest.mark.e2e

PENDING = "/portal/pending"
# A signed token (header.claims.signature), which token_like() would only see in its three parts.
JWT_LIKE = re.compile(r"[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
PROBES_AT_ONCE = 8


async def everything_stored(system: System) -> list[str]:
    """Every row of every table of every service database, as text."""
    texts: list[str] = []
    for service in SERVICES:
        conn = await system.db(service)
        try:
            texts += await table_texts(conn)
        finally:
            await conn.close()
    return texts


async def link_opens(system: System, token: str) -> bool:
    """Whether ``/auth/login/<token>`` is a usable login link for a fresh browser: a confirm page, or a
    session opened by its button."""
    async with browser(system) as fresh:
        csrf = form_to((await fresh.get("/auth/login")).text, "/auth/login").fields["csrf_token"]
        look = await fresh.get(f"/auth/login/{token}")
        post = await fresh.post(f"/auth/login/{token}", data={"csrf_token": csrf})
        return look.status_code == 200 or post.status_code == 303 or COOKIE_NAME in fresh.cookies


async def access_cookie_opens(system: System, value: str) -> bool:
    """Whether the portal shows the hours to a browser holding ``value`` as ``vikar_session``."""
    async with browser(system) as fresh:
        fresh.cookies.set(COOKIE_NAME, value, domain="127.0.0.1", path="/")
        return (await fresh.get(PENDING)).status_code == 200


async def refresh_cookie_opens(system: System, value: str) -> bool:
    """Whether placement re-mints an access token for a browser holding ``value`` as ``vikar_refresh``."""
    async with browser(system) as fresh:
        fresh.cookies.set(REFRESH_COOKIE_NAME, value, domain="127.0.0.1", path="/auth/")
        answer = await fresh.get("/auth/refresh", params={"next": PENDING})
        return answer.headers.get("location") == PENDING or COOKIE_NAME in fresh.cookies


async def test_no_token_on_any_topic_table_or_log_opens_a_session_but_the_mailed_link_does(system: System) -> None:
    world = await register_world(system)
    approver = world.approver_emails[0]

    # One session opened the way a person does (its link now used), then a second link asked for and
    # left unused: both the session's cookies and a live link exist while everything is read.
    async with browser(system) as person:
        used_link = await log_in(system, person, approver)
        access, refresh = person.cookies[COOKIE_NAME], person.cookies[REFRESH_COOKIE_NAME]
        assert (await person.get(PENDING)).status_code == 200
        known = len(await login_links_to(system, approver))
        asked = await post_form(person, form_to((await person.get("/auth/login")).text, "/auth/login"), email=approver)
        assert asked.status_code == 303, asked.text
    link = await new_login_link(system, approver, known)
    assert link != used_link and link.startswith(f"{system.origin}/auth/login/")
    token = link.rsplit("/", 1)[1]

    async def settled() -> bool:
        unsent = await system.fetchval("placement", "select count(*) from outbox where sent_at is null")
        sealed = await system.fetchval(
            "notifications", "select count(*) from outgoing_emails where sealed_secret is not null"
        )
        return unsent == 0 and sealed == 0

    await wait_until(settled, what="the outbox published and the mails' sealed links deleted")
    await asyncio.sleep(0.5)  # let the consumers' log lines land

    on_topics = record_texts(await system.topic_bytes())
    in_tables = await everything_stored(system)
    async with httpx.AsyncClient(base_url=system.api("notifications"), timeout=10) as api:
        email_log = (await api.get("/emails", params={"limit": 500}, headers=ADMIN)).text
    in_logs = [(LOGS / f"{service}.log").read_text(errors="replace") for service in SERVICES]
    assert system.proxy_dir is not None
    in_logs.append((system.proxy_dir / "error.log").read_text(errors="replace"))
    assert any("login_link_requested" in t for t in on_topics)
    assert approver in email_log

    everywhere = [*on_topics, *in_tables, email_log, *in_logs]
    secrets = {"the login token": token, "the used login token": used_link.rsplit("/", 1)[1]}
    secrets |= {"the access token": access, "the refresh secret": refresh}
    for name, secret in secrets.items():
        assert not any(secret in text for text in everywhere), f"{name} is carried or kept in clear"
    candidates = token_like(everywhere) | {m for text in everywhere for m in JWT_LIKE.findall(text)}
    assert token not in candidates
    assert len(candidates) > 50

    limit = asyncio.Semaphore(PROBES_AT_ONCE)

    async def opens(candidate: str) -> list[str]:
        async with limit:
            found = []
            if await link_opens(system, candidate):
                found.append(f"login link {candidate}")
            if await access_cookie_opens(system, candidate):
                found.append(f"vikar_session {candidate}")
            if await refresh_cookie_opens(system, candidate):
                found.append(f"vikar_refresh {candidate}")
            return found

    opened = [hit for hits in await asyncio.gather(*(opens(c) for c in sorted(candidates))) for hit in hits]
    assert opened == []
    print(f"\n{len(candidates)} token-like strings tried as login link, vikar_session and vikar_refresh: none opened")
    # The probes can see a session open: the person's own cookies do, and the mailed link is the one way in.
    assert await access_cookie_opens(system, access)
    assert await refresh_cookie_opens(system, refresh)
    assert await link_opens(system, token)


async def test_a_clients_x_forwarded_for_never_reaches_the_login_rate_limit(system: System) -> None:
    """Through the origin, nginx replaces whatever X-Forwarded-For a browser sends with the peer it saw,
    and placement (trusting only that proxy, ``trusted_proxies`` 127.0.0.1) counts login requests by it:
    rotating the header does not make a client look like many."""
    async with browser(system) as client:
        for n in range(3):
            form = form_to((await client.get("/auth/login")).text, "/auth/login")
            answer = await client.post(
                "/auth/login",
                data={**form.fields, "email": f"xff-{n}@nowhere.example"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )
            assert answer.status_code == 303, answer.text
    # The trusted peer's own header is believed (what the proxy says about its client is what counts).
    async with httpx.AsyncClient(base_url=system.url("placement"), timeout=10) as behind_the_proxy:
        page = await behind_the_proxy.get("/auth/login")
        form = form_to(page.text, "/auth/login")
        answer = await behind_the_proxy.post(
            "/auth/login",
            data={**form.fields, "email": "xff-proxy@nowhere.example"},
            headers={"X-Forwarded-For": "198.51.100.7"},
        )
        assert answer.status_code == 303, answer.text

    clients = await system.fetchval(
        "placement",
        "select array_agg(distinct client order by client) from identity_login_requests "
        "where email like 'xff-%@nowhere.example'",
    )
    assert clients == ["127.0.0.1", "198.51.100.7"]
    from_origin = await system.fetchval(
        "placement",
        "select array_agg(distinct client) from identity_login_requests where email ~ '^xff-[0-9]@nowhere.example$'",
    )
    assert from_origin == ["127.0.0.1"]
