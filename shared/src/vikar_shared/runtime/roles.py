"""The roles one service's process can run in, and what each runs.

=========  ============================================================================================
role       runs
=========  ============================================================================================
api        the HTTP routes (they write the outbox in the state change's transaction); no consumer, no relay
worker     the Kafka consumers and the scheduled jobs (idempotency-key purge, a service's own jobs such as
           notifications' mail sender); HTTP serves only ``/healthz`` and ``/readyz``
relay      the outbox relay (one leader per database, see :mod:`vikar_shared.outbox`); HTTP as worker
migrate    applies the migrations (and a service's after-migration repair) and exits
all        everything in one process: local development, tests, the demo (the default without argument)
=========  ============================================================================================
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A process's part of one service: ``python -m <service> api|worker|relay|migrate|all``."""

    API = "api"
    WORKER = "worker"
    RELAY = "relay"
    MIGRATE = "migrate"
    ALL = "all"

    @property
    def serves_routes(self) -> bool:
        """The service's own routes (API, pages); the other roles serve health only."""
        return self in (Role.API, Role.ALL)

    @property
    def runs_consumers(self) -> bool:
        return self in (Role.WORKER, Role.ALL)

    @property
    def runs_jobs(self) -> bool:
        """Scheduled/background jobs (idempotency purge, mail sender): with the consumers."""
        return self in (Role.WORKER, Role.ALL)

    @property
    def runs_relay(self) -> bool:
        return self in (Role.RELAY, Role.ALL)

    @property
    def uses_kafka(self) -> bool:
        """Opens a producer and ensures the topics (relay publishes; workers dead-letter)."""
        return self in (Role.WORKER, Role.RELAY, Role.ALL)

    @property
    def serves_http(self) -> bool:
        """Listens on the HTTP port (``migrate`` runs and exits)."""
        return self is not Role.MIGRATE


DEFAULT_ROLE = Role.ALL
