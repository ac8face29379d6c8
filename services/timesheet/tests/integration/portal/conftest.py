"""A running timesheet service for the portal tests (real PostgreSQL and Kafka) whose clock
(``app.state.clock``, a FixedClock) the test moves, with one company, its approver and one active
placement already in the read models. Logging in is the identity owner's (placement): a test logs in by
putting a page session minted with the development key (``vikar_shared.testing.identity``) in its cookie
jar, as the owner's ``/auth/login/{token}`` would.

Helpers live on the fixture object (tests cannot import this module by name under importlib mode)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from timesheet.app import MIGRATIONS, create_app
from timesheet.config import TimesheetSettings
from vikar_shared.auth.principal import Role
from vikar_shared.clock import FixedClock
from vikar_shared.events.placement import Approver, CompanyRegistered, PageSessionEnded, PlacementCreated
from vikar_shared.identity.tokens import COOKIE_NAME
from vikar_shared.testing.identity import MintedPageSession, page_session_cookie
from vikar_shared.testing.plugin import all_records, bearer, publish_events, serve_in_process, wait_until

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def copenhagen_today() -> date:
    return datetime.now(ZoneInfo("Europe/Copenhagen")).date()


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match is not None, html
    return match.group(1)


@dataclass
class Form:
    action: str
    section: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)
    button: str = ""

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.fields if key == name]

    def data(self, **extra: str) -> dict[str, list[str]]:
        """The form as httpx posts it (a repeated name becomes a list)."""
        grouped: dict[str, list[str]] = {}
        for key, value in self.fields:
            grouped.setdefault(key, []).append(value)
        return {**grouped, **{key: [value] for key, value in extra.items()}}


class _Forms(HTMLParser):
    """Every form on a page: its action, hidden fields, button text and the week section it sits in."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._sections: list[str | None] = []
        self._form: Form | None = None
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "section":
            self._sections.append(attributes.get("aria-labelledby"))
        elif tag == "form":
            section = next((s for s in reversed(self._sections) if s), None)
            self._form = Form(attributes.get("action", ""), section)
        elif tag == "input" and self._form is not None and "name" in attributes:
            self._form.fields.append((attributes["name"], attributes.get("value", "")))
        elif tag == "button":
            self._in_button = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self._sections:
            self._sections.pop()
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "button":
            self._in_button = False

    def handle_data(self, data: str) -> None:
        if self._in_button and self._form is not None:
            self._form.button += data


