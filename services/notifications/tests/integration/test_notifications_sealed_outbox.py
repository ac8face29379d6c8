"""The mail outbox keeps a login link sealed (real PostgreSQL): the row never holds it in clear, the sender
opens it only to build the message, and the sealed copy is gone once sent, failed for good or expired."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import asyncpg
import pytest

from notifications.app import MIGRATIONS
from notifications.emails.mailer import MailDeliveryError
from notifications.emails.models import SECRET_PLACEHOLDER, MailContext, RetryPolicy
from notifications.emails.service import deliver_next, purge_expired_secrets
from notifications.login_links.service import plan_login_link_email
from vikar_shared.db import create_pool, transaction
from vikar_shared.events.timesheet import LoginLinkRequestedV2, login_link_seal_context
from vikar_shared.sealing import SealingKeys, dev_sealing_keys

SENDER = "Vikarmodellen <noreply@vikarmodel.dk>"
CONTEXT = MailContext(portal_base_url="https://portal.example.dk", message_id_domain="vikarmodel.dk")
POLICY = RetryPolicy(max_attempts=3, base_seconds=0, max_seconds=0)
KEYS = SealingKeys(dev_sealing_keys())


@pytest.fixture
async def pool(make_database: Callable[[str, Path], Awaitable[str]]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(await make_database("notifications", MIGRATIONS))
    yield pool
    await pool.close()


class Mailer:
    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.bodies: list[str] = []
        self.html_bodies: list[str] = []

    async def send(self, message: EmailMessage, recipient: str) -> None:
        await asyncio.sleep(0)
        if self.failures:
            self.failures -= 1
            raise MailDeliveryError("421 try again later", permanent=False)
        # Issue 14: the login mail has a text and an HTML part (multipart/alternative).
        text, html = message.get_body(preferencelist=("plain",)), message.get_body(preferencelist=("html",))
        assert text is not None and html is not None
        self.bodies.append(str(text.get_content()))
        self.html_bodies.append(str(html.get_content()))


async def _plan(pool: asyncpg.Pool, email: str, expires_in: timedelta = timedelta(minutes=15)) -> str:
    link = f"https://portal.example.dk/portal/login/{uuid.uuid4().hex}{uuid.uuid4().hex}"
    expires_at = datetime.now(UTC) + expires_in
    event = LoginLinkRequestedV2(
        request_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        email=email,
        sealed_link=KEYS.seal(link, context=login_link_seal_context(email)),
        expires_at=expires_at,
    )
    async with transaction(pool) as conn:
        planned = await plan_login_link_email(
            conn, uuid.uuid4(), event, CONTEXT, datetime.now(UTC) - timedelta(minutes=1)
        )
    assert planned == 1
    return link


async def _row_text(pool: asyncpg.Pool) -> str:
    return " ".join(r["t"] for r in await pool.fetch("select t::text as t from outgoing_emails t"))


async def _deliver(pool: asyncpg.Pool, mailer: Mailer) -> bool:
    async with transaction(pool) as conn:
        return await deliver_next(conn, mailer, SENDER, POLICY, KEYS)


async def test_the_row_holds_a_placeholder_and_the_sealed_link_and_the_message_the_link(pool: asyncpg.Pool) -> None:
    link = await _plan(pool, "bo@bager.example")
    assert link not in await _row_text(pool)
    row = await pool.fetchrow("select body, sealed_secret, secret_context from outgoing_emails")
    assert row is not None
    assert SECRET_PLACEHOLDER in row["body"].splitlines()
    assert set(row["sealed_secret"]) == {"key_id", "nonce", "ciphertext"}
    assert row["secret_context"] == login_link_seal_context("bo@bager.example")

    mailer = Mailer()
    assert await _deliver(pool, mailer)

    [body] = mailer.bodies
    assert link in body and SECRET_PLACEHOLDER not in body
    [html] = mailer.html_bodies
    assert f'<a href="{link}">{link}</a>' in html and SECRET_PLACEHOLDER not in html
    sent = await pool.fetchrow("select status, sealed_secret, secret_context from outgoing_emails")
    assert sent is not None
    assert (sent["status"], sent["sealed_secret"], sent["secret_context"]) == ("sent", None, None)
    assert link not in await _row_text(pool)


async def test_a_retry_keeps_the_link_sealed_and_giving_up_deletes_it(pool: asyncpg.Pool) -> None:
    link = await _plan(pool, "bo@bager.example")
    mailer = Mailer(failures=3)

    for _ in range(3):
        assert await _deliver(pool, mailer)
        assert link not in await _row_text(pool)

    row = await pool.fetchrow("select status, attempts, sealed_secret, last_error from outgoing_emails")
    assert row is not None
    assert (row["status"], row["attempts"], row["sealed_secret"]) == ("failed", 3, None)
    assert link not in row["last_error"]
    assert mailer.bodies == []


async def test_a_link_expired_when_its_turn_comes_is_not_sent_and_its_sealed_copy_goes(pool: asyncpg.Pool) -> None:
    await _plan(pool, "late@bager.example", expires_in=timedelta(seconds=-1))
    mailer = Mailer()

    assert await _deliver(pool, mailer)

    assert mailer.bodies == []
    row = await pool.fetchrow("select status, sealed_secret, last_error from outgoing_emails")
    assert row is not None
    assert (row["status"], row["sealed_secret"]) == ("failed", None)
    assert "expired" in row["last_error"]


async def test_the_idle_purge_gives_up_waiting_e_mails_whose_link_expired(pool: asyncpg.Pool) -> None:
    await _plan(pool, "waiting@bager.example", expires_in=timedelta(seconds=-1))
    await _plan(pool, "fresh@bager.example")
    await pool.execute("update outgoing_emails set next_attempt_at = now() + interval '1 hour'")

    async with transaction(pool) as conn:
        assert await purge_expired_secrets(conn) == 1

    rows = await pool.fetch("select recipient, status, sealed_secret is null as purged from outgoing_emails order by 1")
    assert [(r["recipient"], r["status"], r["purged"]) for r in rows] == [
        ("fresh@bager.example", "pending", False),
        ("waiting@bager.example", "failed", True),
    ]


async def test_without_the_key_nothing_is_sent(pool: asyncpg.Pool) -> None:
    await _plan(pool, "bo@bager.example")
    mailer = Mailer()

    async with transaction(pool) as conn:
        assert await deliver_next(conn, mailer, SENDER, POLICY, None)

    assert mailer.bodies == []
    assert await pool.fetchval("select status from outgoing_emails") == "failed"
