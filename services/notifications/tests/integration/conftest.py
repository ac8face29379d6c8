"""Fixtures of the notifications integration tests: a settings factory and a Mailpit reader."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from notifications.app import MIGRATIONS
from notifications.config import NotificationsSettings
from vikar_shared.settings import DEV_JWT_SECRET
from vikar_shared.testing.plugin import StackSettings, serve_over_http

MakeSettings = Callable[..., Awaitable[NotificationsSettings]]


@pytest.fixture
def make_settings(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str, mailpit: StackSettings
) -> MakeSettings:
    """Settings for one app on a fresh database, this test's topics and Mailpit, polling fast."""

    async def factory(**overrides: Any) -> NotificationsSettings:
        values: dict[str, Any] = {
            "database_url": await make_database("notifications", MIGRATIONS),
            "kafka_bootstrap": kafka,
            "kafka_namespace": kafka_namespace,
            "smtp_host": mailpit.smtp_host,
            "smtp_port": mailpit.smtp_port,
            "smtp_from": "Vikarmodellen <noreply@vikarmodel.dk>",
            "portal_base_url": "https://portal.example.dk",
            "sender_poll_interval_seconds": 0.05,
            "consumer_retry_backoff_seconds": 0.01,
        }
        values.update(overrides)
        return NotificationsSettings(**values)

    return factory


@dataclass
class Mailbox:
    """Reads Mailpit's HTTP API; every test uses addresses of its own, so it only ever filters by recipient."""

    client: httpx.AsyncClient

    async def messages_to(self, address: str) -> list[dict[str, Any]]:
        response = await self.client.get("/api/v1/search", params={"query": f"to:{address}", "limit": 50})
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()["messages"]
        # Mailpit's search matches substrings; keep exact recipients only.
        return [m for m in messages if any(to["Address"] == address for to in m["To"])]

    async def count_to(self, address: str) -> int:
        return len(await self.messages_to(address))

    async def message(self, message_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/v1/message/{message_id}")
        response.raise_for_status()
        detail: dict[str, Any] = response.json()
        return detail


@pytest.fixture
async def mailbox(mailpit: StackSettings) -> AsyncIterator[Mailbox]:
    async with httpx.AsyncClient(base_url=mailpit.mailpit_url, timeout=10) as client:
        yield Mailbox(client)


@pytest.fixture
def unique_address() -> Callable[[str], str]:
    return lambda who: f"{who}-{uuid.uuid4().hex}@example.dk"


# --- Issue 14 (part B): attachments ----------------------------------------------------------------------------
# A tiny PDF (what a real renderer writes first: the %PDF- header) and a statement CSV, served by a local stand-in
# for invoicing's document API that checks the service token as invoicing does (signature, role, subject).
FAKE_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FAKE_CSV = "\ufeffOpgørelse;Linje;Minutter\nS-2026-000001;1;90\n".encode()


@dataclass
class FakeDocuments:
    """``url`` serves ``GET <path>``: the statuses queued in ``answers[path]`` first (one per request), then 200 with
    :data:`FAKE_CSV` for a ``.csv`` path and :data:`FAKE_PDF` otherwise; ``delays[path]`` seconds before answering.
    ``seen`` records (path, the token's claims) of every request carrying a valid service token."""

    url: str = ""
    answers: dict[str, list[int]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@pytest.fixture
async def fake_documents() -> AsyncIterator[FakeDocuments]:
    documents = FakeDocuments()

    async def serve(request: Request) -> Response:
        path = request.url.path
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, DEV_JWT_SECRET, algorithms=["HS256"], audience="vikarmodel", issuer="vikarmodel")
        except jwt.PyJWTError:
            return JSONResponse({"code": "unauthenticated"}, status_code=401, media_type="application/problem+json")
        if claims.get("role") != "service" or claims.get("sub") != "service:notifications":
            return JSONResponse({"code": "forbidden"}, status_code=403, media_type="application/problem+json")
        documents.seen.append((path, claims))
        if documents.delays.get(path):
            await asyncio.sleep(documents.delays[path])
        queued = documents.answers.get(path)
        if queued:
            status = queued.pop(0)
            return JSONResponse({"code": f"status-{status}"}, status_code=status, media_type="application/problem+json")
        if path.endswith(".csv"):
            return Response(FAKE_CSV, media_type="text/csv")
        return Response(FAKE_PDF, media_type="application/pdf")

    app = Starlette(routes=[Route("/{rest:path}", serve)])
    async with serve_over_http(app) as url:
        documents.url = url
        yield documents


async def attachments_of(mailbox: Mailbox, message_id: str) -> dict[str, tuple[str, bytes]]:
    """The message's attachments by file name: (content type, bytes), read through Mailpit's API."""
    detail = await mailbox.message(message_id)
    found: dict[str, tuple[str, bytes]] = {}
    for part in detail.get("Attachments") or []:
        r = await mailbox.client.get(f"/api/v1/message/{message_id}/part/{part['PartID']}")
        r.raise_for_status()
        found[part["FileName"]] = (part["ContentType"], r.content)
    return found


@pytest.fixture
def read_attachments() -> Callable[[Mailbox, str], Awaitable[dict[str, tuple[str, bytes]]]]:
    return attachments_of