def forms_of(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def visible_text(html: str) -> str:
    """The page's text with tags dropped and whitespace collapsed (screen-reader-only text included)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def placement_of(company_id: uuid.UUID, citizen_name: str, today: date) -> PlacementCreated:
    return PlacementCreated(
        placement_id=uuid.uuid4(),
        citizen_id=uuid.uuid4(),
        citizen_name=citizen_name,
        referral_id=uuid.uuid4(),
        municipality_id=uuid.uuid4(),
        co_financing_eligible=True,
        company_id=company_id,
        start_date=today - timedelta(days=60),
        end_date=None,
        bill_rate_ore_per_hour=15_500,
        status="active",
    )


@dataclass
class Portal:
    app: FastAPI
    client: httpx.AsyncClient
    pool: asyncpg.Pool
    clock: FixedClock
    kafka: str
    namespace: str
    company_id: uuid.UUID
    approver: str
    placement: PlacementCreated
    today: date = field(default_factory=copenhagen_today)

    csrf_of = staticmethod(csrf_of)
    forms_of = staticmethod(forms_of)
    visible_text = staticmethod(visible_text)

    def browser(self, base_url: str = "http://testserver", address: str = "127.0.0.1") -> httpx.AsyncClient:
        """Another browser (its own cookie jar) against the same app, connecting from ``address``."""
        transport = httpx.ASGITransport(app=self.app, client=(address, 50_000))
        return httpx.AsyncClient(transport=transport, base_url=base_url)

    def mint(self, **claims: Any) -> MintedPageSession:
        """A page session of this company's approver issued now (``claims`` override: ``lang``,
        ``lifetime``, ``role``, ``company_id``, ``email``, ``private_key_pem``/``key_id``...)."""
        defaults: dict[str, Any] = {"email": self.approver, "company_id": self.company_id, "now": self.clock.now()}
        return page_session_cookie(**{**defaults, **claims})

    async def log_in(self, client: httpx.AsyncClient | None = None, **claims: Any) -> MintedPageSession:
        """Logs ``client`` in as the identity owner would: its ``vikar_session`` cookie (``Path=/``)."""
        browser = client or self.client
        minted = self.mint(**claims)
        browser.cookies.set(COOKIE_NAME, minted.token, path="/")
        return minted

    async def topic_envelopes(self) -> list[dict[str, Any]]:
        """Every envelope on this test's timesheet.events, in partition order."""
        await self.published()
        records = await all_records(self.kafka, self.namespace)
        return [json.loads(value) for _, value in records.get(self.namespace + "timesheet.events", [])]

    async def published(self) -> None:
        """Waits until the outbox relay has published every event (Kafka acknowledged them)."""

        async def drained() -> bool:
            return bool(await self.pool.fetchval("select count(*) from outbox where sent_at is null") == 0)

        await wait_until(drained, what="the outbox relay to publish every event")

    async def end_session(self, minted: MintedPageSession, reason: str = "logout") -> PageSessionEnded:
        """Publishes ``placement.page_session_ended`` for ``minted`` on placement.events, as the owner does."""
        ended = PageSessionEnded(
            session_id=minted.session.session_id,
            email=minted.session.subject,
            reason=reason,
            ended_at=self.clock.now(),
            not_after=minted.session.expires_at,
        )
        await publish_events(self.kafka, self.namespace, [(ended, ended.session_id)])
        return ended

    async def add_placement(self, citizen_name: str, company_id: uuid.UUID | None = None) -> PlacementCreated:
        placement = placement_of(company_id or self.company_id, citizen_name, self.today)
        await publish_events(self.kafka, self.namespace, [(placement, placement.placement_id)])

        async def known() -> bool:
            found = await self.pool.fetchval(
                "select count(*) from placements where placement_id = $1", placement.placement_id
            )
            return bool(found == 1)

        await wait_until(known, what=f"placement of {citizen_name} in the read model")
        return placement

    async def submit(self, work_date: date, minutes: int, placement: PlacementCreated | None = None) -> str:
        target = placement or self.placement
        response = await self.client.post(
            f"/placements/{target.placement_id}/entries",
            json={"entries": [{"work_date": work_date.isoformat(), "minutes": minutes}]},
            headers=bearer(Role.CONSULTANT, sub="anna.consultant"),
        )
        assert response.status_code == 201, response.text
        return str(response.json()["entries"][0]["id"])

    async def status_of(self, entry_id: str) -> str:
        status: str = await self.pool.fetchval("select status from entries where id = $1", uuid.UUID(entry_id))
        return status

    async def event_types(self) -> list[str]:
        rows = await self.pool.fetch("select envelope->>'type' as type from outbox order by id")
        return [row["type"] for row in rows]


@pytest.fixture
async def portal(
    request: pytest.FixtureRequest,
    make_database: Callable[[str, Path], Awaitable[str]],
    kafka: str,
    kafka_namespace: str,
) -> AsyncIterator[Portal]:
    """Settings overrides come from indirect parametrisation: ``@pytest.mark.parametrize("portal", [{...}],
    indirect=True)``."""
    dsn = await make_database("timesheet", MIGRATIONS)
    settings = TimesheetSettings(
        database_url=dsn,
        kafka_bootstrap=kafka,
        kafka_namespace=kafka_namespace,
        consumer_retry_backoff_seconds=0.01,
        **getattr(request, "param", {}),
    )
    app = create_app(settings)
    clock = FixedClock(datetime.now(UTC))
    app.state.clock = clock
    company_id = uuid.uuid4()
    approver = f"bo-{uuid.uuid4().hex[:8]}@bager.example"
    placement = placement_of(company_id, "Ida Jensen", copenhagen_today())
    company = CompanyRegistered(
        company_id=company_id,
        name="Bager Hansen ApS",
        cvr="12345674",
        approvers=[Approver(email=approver.upper(), name="Bo Hansen")],
    )
    async with serve_in_process(app) as client:
        pool: asyncpg.Pool = app.state.pool
        await publish_events(kafka, kafka_namespace, [(company, company_id), (placement, placement.placement_id)])

        async def known() -> bool:
            approvers = await pool.fetchval("select count(*) from company_approvers where company_id = $1", company_id)
            placements = await pool.fetchval("select count(*) from placements where company_id = $1", company_id)
            return bool(approvers == 1 and placements == 1)

        await wait_until(known, what="the company's approver and placement in the read models")
        yield Portal(app, client, pool, clock, kafka, kafka_namespace, company_id, approver, placement)
