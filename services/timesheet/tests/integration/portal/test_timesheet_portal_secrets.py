"""No credential of the portal can be picked up where it is kept or carried (issue 6): every table of the
timesheet database, every record of every topic of the test's Kafka namespace and every log line of a
login are searched for anything token-like, and none of it opens a session; the real link (opened as
notifications opens it) does. The cross-service version with Mailpit is tests/e2e/test_no_credential_leaks_end_to_end.py."""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

import httpx
import pytest

from vikar_shared.testing.plugin import all_records
from vikar_shared.testing.secrets import table_texts, token_like

if TYPE_CHECKING:
    from conftest import Portal


async def stored_texts(p: Portal) -> list[str]:
    """Every row of every table of the timesheet database, as text."""
    return await table_texts(p.pool)


async def opens_a_session(p: Portal, candidate: str) -> bool:
    """Whether ``candidate`` logs a fresh browser in, as a login link or as a session cookie."""
    async with p.browser(address="192.0.2.77") as browser:
        form = await browser.get("/portal/login")
        csrf = p.csrf_of(form.text)
        look = await browser.get(f"/portal/login/{candidate}")
        post = await browser.post(f"/portal/login/{candidate}", data={"csrf_token": csrf})
        if (
            look.status_code == 200
            or post.status_code == 303
            or "vikar_portal_session=" in post.headers.get("set-cookie", "")
        ):
            return True
        browser.cookies.set("vikar_portal_session", candidate, path="/portal")
        pending = await browser.get("/portal/pending")
        return pending.status_code == 200


async def test_no_token_in_any_table_topic_or_log_line_opens_a_session(
    portal: Portal, caplog: pytest.LogCaptureFixture
) -> None:
    p = portal
    caplog.set_level(logging.DEBUG)
    # A logged-in approver (a session, its CSRF token), then a fresh link waiting in the mail.
    logged_in = await p.log_in()
    session_id = logged_in.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    page = await p.client.get("/portal/pending")
    csrf_token = p.csrf_of(page.text)
    assert (await p.ask_for_link(p.approver, p.browser(address="198.51.100.3"))).status_code == 303
    fresh_token = await p.latest_token()
    await p.published()

    records = await all_records(p.kafka, p.namespace)
    on_topics = [
        (key or b"").decode(errors="replace") + " " + value.decode(errors="replace")
        for batch in records.values()
        for key, value in batch
    ]
    in_tables = await stored_texts(p)
    in_logs = [caplog.text] + [str(r.__dict__) for r in caplog.records]
    assert on_topics and in_tables and in_logs

    candidates = token_like(on_topics + in_tables + in_logs)
    secrets = {"login token": fresh_token, "session id": session_id, "csrf token": csrf_token}
    for name, secret in secrets.items():
        assert secret not in candidates, f"the {name} is kept or carried in clear"
        assert not any(secret in text for text in on_topics + in_tables + in_logs), name
    # What is stored of them is a one-way hash (never the secret, and the hash itself opens nothing).
    assert hashlib.sha256(fresh_token.encode()).hexdigest() in " ".join(in_tables)
    assert hashlib.sha256(session_id.encode()).hexdigest() in " ".join(in_tables)

    opened = [c for c in sorted(candidates) if await opens_a_session(p, c)]

    assert opened == []
    assert len(candidates) > 20  # the search looked at something
    # The real link, as the mail carries it, still works: the test above could have failed.
    assert await opens_a_session(p, fresh_token)


async def test_the_session_table_holds_no_csrf_token_and_logging_out_ends_the_derived_one(portal: Portal) -> None:
    p = portal
    await p.log_in()
    csrf_token = p.csrf_of((await p.client.get("/portal/pending")).text)

    columns = await p.pool.fetch(
        "select column_name from information_schema.columns where table_name = 'portal_sessions' order by 1"
    )
    assert "csrf_token" not in [c["column_name"] for c in columns]
    assert csrf_token not in " ".join(await stored_texts(p))
    # The derived token still guards the forms: the right one logs out, a stale one is refused after.
    assert (
        await p.client.post(
            "/portal/logout", data={"csrf_token": ("y" if csrf_token[0] == "x" else "x") + csrf_token[1:]}
        )
    ).status_code == 403
    assert (await p.client.post("/portal/logout", data={"csrf_token": csrf_token})).status_code == 303


async def test_a_token_sized_guess_never_opens_a_session(portal: Portal) -> None:
    p = portal
    await p.ask_for_link(p.approver)
    token = await p.latest_token()
    near_misses = [token[:-1] + ("A" if token[-1] != "A" else "B"), token.upper(), token[1:], token + "A"]

    assert [await opens_a_session(p, guess) for guess in near_misses] == [False] * 4
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=p.app), base_url="http://testserver") as b:
        assert (await b.get(f"/portal/login/{token}")).status_code == 200
