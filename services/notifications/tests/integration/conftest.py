"""Fixtures of the notifications integration tests: a settings factory and a Mailpit reader."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from notifications.app import MIGRATIONS
from notifications.config import NotificationsSettings
from vikar_shared.testing.plugin import StackSettings

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
