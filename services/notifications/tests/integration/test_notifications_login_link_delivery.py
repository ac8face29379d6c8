"""LoginLinkRequested over real Kafka → one e-mail in Mailpit with the link, in the asked language; never
two for one event, none for a link that expired on the way."""

from __future__ import annotations

import asyncio
import base64
import html
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from pydantic import SecretStr

from notifications.app import create_app
from notifications.emails.models import SECRET_PLACEHOLDER, message_id_for
from vikar_shared.events.placement import PageLoginLinkRequested
from vikar_shared.events.timesheet import LoginLinkRequested, LoginLinkRequestedV2, login_link_seal_context
from vikar_shared.messaging.kafka import make_producer
from vikar_shared.sealing import SealingKeys, dev_sealing_keys
from vikar_shared.testing.events import company_registered
from vikar_shared.testing.plugin import publish_events, serve_in_process, wait_until

DUPLICATE_GRACE_SECONDS = 2.0


LINKS: dict[uuid.UUID, str] = {}


def _request(
    company_id: uuid.UUID,
    email: str,
    *,
    locale: str = "da",
    expires_in: timedelta = timedelta(minutes=15),
    sealed_for: str | None = None,
    keys: SealingKeys | None = None,
    by: str = "timesheet",
) -> LoginLinkRequestedV2 | PageLoginLinkRequested:
    """A request as timesheet (v2) or, ``by="placement"``, as placement, the identity owner since issue 7
    (``placement.login_link_requested`` v1), publishes it: the link sealed with the (development) key for
    ``email``. The link in clear is kept in LINKS by request id, as only the test (and the mail) may know it."""
    where = "https://vikarmodel.example/auth/login" if by == "placement" else "https://portal.example.dk/portal/login"
    link = f"{where}/{uuid.uuid4().hex}"
    sealer = keys or SealingKeys(dev_sealing_keys())
    fields: dict[str, Any] = {
        "request_id": uuid.uuid4(),
        "company_id": company_id,
        "email": email,
        "sealed_link": sealer.seal(link, context=login_link_seal_context(sealed_for or email)),
        "expires_at": datetime.now(UTC) + expires_in,
        "locale": locale,
    }
    if by == "placement":
        request: LoginLinkRequestedV2 | PageLoginLinkRequested = PageLoginLinkRequested(
            role="company_approver", **fields
        )
    else:
        request = LoginLinkRequestedV2(**fields)
    LINKS[request.request_id] = link
    return request


# Both requesters are mailed alike: placement (the identity owner) and timesheet (requests still in flight).
REQUESTERS = pytest.mark.parametrize("by", ["timesheet", "placement"])


async def _one_mail_to(mailbox: Any, address: str) -> dict[str, Any]:
    async def arrived() -> bool:
        return bool(await mailbox.count_to(address) >= 1)

    await wait_until(arrived, what=f"a login e-mail to {address}")
    [summary] = await mailbox.messages_to(address)
    detail: dict[str, Any] = await mailbox.message(summary["ID"])
    return detail


