from __future__ import annotations

import socket

import pytest

from vikar_shared.testing.plugin import START_HINT, _require


def test_a_missing_server_fails_the_test_with_how_to_start_it() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: nothing answers there
        with pytest.raises(pytest.fail.Exception) as failed:
            _require("Kafka", "127.0.0.1", port)
    assert "Kafka is not reachable" in str(failed.value)
    assert START_HINT in str(failed.value)
