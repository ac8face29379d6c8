"""vikar_shared.transient: which failures are a dependency's (retry) and which producer states are fatal."""

from __future__ import annotations

import logging

import asyncpg
import pytest
from aiokafka import errors as kafka_errors

from vikar_shared.messaging.kafka import make_producer
from vikar_shared.transient import (
    RateLimitedLog,
    RateLimitFilter,
    backoff_seconds,
    dependency_of,
    is_fatal_producer_error,
    is_transient,
    is_transient_broker_error,
    is_transient_database_error,
)


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.InternalClientError("lost"),
        asyncpg.ConnectionDoesNotExistError("closed"),
        asyncpg.CannotConnectNowError("starting"),
        asyncpg.AdminShutdownError("shutdown"),
        asyncpg.TooManyConnectionsError("full"),
        asyncpg.SerializationError("retry"),
        asyncpg.DeadlockDetectedError("deadlock"),
        ConnectionRefusedError(111, "refused"),
        TimeoutError(),
    ],
)
def test_database_outages_are_transient(exc: BaseException) -> None:
    assert is_transient_database_error(exc)
    assert is_transient(exc)
    assert dependency_of(exc) == "database"


@pytest.mark.parametrize(
    "exc",
    [
        kafka_errors.KafkaConnectionError(),
        kafka_errors.NodeNotReadyError(),
        kafka_errors.RequestTimedOutError(),
        kafka_errors.NotLeaderForPartitionError(),
        kafka_errors.KafkaTimeoutError(),
    ],
)
def test_broker_outages_are_transient(exc: BaseException) -> None:
    assert is_transient_broker_error(exc)
    assert not is_fatal_producer_error(exc)
    assert dependency_of(exc) == "broker"


@pytest.mark.parametrize(
    "exc",
    [
        kafka_errors.OutOfOrderSequenceNumber(),
        kafka_errors.ProducerFenced(),
        kafka_errors.UnknownProducerId(),
        kafka_errors.InvalidProducerEpoch(),
    ],
)
def test_fatal_producer_states_are_fatal_not_retriable_as_is(exc: BaseException) -> None:
    assert is_fatal_producer_error(exc)
    assert not is_transient_broker_error(exc)


@pytest.mark.parametrize(
    "exc",
    [
        RuntimeError("bug"),
        ValueError("bad"),
        asyncpg.UniqueViolationError("dup"),
        asyncpg.CheckViolationError("check"),
        kafka_errors.MessageSizeTooLargeError(),
    ],
)
def test_failures_of_the_work_itself_are_not_transient(exc: BaseException) -> None:
    assert not is_transient(exc)
    assert dependency_of(exc) is None


def test_a_wrapped_or_grouped_outage_is_found() -> None:
    wrapped = RuntimeError("wrapper")
    wrapped.__cause__ = asyncpg.InternalClientError("lost")
    assert is_transient_database_error(wrapped)
    group = ExceptionGroup("g", [ValueError("x"), kafka_errors.OutOfOrderSequenceNumber()])
    assert is_fatal_producer_error(group)


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff_seconds(n, base=0.5, cap=3.0) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_rate_limited_log_writes_one_line_per_period_with_the_suppressed_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    limited = RateLimitedLog(logging.getLogger("t.rate"), every=10.0, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="t.rate"):
        written = [limited.log(logging.WARNING, "reconnecting") for _ in range(1000)]
        now[0] = 10.0
        limited.log(logging.WARNING, "reconnecting")
    assert sum(written) == 1
    assert len(caplog.records) == 2
    assert caplog.records[1].fields["suppressed"] == 999  # type: ignore[attr-defined]


def test_an_error_raised_while_handling_an_outage_is_not_an_outage() -> None:
    bad_input = ValueError("bad input")
    bad_input.__context__ = ConnectionResetError()  # raised inside `except OSError:`, not `from` it
    assert not is_transient(bad_input)


def test_the_aiokafka_reconnect_lines_pass_once_per_period_with_the_count_dropped() -> None:
    now = [0.0]
    limiter = RateLimitFilter(every=10.0, clock=lambda: now[0])

    def line(msg: str) -> logging.LogRecord:
        return logging.LogRecord("aiokafka", logging.ERROR, __file__, 1, msg, (1,), None)

    passed = [limiter.filter(line("Unable connect to node with id %s")) for _ in range(72_000)]
    assert sum(passed) == 1
    assert limiter.filter(line("Unable to update metadata from %s"))  # another line has its own period
    now[0] = 10.0
    again = line("Unable connect to node with id %s")
    assert limiter.filter(again)
    assert again.fields == {"suppressed": 71_999}  # type: ignore[attr-defined]


async def test_make_producer_installs_the_filter_on_the_aiokafka_loggers() -> None:
    await make_producer("127.0.0.1:1", "filter-test").stop()
    assert any(isinstance(f, RateLimitFilter) for f in logging.getLogger("aiokafka").filters)
    assert any(isinstance(f, RateLimitFilter) for f in logging.getLogger("aiokafka.conn").filters)
