"""One place that classifies failures of what a service depends on (PostgreSQL, Kafka).

* :func:`is_transient_database_error` — the database is (briefly) unreachable or rolled the transaction
  back for a reason a retry cures: connection lost/refused (``OSError``, ``ConnectionError``,
  asyncpg ``PostgresConnectionError``, ``InterfaceError``, ``InternalClientError``), the server starting
  or shutting down (``CannotConnectNowError``, ``AdminShutdownError``, ``CrashShutdownError``), too many
  connections, a pool acquire timeout (``TimeoutError``), a serialization failure or deadlock.
* :func:`is_transient_broker_error` — Kafka is unreachable or electing a leader: aiokafka errors marked
  ``retriable`` (``KafkaConnectionError``, ``NodeNotReadyError``, ``RequestTimedOutError``,
  ``NotLeaderForPartitionError``…) and ``KafkaTimeoutError``.
* :func:`is_fatal_producer_error` — the idempotent producer is in a state it never leaves by itself
  (``OutOfOrderSequenceNumber``, ``ProducerFenced``, ``UnknownProducerId``, ``InvalidProducerEpoch``,
  ``InvalidProducerIdMapping``, ``ProducerClosed``): close it and make a new one.
* :func:`is_transient` — database or broker, i.e. retry later, never a dead letter, an HTTP 503.

An error counts when it, its ``__cause__`` or a member of an exception group does.
:func:`backoff_seconds` gives the capped exponential delay retries use, and :class:`RateLimitedLog`
keeps a retry loop from writing a line per attempt.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg
from aiokafka import errors as kafka_errors

TRANSIENT_DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # ConnectionError, ConnectionRefusedError, ConnectionResetError are OSErrors
    TimeoutError,  # pool acquire / connect timeouts
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
)

FATAL_PRODUCER_ERRORS: tuple[type[BaseException], ...] = (
    kafka_errors.OutOfOrderSequenceNumber,
    kafka_errors.ProducerFenced,
    kafka_errors.UnknownProducerId,
    kafka_errors.InvalidProducerEpoch,
    kafka_errors.InvalidProducerIdMapping,
    kafka_errors.ProducerClosed,
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, its explicit causes (``raise … from``) and the members of exception groups (each once).
    The implicit ``__context__`` is not followed: an error raised while handling an outage (e.g. a
    validation error in an ``except OSError`` block) is not itself an outage."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        if current.__cause__ is not None:
            todo.append(current.__cause__)


def _any(exc: BaseException, test: Callable[[BaseException], bool]) -> bool:
    return any(test(e) for e in _chain(exc))


def is_transient_database_error(exc: BaseException) -> bool:
    return _any(exc, lambda e: isinstance(e, TRANSIENT_DATABASE_ERRORS))


def is_fatal_producer_error(exc: BaseException) -> bool:
    return _any(exc, lambda e: isinstance(e, FATAL_PRODUCER_ERRORS))


def is_transient_broker_error(exc: BaseException) -> bool:
    def test(e: BaseException) -> bool:
        if isinstance(e, FATAL_PRODUCER_ERRORS):
            return False
        if isinstance(e, kafka_errors.KafkaTimeoutError):
            return True
        return isinstance(e, kafka_errors.KafkaError) and bool(getattr(e, "retriable", False))

    return _any(exc, test)


def is_transient(exc: BaseException) -> bool:
    """A dependency (database or broker) failed, not the work itself: retry, never dead-letter."""
    return is_transient_database_error(exc) or is_transient_broker_error(exc) or is_fatal_producer_error(exc)


def dependency_of(exc: BaseException) -> str | None:
    """``"database"``, ``"broker"`` or ``None`` (not a dependency failure)."""
    if is_transient_database_error(exc):
        return "database"
    if is_transient_broker_error(exc) or is_fatal_producer_error(exc):
        return "broker"
    return None


_OUTCOME_UNKNOWN = "_vikar_outcome_unknown"


def mark_outcome_unknown(exc: BaseException) -> None:
    """Marks ``exc`` as raised while committing: the server may have committed before the connection
    was lost, so whether anything was written is unknown (:func:`outcome_unknown`)."""
    with contextlib.suppress(AttributeError, TypeError):
        setattr(exc, _OUTCOME_UNKNOWN, True)


def outcome_unknown(exc: BaseException) -> bool:
    """Whether ``exc`` (or an error in its chain) was marked by :func:`mark_outcome_unknown`."""
    return _any(exc, lambda e: bool(getattr(e, _OUTCOME_UNKNOWN, False)))


def backoff_seconds(failures: int, *, base: float = 0.2, cap: float = 5.0) -> float:
    """Delay before retry number ``failures`` (1, 2, …): ``base * 2**(failures-1)``, at most ``cap``."""
    return float(min(cap, base * 2 ** max(0, failures - 1)))


class RateLimitedLog:
    """Logs at most one line per ``every`` seconds; the next line says how many were suppressed
    (``fields.suppressed``). For retry loops, so a broker outage writes a few lines, not thousands."""

    def __init__(
        self, logger: logging.Logger, every: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._log, self._every, self._clock = logger, every, clock
        self._last: float | None = None
        self.suppressed = 0

    def log(self, level: int, message: str, *, exc: BaseException | None = None, **fields: Any) -> bool:
        """Writes ``message`` unless one was written less than ``every`` seconds ago; True if written."""
        now = self._clock()
        if self._last is not None and now - self._last < self._every:
            self.suppressed += 1
            return False
        self._last = now
        fields = {**fields, "suppressed": self.suppressed}
        if exc is not None:
            fields["error"] = repr(exc)
        self.suppressed = 0
        self._log.log(level, message, extra={"fields": fields})
        return True

    def reset(self) -> None:
        """The condition ended: the next failure is logged at once."""
        self._last, self.suppressed = None, 0


class RateLimitFilter(logging.Filter):
    """A logging filter: each (logger, message template) passes at most once per ``every`` seconds; the
    line that passes says how many were dropped (``fields.suppressed``). Installed on the aiokafka
    loggers (:func:`vikar_shared.messaging.kafka.limit_client_logging`), whose reconnect lines otherwise
    came by the thousand per second while a broker was down."""

    def __init__(self, every: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._every, self._clock = every, clock
        self._last: dict[tuple[str, str], float] = {}
        self._suppressed: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self._every:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return False
        self._last[key] = now
        suppressed = self._suppressed.pop(key, 0)
        if suppressed:
            fields = dict(getattr(record, "fields", None) or {})
            fields["suppressed"] = suppressed
            record.fields = fields
        return True
