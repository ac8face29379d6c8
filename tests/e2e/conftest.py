from __future__ import annotations

from collections.abc import Iterator

import pytest

from e2e.system import System, start_system, stop_system
from vikar_shared.testing.plugin import StackSettings


@pytest.fixture(scope="session")
def system(postgres: StackSettings, kafka: str, mailpit: StackSettings) -> Iterator[System]:
    """The four services as separate processes on fresh databases and a Kafka namespace of their own."""
    running = start_system(postgres)
    try:
        yield running
    finally:
        stop_system(running)
