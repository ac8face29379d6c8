"""Signed webhooks for finance systems (issue 14, part D), against the real servers and a local receiver:
registration, authorization and bad input; every delivery signed (verified with standardwebhooks' own
``Webhook.verify``); a receiver killed mid-stream and restarted on its port gets every event afterwards
(duplicates only with the same ``webhook-id``); replay; an endpoint failing for days is disabled and finance is
mailed; connect-time refusal of a private address (DNS rebinding); redirects never followed."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from notifications.app import create_app
from vikar_shared.auth.principal import Role
from vikar_shared.clock import FixedClock
from vikar_shared.events.envelope import EventData
from vikar_shared.events.invoicing import InvoicePaid, InvoicePaymentFailed
from vikar_shared.events.placement import StaffMemberChanged
from vikar_shared.testing.plugin import bearer, free_port, publish_events, serve_in_process, wait_until
from vikar_shared.testing.webhook_receiver import Receiver

FINANCE = bearer(Role.FINANCE, sub="finance-anna")
ADMIN = bearer(Role.ADMIN)
PAID = "invoicing.invoice_paid"
FAILED = "invoicing.invoice_payment_failed"
FAST_RETRIES = [0.1, 0.2, 0.3, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]


async def _register(client: Any, url: str, types: list[str], headers: dict[str, str] = FINANCE) -> dict[str, Any]:
    response = await client.post("/webhook-endpoints", json={"url": url, "event_types": types}, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _paid(number: str) -> InvoicePaid:
    return InvoicePaid(
        invoice_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        number=number,
        owed_ore=125_000,
        paid_ore=125_000,
        paid_on=date(2026, 11, 30),
        method="bank_transfer",
    )


def _payment_failed(number: str) -> InvoicePaymentFailed:
    return InvoicePaymentFailed(
        invoice_id=uuid.uuid4(), company_id=uuid.uuid4(), number=number, attempt_count=1, reason="card_declined"
    )


async def _publish(kafka: str, namespace: str, events: list[EventData]) -> list[uuid.UUID]:
    sent = await publish_events(kafka, namespace, [(e, getattr(e, "company_id", "k")) for e in events])
    return [envelope.id for envelope in sent]


def _errors(response: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["rule"]) for e in response.json()["errors"]]


async def test_finance_registers_endpoints_secret_shown_once_others_refused(make_settings: Any) -> None:
    app = create_app(await make_settings())
    async with serve_in_process(app) as client:
        body = {"url": "http://127.0.0.1:9/hook", "event_types": [PAID]}
        assert (await client.post("/webhook-endpoints", json=body)).status_code == 401
        for who in (Role.CONSULTANT, Role.ADMIN):
            refused = await client.post("/webhook-endpoints", json=body, headers=bearer(who))
            assert refused.status_code == 403, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
        approver = bearer(Role.COMPANY_APPROVER, company_id=uuid.uuid4())
        assert (await client.get("/webhook-endpoints", headers=approver)).status_code == 403
        assert (await client.get("/webhook-endpoints", headers=bearer(Role.CONSULTANT))).status_code == 403

        key = {"Idempotency-Key": str(uuid.uuid4())}
        created = await client.post(
            "/webhook-endpoints",
            json={**body, "event_types": [PAID, FAILED, PAID], "description": "Økonomisystemet"},
            headers={**FINANCE, **key},
        )
        assert created.status_code == 201, created.text
        endpoint = created.json()
        secret = endpoint["secret"]
        assert secret.startswith("whsec_") and len(Webhook(secret)._whsecret) == 32
        assert endpoint["event_types"] == [PAID, FAILED]  # repeats dropped
        assert endpoint["enabled"] is True and endpoint["created_by"] == "finance-anna"

        # Never again: not on a replay of the request, not on reads, not in the database in clear.
        replayed = await client.post(
            "/webhook-endpoints",
            json={**body, "event_types": [PAID, FAILED, PAID], "description": "Økonomisystemet"},
            headers={**FINANCE, **key},
        )
        assert replayed.status_code == 201 and replayed.headers["idempotent-replayed"] == "true"
        assert replayed.json()["secret"] is None and replayed.json()["id"] == endpoint["id"]
        for reader in (FINANCE, ADMIN):
            one = await client.get(f"/webhook-endpoints/{endpoint['id']}", headers=reader)
            assert one.status_code == 200 and "secret" not in one.json()
            assert [e["id"] for e in (await client.get("/webhook-endpoints", headers=reader)).json()["items"]] == [
                endpoint["id"]
            ]
        secret_body = secret.removeprefix("whsec_")
        for table in ("webhook_endpoints", "idempotency_keys"):
            dump = await app.state.pool.fetchval(f"select coalesce(string_agg(t::text, ' '), '') from {table} t")
            assert secret_body not in dump and secret not in dump

        # Changes: disable (finance's reason), event types, bad values are 422 naming the field.
        patched = await client.patch(f"/webhook-endpoints/{endpoint['id']}", json={"enabled": False}, headers=FINANCE)
        assert patched.status_code == 200 and patched.json()["disabled_reason"] == "finance"
        assert (
            await client.patch(f"/webhook-endpoints/{endpoint['id']}", json={"enabled": False}, headers=ADMIN)
        ).status_code == 403
        empty = await client.patch(f"/webhook-endpoints/{endpoint['id']}", json={"event_types": []}, headers=FINANCE)
        assert empty.status_code == 422 and _errors(empty) == [("event_types", "webhook-event-types-empty")]
        null = await client.patch(f"/webhook-endpoints/{endpoint['id']}", json={"url": None}, headers=FINANCE)
        assert null.status_code == 422 and _errors(null) == [("url", "not-null")]
        enabled = await client.patch(
            f"/webhook-endpoints/{endpoint['id']}", json={"enabled": True, "event_types": [FAILED]}, headers=FINANCE
        )
        assert enabled.json()["enabled"] is True and enabled.json()["disabled_reason"] is None
        assert enabled.json()["event_types"] == [FAILED]

        rotated = await client.post(f"/webhook-endpoints/{endpoint['id']}/rotate-secret", headers=FINANCE)
        assert rotated.status_code == 200 and rotated.json()["secret"].startswith("whsec_")
        assert rotated.json()["secret"] != secret
        assert (
            await client.post(f"/webhook-endpoints/{endpoint['id']}/rotate-secret", headers=ADMIN)
        ).status_code == 403

        # Unknown objects and malformed ids.
        missing = await client.get(f"/webhook-endpoints/{uuid.uuid4()}", headers=FINANCE)
        assert missing.status_code == 404 and missing.json()["code"] == "webhook-endpoint-not-found"
        no_delivery = await client.post("/webhook-deliveries/123456/replay", headers=FINANCE)
        assert no_delivery.status_code == 404 and no_delivery.json()["code"] == "webhook-delivery-not-found"
        bad_id = await client.get("/webhook-deliveries/abc", headers=FINANCE)
        assert bad_id.status_code == 422 and _errors(bad_id) == [("delivery_id", "webhook-delivery-id-format")]

        assert (await client.delete(f"/webhook-endpoints/{endpoint['id']}", headers=ADMIN)).status_code == 403
        assert (await client.delete(f"/webhook-endpoints/{endpoint['id']}", headers=FINANCE)).status_code == 204
        assert (await client.get(f"/webhook-endpoints/{endpoint['id']}", headers=FINANCE)).status_code == 404


async def test_bad_urls_and_event_types_are_422_naming_field_and_rule(make_settings: Any) -> None:
    app = create_app(await make_settings(webhook_allow_insecure_urls=False))

    async def resolve(host: str, port: int) -> list[str]:
        return {"intranet.example": ["192.168.1.5"], "finance.example": ["93.184.216.34"]}.get(host, [])

    app.state.webhook_resolver = resolve
    async with serve_in_process(app) as client:
        for url, rule in (
            ("http://finance.example/hook", "webhook-url-not-https"),
            ("https://127.0.0.1/hook", "webhook-url-private"),
            ("https://[::1]/hook", "webhook-url-private"),
            ("https://[::ffff:127.0.0.1]/hook", "webhook-url-private"),
            ("https://10.1.2.3/hook", "webhook-url-private"),
            ("https://169.254.169.254/latest/meta-data", "webhook-url-private"),
            ("https://100.64.0.1/hook", "webhook-url-private"),
            ("https://224.0.0.1/hook", "webhook-url-private"),
            ("https://localhost/hook", "webhook-url-private"),
            ("https://api.localhost/hook", "webhook-url-private"),
            ("https://intranet.example/hook", "webhook-url-private"),  # resolved at registration
            ("https://user:pw@finance.example/hook", "webhook-url-invalid"),
            ("ftp://finance.example/hook", "webhook-url-invalid"),
            ("finance.example/hook", "webhook-url-invalid"),
            ("https://finance.example/hook#x", "webhook-url-invalid"),
            ("https://finance.example/hook?token=abc", "webhook-url-invalid"),  # a credential in clear
        ):
            r = await client.post("/webhook-endpoints", json={"url": url, "event_types": [PAID]}, headers=FINANCE)
            assert r.status_code == 422, (url, r.text)
            assert _errors(r) == [("url", rule)], (url, r.text)
            assert r.json()["code"] == rule

        unknown = await client.post(
            "/webhook-endpoints",
            json={"url": "https://finance.example/hook", "event_types": [PAID, "invoicing.hours_accrued", "x"]},
            headers=FINANCE,
        )
        assert unknown.status_code == 422
        assert _errors(unknown) == [
            ("event_types[1]", "webhook-event-type-unknown"),
            ("event_types[2]", "webhook-event-type-unknown"),
        ]
        both = await client.post(
            "/webhook-endpoints", json={"url": "http://10.0.0.1/", "event_types": []}, headers=FINANCE
        )
        assert _errors(both) == [("url", "webhook-url-not-https"), ("event_types", "webhook-event-types-empty")]
        missing = await client.post("/webhook-endpoints", json={"url": "https://finance.example/hook"}, headers=FINANCE)
        assert missing.status_code == 422 and _errors(missing) == [("event_types", "missing")]
        assert (await client.get("/webhook-endpoints", headers=FINANCE)).json() == {"items": []}  # nothing written

        ok = await _register(client, "https://finance.example/hook", [PAID])
        patched = await client.patch(
            f"/webhook-endpoints/{ok['id']}", json={"url": "https://10.0.0.1/hook"}, headers=FINANCE
        )
        assert patched.status_code == 422 and _errors(patched) == [("url", "webhook-url-private")]
        assert (await client.get(f"/webhook-endpoints/{ok['id']}", headers=FINANCE)).json()["url"] == (
            "https://finance.example/hook"
        )


async def test_signed_deliveries_survive_a_receiver_killed_mid_stream(
    make_settings: Any, kafka: str, kafka_namespace: str
) -> None:
    receiver = Receiver(free_port(), delay=0.02)
    await receiver.start()
    app = create_app(
        await make_settings(webhook_retry_schedule_seconds=FAST_RETRIES, webhook_poll_interval_seconds=0.05)
    )
    try:
        async with serve_in_process(app) as client:
            secret = (await _register(client, receiver.url, [PAID, FAILED]))["secret"]
            other = Receiver(free_port())  # subscribed to another type only: gets nothing
            await _register(client, other.url, ["invoicing.statement_issued"])
            first = await _publish(
                kafka, kafka_namespace, [_paid(f"F-{i}") if i % 2 else _payment_failed(f"F-{i}") for i in range(30)]
            )

            async def some_arrived() -> bool:
                return len(receiver.received) >= 8

            await wait_until(some_arrived, what="the first deliveries")
            await receiver.stop()  # mid-stream
            before_restart = len(receiver.received)
            assert before_restart < 30
            second = await _publish(kafka, kafka_namespace, [_paid(f"S-{i}") for i in range(10)])

            async def failures_logged() -> bool:
                return bool(
                    await app.state.pool.fetchval("select count(*) from webhook_attempts where status_code is null")
                    >= 3
                )

            await wait_until(failures_logged, what="failed attempts while the receiver is down")
            await receiver.start()
            expected = {str(i) for i in first + second}

            async def all_arrived() -> bool:
                return {r.headers["webhook-id"] for r in receiver.received} >= expected

            await wait_until(all_arrived, timeout=60, what="every event at the restarted receiver")

            async def all_delivered() -> bool:
                rows = await app.state.pool.fetch("select status, count(*) from webhook_deliveries group by status")
                return {row["status"]: row["count"] for row in rows} == {"delivered": 40}

            await wait_until(all_delivered, what="every delivery recorded as delivered")

        signer = Webhook(secret)
        bodies: dict[str, bytes] = {}
        for r in receiver.received:
            payload = signer.verify(r.body, r.headers)  # raises on a bad signature or timestamp
            assert r.path == "/hook" and r.headers["content-type"] == "application/json"
            assert payload["type"] in (PAID, FAILED) and payload["data"]["number"]
            # A duplicate is the same message: same webhook-id, same body.
            assert bodies.setdefault(r.headers["webhook-id"], r.body) == r.body
        assert set(bodies) == expected
        counts = Counter(r.headers["webhook-id"] for r in receiver.received)
        assert sum(counts.values()) - len(counts) <= 1  # at most the one request cut off when it died
        assert other.received == []
        with pytest.raises(Exception, match="signature"):
            Webhook("whsec_" + "QUJD" * 8).verify(receiver.received[0].body, receiver.received[0].headers)
    finally:
        if receiver._server is not None:
            await receiver.stop()


async def test_replay_sends_the_same_webhook_id_again_and_redirects_are_not_followed(
    make_settings: Any, kafka: str, kafka_namespace: str
) -> None:
    receiver = Receiver(free_port())
    redirecting = Receiver(free_port(), status=307)
    redirecting.location = f"http://127.0.0.1:{receiver.port}/elsewhere"
    await receiver.start()
    await redirecting.start()
    app = create_app(await make_settings(webhook_retry_schedule_seconds=[0.1, 0.1], webhook_poll_interval_seconds=0.05))
    try:
        async with serve_in_process(app) as client:
            good = await _register(client, receiver.url, [PAID])
            moved = await _register(client, redirecting.url, [PAID])
            [event_id] = await _publish(kafka, kafka_namespace, [_paid("R-1")])

            async def settled() -> bool:
                rows = await app.state.pool.fetch("select status from webhook_deliveries")
                return sorted(r["status"] for r in rows) == ["delivered", "failed"]

            await wait_until(settled, what="one delivery delivered, the redirected one given up")
            [delivered] = (await client.get(f"/webhook-endpoints/{good['id']}/deliveries", headers=ADMIN)).json()[
                "items"
            ]
            [failed] = (await client.get(f"/webhook-endpoints/{moved['id']}/deliveries", headers=FINANCE)).json()[
                "items"
            ]

            # The redirect: three attempts (one and two retries), each a 307 logged, the target never asked.
            detail = (await client.get(f"/webhook-deliveries/{failed['id']}", headers=FINANCE)).json()
            assert detail["status"] == "failed" and detail["attempts"] == 3
            assert [(a["status_code"], a["error"]) for a in detail["log"]] == [
                (307, "HTTP 307: redirects are not followed")
            ] * 3
            assert [r.path for r in redirecting.received] == ["/hook"] * 3
            assert [r.path for r in receiver.received] == ["/hook"]

            # Replay: finance only; the same webhook-id and body, a fresh signature that verifies.
            assert (
                await client.post(f"/webhook-deliveries/{delivered['id']}/replay", headers=ADMIN)
            ).status_code == 403
            replayed = await client.post(f"/webhook-deliveries/{delivered['id']}/replay", headers=FINANCE)
            assert replayed.status_code == 202 and replayed.json()["status"] == "pending"

            async def twice() -> bool:
                return len(receiver.received) == 2

            await wait_until(twice, what="the replayed delivery")
            first, again = receiver.received
            assert first.headers["webhook-id"] == again.headers["webhook-id"] == str(event_id)
            assert first.body == again.body
            Webhook(good["secret"]).verify(again.body, again.headers)
            log = (await client.get(f"/webhook-deliveries/{delivered['id']}", headers=FINANCE)).json()

            async def delivered_twice() -> bool:
                one = (await client.get(f"/webhook-deliveries/{delivered['id']}", headers=FINANCE)).json()
                return bool(one["status"] == "delivered" and one["attempts"] == 2)

            await wait_until(delivered_twice, what="the replay logged")
            log = (await client.get(f"/webhook-deliveries/{delivered['id']}", headers=FINANCE)).json()
            assert [a["status_code"] for a in log["log"]] == [200, 200]

            # A disabled endpoint's delivery is not replayed.
            await client.patch(f"/webhook-endpoints/{moved['id']}", json={"enabled": False}, headers=FINANCE)
            refused = await client.post(f"/webhook-deliveries/{failed['id']}/replay", headers=FINANCE)
            assert refused.status_code == 409 and refused.json()["code"] == "webhook-endpoint-disabled"
    finally:
        await receiver.stop()
        await redirecting.stop()


async def test_a_private_address_is_refused_at_connect_time_dns_rebinding(
    make_settings: Any, kafka: str, kafka_namespace: str
) -> None:
    connections = 0

    async def count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        writer.close()

    listener = await asyncio.start_server(count, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    answers = iter([["93.184.216.34"]])

    async def rebinding(host: str, port: int) -> list[str]:
        # Public when registered, loopback ever after.
        return next(answers, ["127.0.0.1"])

    app = create_app(
        await make_settings(
            webhook_allow_insecure_urls=False,
            webhook_retry_schedule_seconds=[0.1, 0.1],
            webhook_poll_interval_seconds=0.05,
        )
    )
    app.state.webhook_resolver = rebinding
    try:
        async with serve_in_process(app) as client:
            endpoint = await _register(client, f"https://finance.example:{port}/hook", [PAID])
            await _publish(kafka, kafka_namespace, [_paid("D-1")])

            async def given_up() -> bool:
                return bool(await app.state.pool.fetchval("select status = 'failed' from webhook_deliveries"))

            await wait_until(given_up, what="the delivery to a rebound address given up")
            [delivery] = (await client.get(f"/webhook-endpoints/{endpoint['id']}/deliveries", headers=FINANCE)).json()[
                "items"
            ]
            log = (await client.get(f"/webhook-deliveries/{delivery['id']}", headers=FINANCE)).json()["log"]
            assert len(log) == 3
            for attempt in log:
                assert attempt["status_code"] is None
                assert "finance.example resolves to 127.0.0.1, a loopback address" in attempt["error"]
        assert connections == 0  # never connected
    finally:
        listener.close()
        await listener.wait_closed()


async def test_an_endpoint_failing_for_days_is_disabled_and_finance_is_mailed(
    make_settings: Any,
    mailbox: Any,
    unique_address: Callable[[str], str],
    kafka: str,
    kafka_namespace: str,
) -> None:
    clock = FixedClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    app = create_app(await make_settings(webhook_disable_after_days=5), clock=clock)
    danish, english, consultant = unique_address("fin-da"), unique_address("fin-en"), unique_address("cons")
    staff = [
        StaffMemberChanged(
            staff_id=uuid.uuid4(), subject=f"s-{who}", name=name, email=email, role=role, active=True, language=lang
        )
        for who, name, email, role, lang in (
            ("da", "Bente Bogholder", danish, "finance", "da"),
            ("en", "Erin Accounts", english, "finance", "en"),
            ("co", "Carl Konsulent", consultant, "consultant", "da"),
        )
    ]
    dead = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens
    async with serve_in_process(app) as client:
        await publish_events(kafka, kafka_namespace, [(s, s.staff_id) for s in staff])
        endpoint = await _register(client, dead, [PAID])

        async def staff_known() -> bool:
            return bool(await app.state.pool.fetchval("select count(*) from staff") == 3)

        await wait_until(staff_known, what="the staff directory")
        await _publish(kafka, kafka_namespace, [_paid("X-1")])

        async def attempts(n: int) -> Callable[[], Awaitable[bool]]:
            async def reached() -> bool:
                return bool(await app.state.pool.fetchval("select attempts from webhook_deliveries") == n)

            return reached

        await wait_until(await attempts(1), what="the first failed attempt")
        state = (await client.get(f"/webhook-endpoints/{endpoint['id']}", headers=FINANCE)).json()
        assert state["enabled"] is True and state["failing_since"] == "2026-12-01T09:00:00Z"

        clock.advance(days=2)  # due again; failing for 2 days: kept
        await wait_until(await attempts(2), what="the second failed attempt")
        assert (await client.get(f"/webhook-endpoints/{endpoint['id']}", headers=FINANCE)).json()["enabled"] is True

        clock.advance(days=3)  # failing for 5 days: disabled
        await wait_until(await attempts(3), what="the third failed attempt")
        state = (await client.get(f"/webhook-endpoints/{endpoint['id']}", headers=FINANCE)).json()
        assert state["enabled"] is False and state["disabled_reason"] == "failing"
        assert state["disabled_at"] == "2026-12-06T09:00:00Z"

        async def mailed() -> bool:
            return bool(await mailbox.count_to(danish) == 1 and await mailbox.count_to(english) == 1)

        await wait_until(mailed, what="the finance mails")
        [da_summary] = await mailbox.messages_to(danish)
        [en_summary] = await mailbox.messages_to(english)
        port_host = dead.removeprefix("http://").split("/")[0]
        assert da_summary["Subject"] == f"Webhook slået fra: http://{port_host}/hook"
        assert en_summary["Subject"] == f"Webhook disabled: http://{port_host}/hook"
        da_message, en_message = await mailbox.message(da_summary["ID"]), await mailbox.message(en_summary["ID"])
        assert "Hej Bente Bogholder," in da_message["Text"] and "2026-12-01 10:00" in da_message["Text"]
        assert "Hello Erin Accounts," in en_message["Text"] and "finance staff" in en_message["Text"]
        assert "Erin Accounts" in en_message["HTML"]
        for message in (da_message, en_message):
            assert endpoint["secret"] not in message["Text"] and endpoint["secret"] not in message["HTML"]
        assert await mailbox.count_to(consultant) == 0

        # Disabled: nothing more is attempted, however much time passes; enabling sends again (and fails again).
        clock.advance(days=1)
        await asyncio.sleep(0.5)
        assert await app.state.pool.fetchval("select attempts from webhook_deliveries") == 3
        await client.patch(f"/webhook-endpoints/{endpoint['id']}", json={"enabled": True}, headers=FINANCE)
        await wait_until(await attempts(4), what="an attempt after enabling")
        state = (await client.get(f"/webhook-endpoints/{endpoint['id']}", headers=FINANCE)).json()
        assert state["enabled"] is True and state["failing_since"] == "2026-12-07T09:00:00Z"


async def test_two_replicas_send_each_delivery_once(make_settings: Any, kafka: str, kafka_namespace: str) -> None:
    receiver = Receiver(free_port(), delay=0.05)
    await receiver.start()
    settings = await make_settings(webhook_poll_interval_seconds=0.05)
    first, second = create_app(settings), create_app(settings)  # one database, one consumer group
    try:
        async with serve_in_process(first) as client, serve_in_process(second):
            await _register(client, receiver.url, [PAID])
            sent = await _publish(kafka, kafka_namespace, [_paid(f"T-{i}") for i in range(20)])

            async def delivered() -> bool:
                return bool(
                    await first.state.pool.fetchval(
                        "select count(*) from webhook_deliveries where status = 'delivered'"
                    )
                    == 20
                )

            await wait_until(delivered, what="20 deliveries by two senders")
            assert await first.state.pool.fetchval("select count(*) from webhook_attempts") == 20
        assert sorted(r.headers["webhook-id"] for r in receiver.received) == sorted(str(i) for i in sent)
    finally:
        await receiver.stop()


async def test_events_arriving_while_an_endpoint_is_disabled_go_out_when_it_is_enabled_again(
    make_settings: Any, kafka: str, kafka_namespace: str
) -> None:
    receiver = Receiver(free_port())
    await receiver.start()
    app = create_app(await make_settings(webhook_retry_schedule_seconds=[0.1, 0.1], webhook_poll_interval_seconds=0.05))
    try:
        async with serve_in_process(app) as client:
            endpoint = await _register(client, receiver.url, [PAID])
            paused = await client.patch(
                f"/webhook-endpoints/{endpoint['id']}", json={"enabled": False}, headers=FINANCE
            )
            assert paused.status_code == 200 and paused.json()["enabled"] is False
            [event_id] = await _publish(kafka, kafka_namespace, [_paid("P-1")])

            async def recorded() -> bool:
                return bool(await app.state.pool.fetchval("select count(*) from webhook_deliveries") == 1)

            await wait_until(recorded, what="the delivery recorded for the paused endpoint")
            await asyncio.sleep(0.3)  # several sender passes: nothing goes to a disabled endpoint
            assert receiver.received == []
            resumed = await client.patch(
                f"/webhook-endpoints/{endpoint['id']}", json={"enabled": True}, headers=FINANCE
            )
            assert resumed.status_code == 200

            async def arrived() -> bool:
                return len(receiver.received) == 1

            await wait_until(arrived, what="the paused event delivered once the endpoint is enabled")
            assert receiver.received[0].headers["webhook-id"] == str(event_id)
            Webhook(endpoint["secret"]).verify(receiver.received[0].body, receiver.received[0].headers)
    finally:
        await receiver.stop()