@REQUESTERS
async def test_the_link_is_mailed_once_in_danish_with_the_approvers_and_companys_names(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str, by: str
) -> None:
    bo = unique_address("bo")
    company_id = uuid.uuid4()
    app = create_app(await make_settings())
    async with serve_in_process(app):
        company = company_registered(company_id, (bo, "Bo Hansen"))
        await publish_events(kafka, kafka_namespace, [(company, company_id)])

        async def company_known() -> bool:
            return bool(
                await app.state.pool.fetchval("select count(*) from companies where company_id = $1", company_id)
            )

        await wait_until(company_known, what="the company in the read model")
        request = _request(company_id, bo.upper(), by=by)
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
        assert message["Subject"] == "Dit login-link til Vikarmodellen: Bager Hansen ApS"
        assert message["To"] == [{"Name": "Bo Hansen", "Address": bo}]
        assert f"<{message['MessageID']}>" == message_id_for(envelope.id, bo, "vikarmodel.dk")
        text = message["Text"]
        assert text.startswith("Hej Bo Hansen,")
        assert "godkende timer for Bager Hansen ApS:" in text
        assert LINKS[request.request_id] in text
        assert "Du får denne mail fra Vikarmodellen, fordi du har bedt om et login-link." in text
        # Issue 14: the HTML part carries the link too (escaped, filled in only when sent) and the footer.
        link_html = html.escape(LINKS[request.request_id], quote=True)
        assert f'<a href="{link_html}">{link_html}</a>' in message["HTML"]
        assert "Du får denne mail fra Vikarmodellen, fordi du har bedt om et login-link." in message["HTML"]
        pool: asyncpg.Pool = app.state.pool
        rows = await pool.fetch(
            "select kind, status, body, html_body, sealed_secret, t::text as everything from outgoing_emails t"
        )
        assert [(r["kind"], r["status"]) for r in rows] == [("login_link", "sent")]
        # The e-mail log never held the link: a placeholder where it goes, and the sealed copy gone once sent.
        assert LINKS[request.request_id] not in rows[0]["everything"]
        assert SECRET_PLACEHOLDER in rows[0]["body"]
        assert SECRET_PLACEHOLDER in rows[0]["html_body"].splitlines()
        assert rows[0]["sealed_secret"] is None


@REQUESTERS
async def test_an_english_request_from_an_approver_not_yet_known_here_is_still_mailed(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str, by: str
) -> None:
    eva = unique_address("eva")
    app = create_app(await make_settings())
    async with serve_in_process(app):
        request = _request(uuid.uuid4(), eva, locale="en", by=by)
        await publish_events(kafka, kafka_namespace, [(request, request.request_id)])

        message = await _one_mail_to(mailbox, eva)

    assert message["Subject"] == "Your login link for Vikarmodellen"
    assert message["Text"].replace("\r\n", "\n").startswith("Hello,\n\nHere is your link to log in and approve hours:")
    assert LINKS[request.request_id] in message["Text"]
    assert "You receive this mail from Vikarmodellen because you asked for a login link." in message["Text"]
    assert html.escape(LINKS[request.request_id], quote=True) in message["HTML"]
    assert '<html lang="en">' in message["HTML"]


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


