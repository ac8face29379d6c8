"""LoginLinkRequested over real Kafka → one e-mail in Mailpit with the link, in the asked language; never
two for one event, none for a link that expired on the way."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from notifications.app import create_app
from notifications.emails.models import message_id_for
from vikar_shared.events.placement import Approver, CompanyRegistered
from vikar_shared.events.timesheet import LoginLinkRequested
from vikar_shared.messaging.kafka import make_producer
from vikar_shared.testing.plugin import publish_events, serve_in_process, wait_until

DUPLICATE_GRACE_SECONDS = 2.0


def _request(
    company_id: uuid.UUID, email: str, *, locale: str = "da", expires_in: timedelta = timedelta(minutes=15)
) -> LoginLinkRequested:
    return LoginLinkRequested(
        request_id=uuid.uuid4(),
        company_id=company_id,
        email=email,
        link=f"https://portal.example.dk/portal/login/{uuid.uuid4().hex}",
        expires_at=datetime.now(UTC) + expires_in,
        locale=locale,
    )


async def _one_mail_to(mailbox: Any, address: str) -> dict[str, Any]:
    async def arrived() -> bool:
        return bool(await mailbox.count_to(address) >= 1)

    await wait_until(arrived, what=f"a login e-mail to {address}")
    [summary] = await mailbox.messages_to(address)
    detail: dict[str, Any] = await mailbox.message(summary["ID"])
    return detail


async def test_the_link_is_mailed_once_in_danish_with_the_approvers_and_companys_names(
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
        request = _request(company_id, bo.upper())
        [envelope] = await publish_events(kafka, kafka_namespace, [(request, request.request_id)])

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
        assert message["Subject"] == "Dit login-link til Vikarmodellen"
        assert message["To"] == [{"Name": "Bo Hansen", "Address": bo}]
        assert f"<{message['MessageID']}>" == message_id_for(envelope.id, bo, "vikarmodel.dk")
        text = message["Text"]
        assert text.startswith("Hej Bo Hansen,")
        assert "godkende timer for Bager Hansen ApS:" in text
        assert request.link in text
        pool: asyncpg.Pool = app.state.pool
        rows = await pool.fetch("select kind, status, body from outgoing_emails")
        assert [(r["kind"], r["status"]) for r in rows] == [("login_link", "sent")]
        # Once sent, the still-usable link is not kept readable in the e-mail log.
        assert request.link not in rows[0]["body"]


async def test_an_english_request_from_an_approver_not_yet_known_here_is_still_mailed(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    eva = unique_address("eva")
    app = create_app(await make_settings())
    async with serve_in_process(app):
        request = _request(uuid.uuid4(), eva, locale="en")
        await publish_events(kafka, kafka_namespace, [(request, request.request_id)])

        message = await _one_mail_to(mailbox, eva)

    assert message["Subject"] == "Your login link for Vikarmodellen"
    assert message["Text"].replace("\r\n", "\n").startswith("Hello,\n\nHere is your link to log in and approve hours:")
    assert request.link in message["Text"]


async def test_a_link_that_expired_before_it_arrived_is_not_mailed(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    late, fresh = unique_address("late"), unique_address("fresh")
    app = create_app(await make_settings())
    async with serve_in_process(app):
        expired = _request(uuid.uuid4(), late, expires_in=timedelta(seconds=-1))
        valid = _request(uuid.uuid4(), fresh)
        # The valid one comes after the expired one on the same partition: once it is mailed, the
        # expired one has certainly been handled.
        await publish_events(kafka, kafka_namespace, [(expired, "same-key"), (valid, "same-key")])

        await _one_mail_to(mailbox, fresh)

        assert await mailbox.count_to(late) == 0
        assert await app.state.pool.fetchval("select count(*) from outgoing_emails where recipient = $1", late) == 0
