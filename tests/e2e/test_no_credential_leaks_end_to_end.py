"""Issue 6 across the four running services: after a portal login-link request, nothing on any topic of
the system's Kafka namespace, in any table of any service database (outboxes and the e-mail log
included), in the e-mail log's admin API or in any service's log file opens a portal session; the link
that arrived in Mailpit does. And X-Forwarded-For from a peer that is no configured proxy is ignored."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from e2e.slice import ADMIN, register_world
from e2e.system import LOGS, SERVICES, System
from vikar_shared.testing.plugin import wait_until
from vikar_shared.testing.secrets import table_texts, token_like

pytestmark = pytest.mark.e2e

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LINK = re.compile(r"/portal/login/([A-Za-z0-9_-]{20,})")


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match is not None, html
    return match.group(1)


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


async def mail_to(system: System, address: str) -> str:
    async with httpx.AsyncClient(base_url=system.stack.mailpit_url, timeout=10) as mailpit:
        found: list[dict[str, Any]] = []

        async def arrived() -> bool:
            response = await mailpit.get("/api/v1/search", params={"query": f"to:{address}", "limit": 10})
            found[:] = [m for m in response.json()["messages"] if any(t["Address"] == address for t in m["To"])]
            return bool(found)

        await wait_until(arrived, what=f"the login e-mail to {address} in Mailpit")
        detail = (await mailpit.get(f"/api/v1/message/{found[0]['ID']}")).json()
        text: str = detail["Text"]
        return text


async def opens_a_session(portal: str, candidate: str) -> bool:
    """Whether ``candidate`` logs a fresh browser in, as a login link or as a session cookie."""
    async with httpx.AsyncClient(base_url=portal, timeout=10) as browser:
        csrf = csrf_of((await browser.get("/portal/login")).text)
        look = await browser.get(f"/portal/login/{candidate}")
        post = await browser.post(f"/portal/login/{candidate}", data={"csrf_token": csrf})
        if (
            look.status_code == 200
            or post.status_code == 303
            or "vikar_portal_session=" in post.headers.get("set-cookie", "")
        ):
            return True
        browser.cookies.set("vikar_portal_session", candidate, path="/portal")
        return (await browser.get("/portal/pending")).status_code == 200


async def test_no_token_on_any_topic_table_or_log_opens_a_session_but_the_mailed_link_does(system: System) -> None:
    world = await register_world(system)
    approver = world.approver_emails[0]

    async def approver_known() -> bool:
        count = await system.fetchval("timesheet", "select count(*) from company_approvers where email = $1", approver)
        return bool(count == 1)

    await wait_until(approver_known, what="the approver in timesheet's read model")
    portal = system.url("timesheet")
    async with httpx.AsyncClient(base_url=portal, timeout=10) as browser:
        form = await browser.get("/portal/login")
        asked = await browser.post("/portal/login", data={"csrf_token": csrf_of(form.text), "email": approver})
        assert asked.status_code == 303, asked.text

    mailed = LINK.search(await mail_to(system, approver))
    assert mailed is not None
    token = mailed.group(1)

    async def settled() -> bool:
        unsent = await system.fetchval("timesheet", "select count(*) from outbox where sent_at is null")
        sealed = await system.fetchval(
            "notifications", "select count(*) from outgoing_emails where sealed_secret is not null"
        )
        return unsent == 0 and sealed == 0

    await wait_until(settled, what="the outbox published and the mail's sealed link deleted")
    await asyncio.sleep(0.5)  # let the consumers' log lines land

    on_topics = [
        (key or b"").decode(errors="replace") + " " + value.decode(errors="replace")
        for batch in (await system.topic_bytes()).values()
        for key, value in batch
    ]
    in_tables = await everything_stored(system)
    async with httpx.AsyncClient(base_url=system.url("notifications"), timeout=10) as api:
        email_log = (await api.get("/emails", params={"limit": 500}, headers=ADMIN)).text
    in_logs = [(LOGS / f"{service}.log").read_text(errors="replace") for service in SERVICES]
    assert any("login_link_requested" in t for t in on_topics)
    assert approver in email_log

    everywhere = [*on_topics, *in_tables, email_log, *in_logs]
    assert not any(token in text for text in everywhere), "the login token is carried or kept in clear"
    candidates = token_like(everywhere)
    assert token not in candidates
    assert len(candidates) > 50

    tried = sorted(candidates)
    opened = [c for c in tried if await opens_a_session(portal, c)]

    assert opened == []
    # The link from the mail is the one way in (and proves the probe above could see a session open).
    assert await opens_a_session(portal, token)


async def test_x_forwarded_for_from_loopback_is_not_believed_without_a_configured_proxy(system: System) -> None:
    portal = system.url("timesheet")
    async with httpx.AsyncClient(base_url=portal, timeout=10) as browser:
        csrf = csrf_of((await browser.get("/portal/login")).text)
        for n in range(3):
            await browser.post(
                "/portal/login",
                data={"csrf_token": csrf, "email": f"xff-{n}@nowhere.example"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )

    clients = await system.fetchval(
        "timesheet",
        "select array_agg(distinct client) from portal_login_requests where email like 'xff-%@nowhere.example'",
    )
    assert clients == ["127.0.0.1"]
