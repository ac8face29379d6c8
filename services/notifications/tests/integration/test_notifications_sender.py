"""The mail outbox sender against real PostgreSQL (and Mailpit): retries, giving up, SKIP LOCKED claims."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from notifications.app import MIGRATIONS, create_app
from notifications.companies.models import Approver
from notifications.emails import repository
from notifications.emails.mailer import MailDeliveryError, SmtpMailer
from notifications.emails.models import MailContext, RetryPolicy
from notifications.emails.service import deliver_next
from notifications.submissions.approval_mail import plan_approval_email
from notifications.submissions.models import Submission, SubmittedHours
from vikar_shared.auth.principal import Role
from vikar_shared.db import create_pool, transaction
from vikar_shared.events.placement import Approver as ApproverData
from vikar_shared.events.placement import CompanyRegistered
from vikar_shared.events.timesheet import HoursSubmitted, SubmittedEntry
from vikar_shared.metrics import PROCESS
from vikar_shared.testing.plugin import StackSettings, bearer, publish_events, serve_in_process, wait_until

SENDER = "Vikarmodellen <noreply@vikarmodel.dk>"
CONTEXT = MailContext(portal_base_url="https://portal.example.dk", message_id_domain="vikarmodel.dk")


@pytest.fixture
async def pool(make_database: Callable[[str, Path], Awaitable[str]]) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(await make_database("notifications", MIGRATIONS))
    yield pool
    await pool.close()


class RecordingMailer:
    """Fails the first ``failures`` sends (transient unless ``permanent``), then records or forwards them."""

    def __init__(self, failures: int = 0, *, permanent: bool = False, forward_to: SmtpMailer | None = None) -> None:
        self.failures = failures
        self.permanent = permanent
        self.forward_to = forward_to
        self.sent: list[str] = []

    async def send(self, message: EmailMessage, recipient: str) -> None:
        await asyncio.sleep(0.01)  # lets a concurrent sender run while this one "talks SMTP"
        if self.failures > 0:
            self.failures -= 1
            raise MailDeliveryError("421 try again later", permanent=self.permanent)
        if self.forward_to is not None:
            await self.forward_to.send(message, recipient)
        self.sent.append(str(message["Message-ID"]))


async def _plan(pool: asyncpg.Pool, *recipients: str) -> None:
    submission = Submission(
        event_id=uuid.uuid4(),
        submission_id=uuid.uuid4(),
        placement_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        citizen_name="Mette Hansen",
        entries=(SubmittedHours(uuid.uuid4(), date(2026, 1, 12), 150),),
    )
    async with transaction(pool) as conn:
        await repository.insert_planned(
            conn, [plan_approval_email(submission, Approver(r, "A"), CONTEXT) for r in recipients]
        )


async def _deliver(pool: asyncpg.Pool, mailer: Any, policy: RetryPolicy) -> bool:
    async with transaction(pool) as conn:
        return await deliver_next(conn, mailer, SENDER, policy)


async def test_transient_failure_is_retried_after_backoff_and_then_sent_once(
    pool: asyncpg.Pool, mailbox: Any, mailpit: StackSettings, unique_address: Callable[[str], str]
) -> None:
    anne = unique_address("anne")
    await _plan(pool, anne)
    smtp = SmtpMailer(host=mailpit.smtp_host, port=mailpit.smtp_port, sender=SENDER, timeout_seconds=10)
    mailer = RecordingMailer(failures=1, forward_to=smtp)
    policy = RetryPolicy(max_attempts=5, base_seconds=60, max_seconds=600)

    assert await _deliver(pool, mailer, policy)
    row = await pool.fetchrow("select *, next_attempt_at - now() as wait from outgoing_emails")
    assert (row["status"], row["attempts"], row["last_error"]) == ("pending", 1, "421 try again later")
    assert 55 < row["wait"].total_seconds() <= 60
    assert not await _deliver(pool, mailer, policy), "an e-mail in backoff must not be sent before it is due"

    await pool.execute("update outgoing_emails set next_attempt_at = now()")  # the backoff has passed
    assert await _deliver(pool, mailer, policy)
    row = await pool.fetchrow("select * from outgoing_emails")
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 2, None)
    assert row["sent_at"] is not None
    [message] = await mailbox.messages_to(anne)
    assert f"<{message['MessageID']}>" == row["message_id"]


async def test_permanent_failure_is_not_retried(pool: asyncpg.Pool) -> None:
    await _plan(pool, "anne@example.dk")
    mailer = RecordingMailer(failures=1, permanent=True)
    assert await _deliver(pool, mailer, RetryPolicy(max_attempts=5, base_seconds=0, max_seconds=0))
    row = await pool.fetchrow("select status, attempts from outgoing_emails")
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert not await _deliver(pool, mailer, RetryPolicy(max_attempts=5, base_seconds=0, max_seconds=0))
    assert mailer.sent == []


async def test_sender_gives_up_after_the_last_attempt(pool: asyncpg.Pool) -> None:
    await _plan(pool, "anne@example.dk")
    mailer = RecordingMailer(failures=10)
    policy = RetryPolicy(max_attempts=3, base_seconds=0, max_seconds=0)
    outcomes = [await _deliver(pool, mailer, policy) for _ in range(4)]
    assert outcomes == [True, True, True, False]
    row = await pool.fetchrow("select status, attempts, last_error from outgoing_emails")
    assert (row["status"], row["attempts"], row["last_error"]) == ("failed", 3, "421 try again later")


async def test_two_concurrent_senders_never_send_the_same_email(pool: asyncpg.Pool) -> None:
    await _plan(pool, *(f"approver-{n}@example.dk" for n in range(20)))
    mailer = RecordingMailer()
    policy = RetryPolicy(max_attempts=3, base_seconds=0, max_seconds=0)

    async def drain() -> None:
        while await _deliver(pool, mailer, policy):
            pass

    await asyncio.gather(drain(), drain())
    assert len(mailer.sent) == 20
    assert len(set(mailer.sent)) == 20
    assert await pool.fetchval("select count(*) from outgoing_emails where status = 'sent' and attempts = 1") == 20


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_unreachable_smtp_server_is_retried_then_reported_failed(
    make_settings: Any, kafka: str, kafka_namespace: str
) -> None:
    settings = await make_settings(
        smtp_port=_closed_port(), sender_max_attempts=3, sender_retry_base_seconds=0.05, smtp_timeout_seconds=2
    )
    company_id = uuid.uuid4()
    app = create_app(settings)
    async with serve_in_process(app) as client:
        company = CompanyRegistered(
            company_id=company_id,
            name="Bager",
            cvr="12345674",
            approvers=[ApproverData(email="a@example.dk", name="A")],
        )
        hours = HoursSubmitted(
            submission_id=uuid.uuid4(),
            placement_id=uuid.uuid4(),
            company_id=company_id,
            citizen_name="Mette Hansen",
            submitted_by="c",
            entries=[SubmittedEntry(entry_id=uuid.uuid4(), work_date=date(2026, 1, 12), minutes=60)],
        )
        await publish_events(kafka, kafka_namespace, [(company, company_id), (hours, hours.placement_id)])

        async def failed() -> list[Any]:
            response = await client.get("/emails", params={"status": "failed"}, headers=bearer(Role.ADMIN))
            items: list[Any] = response.json()["items"]
            return items

        async def gave_up() -> bool:
            return len(await failed()) == 1

        await wait_until(gave_up, what="the sender to give up on the unreachable SMTP server")
        [email] = await failed()
        assert email["attempts"] == 3
        assert email["sent_at"] is None
        assert email["last_error"]


def _mails() -> dict[str, float]:
    families = text_string_to_metric_families(generate_latest(PROCESS).decode())
    return {s.labels["outcome"]: s.value for f in families for s in f.samples if s.name == "vikar_mails_total"}


async def test_sent_retried_and_failed_mails_are_counted_in_vikar_mails_total(pool: asyncpg.Pool) -> None:
    def delta() -> dict[str, float]:
        after = _mails()
        return {k: after.get(k, 0.0) - before.get(k, 0.0) for k in ("sent", "retry", "failed")}

    await _plan(pool, "anne@example.dk")
    policy = RetryPolicy(max_attempts=2, base_seconds=0, max_seconds=0)
    before = _mails()
    mailer = RecordingMailer(failures=1)
    assert await _deliver(pool, mailer, policy)  # 421: tried again later
    assert await _deliver(pool, mailer, policy)  # sent
    assert delta() == {"sent": 1, "retry": 1, "failed": 0}
    await _plan(pool, "bo@example.dk")
    assert await _deliver(pool, RecordingMailer(failures=1, permanent=True), policy)
    assert delta() == {"sent": 1, "retry": 1, "failed": 1}
