"""No credential of the portal can be picked up where it is kept or carried (issue 6): after an approver
worked in the portal, every table of the timesheet database, every record of every topic of the test's
Kafka namespace and every log line are searched for anything token-like, and none of it opens a session;
the real page session does. The portal keeps no session table at all: the page session is the identity
owner's signed token, in the browser's cookie only. (Login links and the owner's sessions: placement's
tests; the cross-service version with Mailpit is tests/e2e/test_no_credential_leaks_end_to_end.py.)"""

from __future__ import annotations

import base64
import json
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from vikar_shared.identity.tokens import COOKIE_NAME
from vikar_shared.testing.plugin import all_records
from vikar_shared.testing.secrets import record_texts, table_texts, token_like

if TYPE_CHECKING:
    from conftest import Portal


async def opens_a_session(p: Portal, candidate: str) -> bool:
    """Whether ``candidate`` as the session cookie of a fresh browser opens a portal page."""
    async with p.browser(address="192.0.2.77") as browser:
        browser.cookies.set(COOKIE_NAME, candidate, path="/")
        pending = await browser.get("/portal/pending")
        return pending.status_code == 200


async def test_no_token_in_any_table_topic_or_log_line_opens_a_session(
    portal: Portal, caplog: pytest.LogCaptureFixture
) -> None:
    p = portal
    caplog.set_level(logging.DEBUG)
    entry_id = await p.submit(p.today - timedelta(days=1), 240)
    minted = await p.log_in()
    assert (
        await p.client.post(f"/portal/entries/{entry_id}/approve", data={"csrf_token": minted.csrf, "version": "1"})
    ).status_code == 303
    assert (await p.client.get("/portal/pending")).status_code == 200
    await p.published()

    records = await all_records(p.kafka, p.namespace)
    on_topics = record_texts(records)
    in_tables = await table_texts(p.pool)
    in_logs = [caplog.text] + [str(r.__dict__) for r in caplog.records]
    assert on_topics and in_tables and in_logs

    candidates = token_like(on_topics + in_tables + in_logs)
    secrets = {"page session": minted.token, "csrf value": minted.csrf}
    signature = minted.token.rsplit(".", 1)[1]
    for name, secret in {**secrets, "token signature": signature}.items():
        assert secret not in candidates, f"the {name} is kept or carried in clear"
        assert not any(secret in text for text in on_topics + in_tables + in_logs), name

    opened = [c for c in sorted(candidates) if await opens_a_session(p, c)]

    assert opened == []
    assert len(candidates) > 20  # the search looked at something
    # The real session still opens the page: the test above could have failed.
    assert await opens_a_session(p, minted.token)


async def test_the_portal_keeps_no_login_or_session_table(portal: Portal) -> None:
    p = portal
    tables = {r["tablename"] for r in await p.pool.fetch("select tablename from pg_tables where schemaname = 'public'")}

    assert {"portal_login_tokens", "portal_login_requests", "portal_sessions"}.isdisjoint(tables)
    assert "ended_page_sessions" in tables  # what it keeps: which sessions the owner ended (no credential)
    columns = await p.pool.fetch(
        "select column_name from information_schema.columns where table_name = 'ended_page_sessions' order by 1"
    )
    assert [c["column_name"] for c in columns] == ["ended_at", "not_after", "session_id"]


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_an_altered_session_token_never_opens_a_session(portal: Portal) -> None:
    p = portal
    minted = p.mint()
    header, payload, signature = minted.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    middle = len(signature) // 2
    flipped = signature[:middle] + ("A" if signature[middle] != "A" else "B") + signature[middle + 1 :]
    near_misses = [
        f"{header}.{payload}.{flipped}",  # one signature character
        f"{header}.{_b64({**claims, 'company_id': str(p.company_id).replace('-', '')[::-1]})}.{signature}",
        f"{header}.{_b64({**claims, 'exp': claims['exp'] + 3600})}.{signature}",  # a longer life, same signature
        f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        f"{_b64({'alg': 'HS256', 'kid': 'dev'})}.{payload}.{signature}",
        minted.token.upper(),
        minted.token[1:],
    ]

    assert [await opens_a_session(p, guess) for guess in near_misses] == [False] * len(near_misses)
    assert await opens_a_session(p, minted.token)
