"""No credential of identity can be picked up where it is kept or carried (issues 6 and 7): every table
of the placement database, every record of every topic of the test's Kafka namespace and every log line
of a login, a refresh and a logout are searched for anything token-like, and none of it opens a session
(as a login link or as a refresh cookie); the real link and the real refresh cookie do."""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

import pytest

from vikar_shared.identity.tokens import DEV_KEY_ID, DEV_PUBLIC_KEY_PEM, verify_page_session
from vikar_shared.testing.plugin import all_records
from vikar_shared.testing.secrets import record_texts, table_texts, token_like

if TYPE_CHECKING:
    from conftest import Identity

KEYS = {DEV_KEY_ID: DEV_PUBLIC_KEY_PEM}


async def opens_a_session(p: Identity, candidate: str) -> bool:
    """Whether ``candidate`` logs a fresh browser in, as a login link or as a refresh cookie."""
    async with p.browser(address="192.0.2.77") as browser:
        form = await browser.get("/auth/login")
        csrf = p.csrf_of(form.text)
        look = await browser.get(f"/auth/login/{candidate}")
        post = await browser.post(f"/auth/login/{candidate}", data={"csrf_token": csrf})
        if look.status_code == 200 or post.status_code == 303 or p.cookie_value(post, "vikar_session"):
            return True
        browser.cookies.set("vikar_refresh", candidate, path="/auth/")
        refreshed = await browser.get("/auth/refresh")
        return bool(p.cookie_value(refreshed, "vikar_session"))


async def test_no_token_in_any_table_topic_or_log_line_opens_a_session(
    identity: Identity, caplog: pytest.LogCaptureFixture
) -> None:
    p = identity
    caplog.set_level(logging.DEBUG)
    # A logged-in approver (refresh secret, access token, CSRF value), refreshed once, a colleague who
    # logged in and out, then a fresh link waiting in the mail.
    logged_in = await p.log_in()
    refresh_secret = p.cookie_value(logged_in, "vikar_refresh") or ""
    p.clock.advance(minutes=1)
    refreshed = await p.client.get("/auth/refresh")
    access_token = p.cookie_value(refreshed, "vikar_session") or ""
    csrf = verify_page_session(access_token, public_keys_pem=KEYS, now=p.clock.now()).csrf
    async with p.browser(address="198.51.100.4") as colleague:
        await p.log_in(colleague, email=p.other_approver)
        colleague_csrf = verify_page_session(
            p.access_token(colleague) or "", public_keys_pem=KEYS, now=p.clock.now()
        ).csrf
        assert (await colleague.post("/auth/logout", data={"csrf_token": colleague_csrf})).status_code == 303
    assert (await p.ask_for_link(p.approver, p.browser(address="198.51.100.3"))).status_code == 303
    fresh_token = await p.latest_token(p.approver)
    await p.published()

    records = await all_records(p.kafka, p.namespace)
    on_topics = record_texts(records)
    in_tables = await table_texts(p.pool)
    in_logs = [caplog.text] + [str(r.__dict__) for r in caplog.records]
    assert on_topics and in_tables and in_logs

    candidates = token_like(on_topics + in_tables + in_logs)
    secrets = {
        "login token": fresh_token,
        "refresh secret": refresh_secret,
        "access token": access_token,
        "csrf value": csrf,
    }
    for name, secret in secrets.items():
        assert len(secret) >= 43, name
        where = [t[:300] for t in on_topics + in_tables + in_logs if secret in t]
        assert secret not in candidates, f"the {name} is kept or carried in clear: {where}"
        assert not any(secret in text for text in on_topics + in_tables + in_logs), name
    # The access token's signature (its most token-like part) is nowhere either.
    assert access_token.rsplit(".", 1)[1] not in candidates
    # What is stored of the secrets is a one-way hash (never the secret, and the hash itself opens nothing).
    assert hashlib.sha256(fresh_token.encode()).hexdigest() in " ".join(in_tables)
    assert hashlib.sha256(refresh_secret.encode()).hexdigest() in " ".join(in_tables)

    opened = [c for c in sorted(candidates) if await opens_a_session(p, c)]

    assert opened == []
    assert len(candidates) > 20  # the search looked at something
    # The real link and the real refresh cookie, as mail and browser carry them, still work.
    assert await opens_a_session(p, refresh_secret)
    assert await opens_a_session(p, fresh_token)


async def test_the_session_table_holds_no_csrf_value_and_a_stale_one_is_refused(identity: Identity) -> None:
    p = identity
    await p.log_in()
    csrf = verify_page_session(p.access_token() or "", public_keys_pem=KEYS, now=p.clock.now()).csrf

    columns = await p.pool.fetch(
        "select column_name from information_schema.columns where table_name = 'identity_sessions' order by 1"
    )
    assert not [c["column_name"] for c in columns if "csrf" in c["column_name"]]
    assert csrf not in " ".join(await table_texts(p.pool))
    # The derived value still guards the logout form: a near miss is refused, the right one logs out.
    near_miss = ("y" if csrf[0] == "x" else "x") + csrf[1:]
    assert (await p.client.post("/auth/logout", data={"csrf_token": near_miss})).status_code == 403
    assert (await p.client.post("/auth/logout", data={"csrf_token": csrf})).status_code == 303


async def test_a_token_sized_guess_never_opens_a_session(identity: Identity) -> None:
    p = identity
    await p.ask_for_link(p.approver)
    token = await p.latest_token()
    near_misses = [token[:-1] + ("A" if token[-1] != "A" else "B"), token.upper(), token[1:], token + "A"]

    assert [await opens_a_session(p, guess) for guess in near_misses] == [False] * 4
    async with p.browser() as browser:
        assert (await browser.get(f"/auth/login/{token}")).status_code == 200
