"""Issue 6 (items 3, 7, 8), second round in notifications: every address is mailed in its one ASCII form
(an address stored before that rule in full-width letters reaches its ASCII mailbox; one with no ASCII form
fails for good, saying why, instead of an encoding error retried), the approvers read model holds each
mailbox once, and a token whose dates are strings is 401."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from notifications.app import MIGRATIONS, create_app
from notifications.companies.models import Approver, unique_approvers
from notifications.emails import repository
from notifications.emails.models import MailContext, RetryPolicy
from notifications.emails.service import deliver_next
from notifications.submissions.approval_mail import plan_approval_email
from notifications.submissions.models import Submission, SubmittedHours
from vikar_shared.auth.principal import Role
from vikar_shared.db import create_pool, transaction
from vikar_shared.testing.plugin import bearer_with_claims, serve_in_process

SENDER = "Vikarmodellen <noreply@vikarmodel.dk>"
CONTEXT = MailContext(portal_base_url="https://portal.example.dk", message_id_domain="vikarmodel.dk")


@pytest.fixture
async def pool(make_database: Callable[[str, Path], Awaitable[str]]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(await make_database("notifications", MIGRATIONS))
    yield pool
    await pool.close()


class RecordingMailer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, message: EmailMessage, recipient: str) -> None:
        recipient.encode("ascii")  # what plain SMTP (no SMTPUTF8) needs
        self.sent.append((recipient, str(message["To"])))


async def _plan(pool: asyncpg.Pool, *recipients: str) -> None:
    submission = Submission(
        event_id=uuid.uuid4(),
        submission_id=uuid.uuid4(),
        placement_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        citizen_name="Mette Hansen",
        entries=(SubmittedHours(uuid.uuid4(), date(2026, 1, 12), 150),),
    )
    planned = [plan_approval_email(submission, Approver(r, "A"), CONTEXT) for r in recipients]
    async with transaction(pool) as conn:
        await repository.insert_planned(conn, planned)


async def test_stored_look_alike_addresses_are_mailed_in_ascii_or_fail_for_good(pool: asyncpg.Pool) -> None:
    # Rows as an earlier version could have stored them (the read models and the API now refuse or fold them).
    await _plan(pool, "ａｐｐｒ@example.com")
    await _plan(pool, "æøå@example.com")
    mailer = RecordingMailer()
    policy = RetryPolicy(max_attempts=5, base_seconds=0, max_seconds=0)
    for _ in range(2):
        async with transaction(pool) as conn:
            assert await deliver_next(conn, mailer, SENDER, policy)
    assert mailer.sent == [("appr@example.com", "A <appr@example.com>")]
    failed = await pool.fetchrow("select status, attempts, last_error from outgoing_emails where status = 'failed'")
    assert (failed["status"], failed["attempts"]) == ("failed", 1)
    assert "has no ASCII form" in failed["last_error"]


def test_the_approvers_read_model_holds_each_mailbox_once_in_ascii() -> None:
    approvers = unique_approvers(
        [("ａｐｐｒ@example.com", "A"), (" Appr@Example.COM ", "B"), ("a@bæk.dk", "C"), ("", "D")]
    )
    assert list(approvers) == [Approver("appr@example.com", "A"), Approver("a@xn--bk-1ia.dk", "C")]


async def test_a_token_whose_exp_is_a_string_is_401_claim_invalid(make_settings: Any) -> None:
    app = create_app(await make_settings())
    async with serve_in_process(app) as client:
        assert (await client.get("/emails", headers=bearer_with_claims(Role.ADMIN))).status_code == 200
        exp = str(int(datetime.now(UTC).timestamp()) + 3600)
        response = await client.get("/emails", headers=bearer_with_claims(Role.ADMIN, exp=exp))
        assert response.status_code == 401, response.text
        assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("Authorization", "claim-invalid")]
