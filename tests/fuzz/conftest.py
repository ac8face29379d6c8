"""The four services in this process (their lifespans, real PostgreSQL and Kafka), seeded with a small
world, for the fuzz test.

The apps run on Schemathesis's ASGI event loop (one thread shared by all four, started when their
OpenAPI document is loaded), so their pools, relays and consumers live where the fuzzed requests are
handled. Events travel between them over the real Kafka, in a namespace of this session's own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.python import asgi

from fuzz.services import SERVICES
from fuzz.world import TAG, World, seed
from vikar_shared.messaging.kafka import delete_topics
from vikar_shared.testing.plugin import StackSettings, clone_database, drop_database


@pytest.fixture(scope="session")
def fuzz_world(postgres: StackSettings, kafka: str, mailpit: StackSettings) -> Iterator[World]:
    """The four apps started (lifespan) on fresh databases and a Kafka namespace of their own, seeded."""
    namespace = f"fz{TAG}."
    databases: dict[str, str] = {}
    apps: dict[str, FastAPI] = {}
    try:
        for service in SERVICES.values():
            databases[service.name] = asyncio.run(clone_database(postgres, service.name, service.migrations))
            extra: dict[str, Any] = (
                {
                    "smtp_host": mailpit.smtp_host,
                    "smtp_port": mailpit.smtp_port,
                    "portal_base_url": "https://portal.example.dk",
                    "sender_poll_interval_seconds": 0.05,
                }
                if service.name == "notifications"
                else {}
            )
            settings = service.settings(
                database_url=databases[service.name],
                kafka_bootstrap=kafka,
                kafka_namespace=namespace,
                consumer_retry_backoff_seconds=0.01,
                **extra,
            )
            apps[service.name] = service.create_app(settings)
        # Loading the document starts the app's lifespan on Schemathesis's event loop.
        schemas = {name: schemathesis.openapi.from_asgi("/openapi.json", app) for name, app in apps.items()}
        world = World(apps, schemas, databases)
        seed(world)
        yield world
    finally:
        try:
            asgi.shutdown_lifespans()
        finally:
            for dsn in databases.values():
                asyncio.run(drop_database(postgres, dsn))
            asyncio.run(delete_topics(kafka, namespace))
