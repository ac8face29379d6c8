"""placement.login_link_requested (the identity owner's, issue 7) over real Kafka → one e-mail in Mailpit
with the link, exactly as timesheet's v2 request was mailed: the names from the companies read model,
the asked language, never two for one event, never the link in the e-mail log."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from notifications.app import create_app
from notifications.emails.models import SECRET_PLACEHOLDER, message_id_for
from vikar_shared.events.placement import Approver, CompanyRegistered, PageLoginLinkRequested
from vikar_shared.events.timesheet import login_link_seal_context
from vikar_shared.messaging.kafka import make_producer
from vikar_shared.sealing import SealingKeys, dev_sealing_keys
from vikar_shared.testing.plugin import publish_events, serve_in_process, wait_until

DUPLICATE_GRACE_SECONDS = 2.0


def _request(company_id: uuid.UUID | None, email: str, *, locale: str = "da") -> tuple[PageLoginLinkRequested, str]:
    """A request as placement publishes it (the link sealed with the development key for ``email``), and
    the link in clear, which only the test (and the mail) may know."""
    link = f"https://vikarmodel.example/auth/login/{uuid.uuid4().hex}"
    request = PageLoginLinkRequested(
        request_id=uuid.uuid4(),
        email=email,
        role="company_approver",
        company_id=company_id,
        sealed_link=SealingKeys(dev_sealing_keys()).seal(link, context=login_link_seal_context(email)),
        expires_at=datetime.now(UTC) + timedelta(minutes=15),
        locale=locale,
    )
    return request, link


async def _one_mail_to(mailbox: Any, address: str) -> dict[str, Any]:
    async def arrived() -> bool:
        return bool(await mailbox.count_to(address) >= 1)

    await wait_until(arrived, what=f"a login e-mail to {address}")
    [summary] = await mailbox.messages_to(address)
    detail: dict[str, Any] = await mailbox.message(summary["ID"])
    return detail


async def test_placements_link_is_mailed_once_in_danish_with_the_approvers_and_companys_names(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    bo = unique_address("bo")
    company_id = uuid.uuid4()
    app = create_app(await make_settings())
    async with serve_in_process(app):
        company = CompanyRegistered(
            company_id=company_id,
            name="Bager Hansen ApS",
            cvr="12345674",
            approvers=[Approver(email=bo, name="Bo Hansen")],
        )
        await publish_events(kafka, kafka_namespace, [(company, company_id)])

        async def company_known() -> bool:
            return bool(
                await app.state.pool.fetchval("select count(*) from companies where company_id = $1", company_id)
            )

        await wait_until(company_known, what="the company in the read model")
        request, link = _request(company_id, bo.upper())
        [envelope] = await publish_events(kafka, kafka_namespace, [(request, company_id)])

        message = await _one_mail_to(mailbox, bo)
        # The same envelope again (a redelivery) plans nothing new.
        producer = make_producer(kafka, "test-redeliver")
        await producer.start()
        try:
            await producer.send_and_wait(
                kafka_namespace + request.topic, value=envelope.model_dump_json().encode(), key=str(company_id).encode()
            )
        finally:
            await producer.stop()
        await asyncio.sleep(DUPLICATE_GRACE_SECONDS)
        assert await mailbox.count_to(bo) == 1

        pool: asyncpg.Pool = app.state.pool
        rows = await pool.fetch(
            "select kind, status, body, sealed_secret, t::text as everything from outgoing_emails t"
        )
    assert message["Subject"] == "Dit login-link til Vikarmodellen"
    assert message["To"] == [{"Name": "Bo Hansen", "Address": bo}]
    assert f"<{message['MessageID']}>" == message_id_for(envelope.id, bo, "vikarmodel.dk")
    text = message["Text"]
    assert text.startswith("Hej Bo Hansen,")
    assert "godkende timer for Bager Hansen ApS:" in text
    assert link in text
    assert [(r["kind"], r["status"]) for r in rows] == [("login_link", "sent")]
    # The e-mail log never held the link: a placeholder where it goes, and the sealed copy gone once sent.
    assert link not in rows[0]["everything"]
    assert SECRET_PLACEHOLDER in rows[0]["body"]
    assert rows[0]["sealed_secret"] is None


async def test_an_english_request_for_an_approver_not_yet_known_here_is_still_mailed(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    eva = unique_address("eva")
    app = create_app(await make_settings())
    async with serve_in_process(app):
        request, link = _request(uuid.uuid4(), eva, locale="en")
        await publish_events(kafka, kafka_namespace, [(request, request.request_id)])

        message = await _one_mail_to(mailbox, eva)

    assert message["Subject"] == "Your login link for Vikarmodellen"
    assert message["Text"].replace("\r\n", "\n").startswith("Hello,\n\nHere is your link to log in and approve hours:")
    assert link in message["Text"]
