"""A running placement service for the identity tests (real PostgreSQL and Kafka) whose clock
(``app.state.clock``, a FixedClock) the test moves, with one company and its approver registered
through the companies API.

Helpers live on the fixture object (tests cannot import this module by name under importlib mode)."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from placement.app import MIGRATIONS, create_app
from placement.config import PlacementSettings
from vikar_shared.auth.principal import Role
from vikar_shared.clock import FixedClock
from vikar_shared.events.timesheet import login_link_seal_context
from vikar_shared.identity.tokens import COOKIE_NAME, REFRESH_COOKIE_NAME
from vikar_shared.sealing import Sealed, SealingKeys, dev_sealing_keys
from vikar_shared.testing.plugin import all_records, bearer, serve_in_process, wait_until

BASE_URL = "https://vikarmodel.example"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN_IN_LINK = re.compile(r"/auth/login/([A-Za-z0-9_-]+)$")
CONSULTANT = bearer(Role.CONSULTANT, sub="anna")


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match is not None, html
    return match.group(1)


def cookie_value(response: httpx.Response, name: str) -> str | None:
    """The value ``response`` sets for cookie ``name`` (None when it sets none)."""
    for header in response.headers.get_list("set-cookie"):
        key, _, rest = header.partition("=")
        if key == name:
            return rest.split(";")[0].strip('"')
    return None


def cookie_flags(response: httpx.Response, name: str) -> list[str]:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return [part.strip().lower() for part in header.split(";")[1:]]
    raise AssertionError(f"no Set-Cookie for {name}")


@dataclass
class Identity:
    app: FastAPI
    client: httpx.AsyncClient
    pool: asyncpg.Pool
    clock: FixedClock
    settings: PlacementSettings
    kafka: str
    namespace: str
    company_id: uuid.UUID
    approver: str
    other_approver: str
    base_url: str = BASE_URL

    csrf_of = staticmethod(csrf_of)
    cookie_value = staticmethod(cookie_value)
    cookie_flags = staticmethod(cookie_flags)

    def browser(self, base_url: str = "http://testserver", address: str = "127.0.0.1") -> httpx.AsyncClient:
        """Another browser (its own cookie jar) against the same app, connecting from ``address``."""
        transport = httpx.ASGITransport(app=self.app, client=(address, 50_000))
        return httpx.AsyncClient(transport=transport, base_url=base_url)

    async def ask_for_link(
        self, email: str, client: httpx.AsyncClient | None = None, next_path: str | None = None
    ) -> httpx.Response:
        browser = client or self.client
        form = await browser.get("/auth/login")
        data = {"csrf_token": csrf_of(form.text), "email": email}
        if next_path is not None:
            data["next"] = next_path
        return await browser.post("/auth/login", data=data)

    async def published(self) -> None:
        """Waits until the outbox relay has published every event (Kafka acknowledged them)."""

        async def drained() -> bool:
            return bool(await self.pool.fetchval("select count(*) from outbox where sent_at is null") == 0)

        await wait_until(drained, what="the outbox relay to publish every event")

    async def topic_envelopes(self) -> list[dict[str, Any]]:
        """Every envelope on this test's placement.events, in partition order."""
        await self.published()
        records = await all_records(self.kafka, self.namespace)
        return [json.loads(value) for _, value in records.get(self.namespace + "placement.events", [])]

    async def link_events(self) -> list[dict[str, Any]]:
        """The login-link requests as published: their outbox rows are deleted once published."""
        return [e for e in await self.topic_envelopes() if e["type"] == "placement.login_link_requested"]

    async def ended_events(self) -> list[dict[str, Any]]:
        return [e for e in await self.topic_envelopes() if e["type"] == "placement.page_session_ended"]

    @staticmethod
    def opened_link(event: dict[str, Any]) -> str:
        """The link in an event, opened as notifications opens it (same development key)."""
        data = event["data"]
        sealed = Sealed.model_validate(data["sealed_link"])
        return SealingKeys(dev_sealing_keys()).open(sealed, context=login_link_seal_context(data["email"]))

    async def latest_token(self, email: str | None = None) -> str:
        """The token of the link issued last (to ``email``, if given). Links are keyed by request id, so
        the topic's partitions do not give their order: the stored rows' ``created_at`` does."""
        events = [e for e in await self.link_events() if email is None or e["data"]["email"] == email]
        assert events, "no PageLoginLinkRequested was written"
        tokens = []
        for event in events:
            match = TOKEN_IN_LINK.search(self.opened_link(event))
            assert match is not None
            tokens.append(match.group(1))
        # Latest first, and of links issued at one instant (a fixed clock) an unused one.
        created = {
            bytes(row["token_hash"]): (row["created_at"], row["used_at"] is None)
            for row in await self.pool.fetch("select token_hash, created_at, used_at from identity_login_tokens")
        }
        issued = [(created[h], t) for t in tokens if (h := hashlib.sha256(t.encode()).digest()) in created]
        assert issued, "no stored login token matches a published link"
        return max(issued, key=lambda pair: pair[0])[1]

    async def log_in(
        self, client: httpx.AsyncClient | None = None, email: str | None = None, next_path: str | None = None
    ) -> httpx.Response:
        browser = client or self.client
        assert (await self.ask_for_link(email or self.approver, browser, next_path)).status_code == 303
        token = await self.latest_token(email or self.approver)
        confirm = await browser.get(f"/auth/login/{token}")
        assert confirm.status_code == 200, confirm.text
        return await browser.post(f"/auth/login/{token}", data={"csrf_token": csrf_of(confirm.text)})

    def access_token(self, client: httpx.AsyncClient | None = None) -> str | None:
        return (client or self.client).cookies.get(COOKIE_NAME)

    def refresh_secret(self, client: httpx.AsyncClient | None = None) -> str | None:
        return (client or self.client).cookies.get(REFRESH_COOKIE_NAME)

    async def remove_approver(self, email: str) -> None:
        response = await self.client.delete(f"/companies/{self.company_id}/approvers/{email}", headers=CONSULTANT)
        assert response.status_code == 200, response.text


@pytest.fixture
async def identity(
    request: pytest.FixtureRequest,
    make_database: Callable[[str, Path], Awaitable[str]],
    kafka: str,
    kafka_namespace: str,
) -> AsyncIterator[Identity]:
    """Settings overrides come from indirect parametrisation: ``@pytest.mark.parametrize("identity", [{...}],
    indirect=True)``."""
    settings = PlacementSettings(
        database_url=await make_database("placement", MIGRATIONS),
        kafka_bootstrap=kafka,
        kafka_namespace=kafka_namespace,
        identity_base_url=BASE_URL,
        **getattr(request, "param", {}),
    )
    app = create_app(settings)
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    app.state.clock = clock
    approver = f"bo-{uuid.uuid4().hex[:8]}@bager.example"
    other = f"ib-{uuid.uuid4().hex[:8]}@bager.example"
    async with serve_in_process(app) as client:
        registered = await client.post(
            "/companies",
            headers=CONSULTANT,
            json={
                "name": "Bager Hansen ApS",
                "cvr": "12345674",
                "approvers": [{"email": approver.upper(), "name": "Bo Hansen"}, {"email": other, "name": "Ib"}],
            },
        )
        assert registered.status_code == 201, registered.text
        company_id = uuid.UUID(registered.json()["id"])
        pool: asyncpg.Pool = app.state.pool
        yield Identity(app, client, pool, clock, settings, kafka, kafka_namespace, company_id, approver, other)