async def test_a_version_1_request_with_the_link_in_clear_is_skipped_and_counted_never_mailed(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    old_style, fresh = unique_address("old"), unique_address("fresh")
    app = create_app(await make_settings())
    async with serve_in_process(app):
        v1 = LoginLinkRequested(
            request_id=uuid.uuid4(),
            company_id=uuid.uuid4(),
            email=old_style,
            link=f"https://portal.example.dk/portal/login/{uuid.uuid4().hex}",
            expires_at=datetime.now(UTC) + timedelta(minutes=15),
        )
        valid = _request(uuid.uuid4(), fresh)
        await publish_events(kafka, kafka_namespace, [(v1, "same-key"), (valid, "same-key")])

        await _one_mail_to(mailbox, fresh)

        pool: asyncpg.Pool = app.state.pool
        assert await mailbox.count_to(old_style) == 0
        assert await pool.fetchval("select count(*) from outgoing_emails where recipient = $1", old_style) == 0
        skipped = await pool.fetchval(
            "select skipped from consumer_skips where consumer = 'notifications.login_links' and event_type = $1",
            "timesheet.login_link_requested.v1",
        )
        assert skipped == 1
        assert await pool.fetchval("select count(*) from inbox where event_type like '%login_link%'") >= 2


async def test_a_link_sealed_for_another_address_or_with_an_unknown_key_is_never_sent(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    """A Kafka writer who copies a sealed link into a request for their own address gets no mail."""
    victim, eve, stranger, fresh = (unique_address(w) for w in ("victim", "eve", "stranger", "fresh"))
    other_keys = SealingKeys({"2026-11": SecretStr(base64.b64encode(os.urandom(32)).decode())})
    app = create_app(await make_settings())
    async with serve_in_process(app):
        redirected = _request(uuid.uuid4(), eve, sealed_for=victim)
        foreign = _request(uuid.uuid4(), stranger, keys=other_keys)
        valid = _request(uuid.uuid4(), fresh)
        await publish_events(kafka, kafka_namespace, [(e, "same-key") for e in (redirected, foreign, valid)])

        await _one_mail_to(mailbox, fresh)
        pool: asyncpg.Pool = app.state.pool

        async def both_failed() -> bool:
            failed = await pool.fetchval(
                "select count(*) from outgoing_emails where status = 'failed' and recipient = any($1::text[])",
                [eve, stranger],
            )
            return bool(failed == 2)

        await wait_until(both_failed, what="the two unopenable e-mails to fail")
        assert await mailbox.count_to(eve) == await mailbox.count_to(stranger) == 0
        rows = await pool.fetch(
            "select recipient, last_error, sealed_secret from outgoing_emails where status = 'failed' order by recipient"
        )
        errors = {r["recipient"]: r["last_error"] for r in rows}
        assert "does not open" in errors[eve]
        assert "no sealing key '2026-11'" in errors[stranger]
        assert all(r["sealed_secret"] is None for r in rows)
        assert LINKS[redirected.request_id] not in " ".join(errors.values())


async def test_a_municipality_users_link_is_mailed_about_statements_and_progress_with_the_events_names(
    make_settings: Any, mailbox: Any, unique_address: Callable[[str], str], kafka: str, kafka_namespace: str
) -> None:
    """Issue 12: placement's request for a municipality user carries the municipality's and the person's names
    (no read model here knows them); the mail says what the link opens, in Danish or English."""
    mette, finn = unique_address("mette"), unique_address("finn")
    app = create_app(await make_settings())
    async with serve_in_process(app):
        requests = []
        for email, locale in ((mette, "da"), (finn, "en")):
            link = f"https://vikarmodel.example/auth/login/{uuid.uuid4().hex}"
            request = PageLoginLinkRequested(
                request_id=uuid.uuid4(),
                email=email,
                role="municipality",
                municipality_id=uuid.uuid4(),
                municipality_name="Aalborg Kommune",
                person_name="Mette Jensen" if email == mette else None,
                sealed_link=SealingKeys(dev_sealing_keys()).seal(link, context=login_link_seal_context(email)),
                expires_at=datetime.now(UTC) + timedelta(minutes=15),
                locale=locale,
            )
            LINKS[request.request_id] = link
            requests.append(request)
        await publish_events(kafka, kafka_namespace, [(r, r.request_id) for r in requests])

        danish = await _one_mail_to(mailbox, mette)
        english = await _one_mail_to(mailbox, finn)

        assert danish["Subject"] == "Dit login-link til Vikarmodellen: Aalborg Kommune"
        assert danish["To"] == [{"Name": "Mette Jensen", "Address": mette}]
        text = danish["Text"].replace("\r\n", "\n")
        assert text.startswith(
            "Hej Mette Jensen,\n\nHer er dit link til at logge ind og se kommunens medfinansieringsopgørelser og "
            "fremdrift for Aalborg Kommune:\n"
        )
        assert "godkende timer" not in text
        assert LINKS[requests[0].request_id] in text
        english_text = english["Text"].replace("\r\n", "\n")
        assert english_text.startswith(
            "Hello,\n\nHere is your link to log in and see the municipality's co-financing statements and progress "
            "for Aalborg Kommune:\n"
        )
        assert LINKS[requests[1].request_id] in english_text
        pool: asyncpg.Pool = app.state.pool
        rows = await pool.fetch("select kind, status, t::text as everything from outgoing_emails t order by recipient")
        assert [(r["kind"], r["status"]) for r in rows] == [("login_link", "sent"), ("login_link", "sent")]
        assert all(LINKS[r.request_id] not in row["everything"] for r in requests for row in rows)
