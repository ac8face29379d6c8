"""``/metrics`` against the real servers: every role answers in the Prometheus text format; request
latency is labelled with the templated route (no id or token in any label); the consumer counters rise
for a handled and a dead-lettered event and the lag falls to zero; the outbox gauges show an unsent row."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, FastAPI
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from vikar_shared.db import transaction
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import Approver, CompanyRegistered
from vikar_shared.http.app import create_service_app
from vikar_shared.messaging.subscriber import ConsumerSpec
from vikar_shared.outbox import add_event
from vikar_shared.runtime import Role
from vikar_shared.settings import ServiceSettings
from vikar_shared.testing.plugin import publish_events, wait_until

MIGRATIONS = Path(__file__).parent / "migrations"
CONSUMER = "testsvc.metered"
UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.IGNORECASE)


HOLD: dict[str, asyncio.Event] = {}  # company name -> released when set (the test's own loop)


async def _record(conn: asyncpg.Connection, envelope: Envelope, data: CompanyRegistered) -> None:
    if data.name == "poison":
        raise RuntimeError("this company name always fails")
    if data.name in HOLD:
        await HOLD[data.name].wait()
    await conn.execute("insert into seen values ($1, $2, $3)", envelope.id, data.company_id, data.name)


def _company(name: str) -> CompanyRegistered:
    return CompanyRegistered(
        company_id=uuid.uuid4(), name=name, cvr="12345674", approvers=[Approver(email="a@example.dk", name="A")]
    )


things = APIRouter()


@things.get("/things/{thing_id}")
async def get_thing(thing_id: str) -> dict[str, str]:
    return {"thing": thing_id}


def _app(dsn: str, namespace: str, kafka: str, role: Role) -> FastAPI:
    settings = ServiceSettings(
        service_name="placement", database_url=dsn, kafka_bootstrap=kafka, kafka_namespace=namespace
    )
    spec = ConsumerSpec(CONSUMER, ["placement.events"], {CompanyRegistered: _record})
    return create_service_app(
        settings, title="t", description="t", routers=[things], migrations=MIGRATIONS, consumers=[spec], role=role
    )


@pytest.fixture
def roles(role_apps: Any) -> Callable[[Role], Awaitable[tuple[FastAPI, httpx.AsyncClient]]]:
    """``app, client = await roles(Role.API)``: apps of one role each, on one database and namespace."""
    start: Callable[[Role], Awaitable[tuple[FastAPI, httpx.AsyncClient]]] = role_apps(_app)
    return start


async def _scrape(client: httpx.AsyncClient) -> list[Sample]:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return [s for family in text_string_to_metric_families(response.text) for s in family.samples]


def _value(samples: list[Sample], name: str, **labels: str) -> float | None:
    found = [s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    return sum(found) if found else None


def _events(samples: list[Sample], outcome: str) -> float:
    return _value(samples, "vikar_consumer_events_total", consumer=CONSUMER, outcome=outcome) or 0.0


async def test_metrics_answers_on_the_api_worker_and_relay_roles(
    roles: Callable[[Role], Awaitable[tuple[FastAPI, httpx.AsyncClient]]],
) -> None:
    for role in (Role.API, Role.WORKER, Role.RELAY):
        _, client = await roles(role)
        names = {s.name for s in await _scrape(client)}
        assert {"vikar_outbox_backlog", "vikar_outbox_oldest_age_seconds"} <= names, role
        assert "/metrics" not in (await client.get("/openapi.json")).text
        # Not through the proxy/Ingress (they set X-Forwarded-For): answered as an unknown path.
        hidden = await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        assert hidden.status_code == 404
        assert hidden.headers["content-type"] == "application/problem+json"
        assert "vikar_" not in hidden.text


async def test_request_latency_is_labelled_with_the_templated_route_and_no_label_holds_an_id(
    roles: Callable[[Role], Awaitable[tuple[FastAPI, httpx.AsyncClient]]],
) -> None:
    _, client = await roles(Role.API)
    thing = str(uuid.uuid4())
    assert (await client.get(f"/things/{thing}")).status_code == 200
    token = "login-token-" + uuid.uuid4().hex
    assert (await client.get(f"/portal/login/{token}")).status_code == 404
    samples = await _scrape(client)
    assert _value(samples, "http_request_duration_seconds_count", handler="/things/{thing_id}", method="GET") == 1
    assert _value(samples, "http_requests_total", handler="/things/{thing_id}", status="2xx") == 1
    assert _value(samples, "http_requests_total", handler="none", status="4xx") == 1
    labels = [v for s in samples for v in s.labels.values()]
    assert not [v for v in labels if UUID.search(v) or "token" in v]


async def test_a_handled_and_a_poison_event_raise_the_consumer_counters_and_the_lag_falls_to_zero(
    roles: Callable[[Role], Awaitable[tuple[FastAPI, httpx.AsyncClient]]], kafka_namespace: str, kafka: str
) -> None:
    worker, client = await roles(Role.WORKER)
    before = await _scrape(client)
    await publish_events(kafka, kafka_namespace, [(_company("poison"), "k1"), (_company("Good"), "k1")])

    async def both_counted() -> bool:
        now = await _scrape(client)
        return _events(now, "dead-lettered") > _events(before, "dead-lettered") and _events(now, "handled") > _events(
            before, "handled"
        )

    await wait_until(both_counted, what="the handled and dead-lettered counters to rise")
    after = await _scrape(client)
    assert _events(after, "handled") - _events(before, "handled") == 1
    assert _events(after, "dead-lettered") - _events(before, "dead-lettered") == 1
    assert await worker.state.pool.fetchval("select count(*) from seen") == 1

    async def caught_up() -> bool:
        lag = [s for s in await _scrape(client) if s.name == "vikar_consumer_lag"]
        # Every assigned partition reported, under the group's name without the namespace prefix.
        return (
            {(s.labels["group"], s.labels["topic"]) for s in lag} == {(CONSUMER, "placement.events")}
            and len(lag) == 3
            and sum(s.value for s in lag) == 0
        )

    await wait_until(caught_up, what="the consumer lag to be reported and fall to 0")


async def test_the_outbox_gauges_show_the_backlog_and_the_age_of_the_oldest_unsent_row(
    roles: Callable[[Role], Awaitable[tuple[FastAPI, httpx.AsyncClient]]],
) -> None:
    api, client = await roles(Role.API)  # no relay: the rows stay unsent
    samples = await _scrape(client)
    assert _value(samples, "vikar_outbox_backlog", service="placement") == 0
    assert _value(samples, "vikar_outbox_oldest_age_seconds", service="placement") == 0
    async with transaction(api.state.pool) as conn:
        await add_event(conn, _company("Old"), source="placement", subject="c1")
        await add_event(conn, _company("New"), source="placement", subject="c2")
    await api.state.pool.execute(
        "update outbox set created_at = now() - interval '90 seconds' where id = (select min(id) from outbox)"
    )
    samples = await _scrape(client)
    assert _value(samples, "vikar_outbox_backlog", service="placement") == 2
    age = _value(samples, "vikar_outbox_oldest_age_seconds", service="placement")
    assert age is not None and 90 <= age < 120
    await api.state.pool.execute("update outbox set sent_at = now()")
    samples = await _scrape(client)
    assert _value(samples, "vikar_outbox_backlog", service="placement") == 0
    assert _value(samples, "vikar_outbox_oldest_age_seconds", service="placement") == 0


async def test_the_lag_counts_the_events_behind_an_unfinished_one_per_partition(
    roles: Callable[[Role], Awaitable[tuple[FastAPI, httpx.AsyncClient]]], kafka_namespace: str, kafka: str
) -> None:
    _, client = await roles(Role.WORKER)
    HOLD["Slow"] = asyncio.Event()
    try:
        await publish_events(kafka, kafka_namespace, [(_company(n), "one-key") for n in ("Slow", "Next", "Last")])

        def lag(samples: list[Sample]) -> list[float]:
            return [s.value for s in samples if s.name == "vikar_consumer_lag" and s.labels["group"] == CONSUMER]

        async def three_behind() -> bool:
            # One key, one partition: nothing is committed past the held event, so all three are behind.
            return sorted(lag(await _scrape(client))) == [0, 0, 3]

        await wait_until(three_behind, what="a lag of 3 on the held partition")
        HOLD["Slow"].set()

        async def caught_up() -> bool:
            return lag(await _scrape(client)) == [0, 0, 0]

        await wait_until(caught_up, what="the lag to fall to 0 once the event is handled")
    finally:
        HOLD.pop("Slow").set()
