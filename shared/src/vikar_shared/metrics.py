"""Prometheus metrics: ``/metrics`` on every runtime role, in the Prometheus text format.

Two registries, neither of them ``prometheus_client``'s global default:

* :data:`PROCESS` holds the counters code increments wherever it runs (events per consumer and
  outcome, and what new code registers with :func:`counter`, e.g. mails sent/failed). They are
  module-level, so a test that runs several apps in one process sees one counter per name and
  measures by difference.
* every app gets its own :class:`AppMetrics` (``app.state.metrics``): the HTTP request count and
  latency per *templated* route (``prometheus-fastapi-instrumentator``; ``/timesheets/{timesheet_id}``,
  never the raw path, so no id or login token becomes a label; unmatched paths are ``none``), and
  the gauges computed on each scrape from this app's pool and consumers: the outbox backlog and the
  age of its oldest unsent row, and the consumer lag per group, topic and partition.

Exported names (the alert rules in ``deploy/prometheus/alerts.yaml`` use only these):

=====================================================  =========================================================
``vikar_consumer_events_total{consumer,outcome}``      events taken by a consumer; ``outcome`` is ``handled``,
                                                       ``duplicate``, ``skipped`` or ``dead-lettered``
``vikar_consumer_lag{group,topic,partition}``          messages between the group's committed offset and the
                                                       partition's end (partitions assigned to this process)
``vikar_outbox_backlog{service}``                      unsent outbox rows
``vikar_outbox_oldest_age_seconds{service}``           seconds since the oldest unsent row was written (0: none)
``vikar_mails_total{outcome}``                         notifications' mails (registered there with
                                                       :func:`counter`): ``sent``, ``retry``, ``failed``
``http_requests_total{handler,method,status}``         requests per templated route (status grouped: ``2xx``…)
``http_request_duration_seconds{handler,method}``      latency histogram per templated route, seconds
=====================================================  =========================================================

Topic and group labels name the topic without the test/benchmark namespace prefix. ``/metrics`` is for
Prometheus on the pod's port: a request that came through the proxy or the Ingress (they always set
``X-Forwarded-For``) is answered 404, as an unknown path, so ``/api/<service>/metrics`` shows nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import TopicPartition
from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator
from starlette.exceptions import HTTPException

from vikar_shared.outbox_backlog import outbox_backlog

log = logging.getLogger(__name__)

PROCESS = CollectorRegistry(auto_describe=True)
"""The process-wide registry of counters (not ``prometheus_client.REGISTRY``, which holds the
library's own process/platform collectors and is left alone)."""

SCRAPE_TIMEOUT_SECONDS = 2.0

_COUNTERS: dict[str, Counter] = {}


def counter(name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
    """A counter in :data:`PROCESS`, registered in one line; asking again for the same name returns
    the same counter (module reloads, tests). Name it ``vikar_<what>_total`` (the ``_total`` suffix is
    added if missing) and keep labels to a few known values: never an id, an address or a token."""
    base = name.removesuffix("_total")
    if base not in _COUNTERS:
        _COUNTERS[base] = Counter(base, documentation, list(labels), registry=PROCESS)
    return _COUNTERS[base]


CONSUMER_EVENTS = counter(
    "vikar_consumer_events_total",
    "Events taken by a consumer, by outcome (handled, duplicate, skipped, dead-lettered).",
    ["consumer", "outcome"],
)


def count_event(consumer: str, outcome: str, events: int = 1) -> None:
    """``events`` (one by default) taken by ``consumer`` with ``outcome``
    (:class:`vikar_shared.messaging.consumer.Outcome`)."""
    CONSUMER_EVENTS.labels(consumer=consumer, outcome=outcome).inc(events)


class _Process(Collector):
    """Shows :data:`PROCESS` inside an app's registry, so one scrape answers both."""

    def collect(self) -> Any:
        return PROCESS.collect()


class AppMetrics:
    """One app's registry: HTTP metrics, scrape-time gauges and the process counters."""

    def __init__(self, service: str, namespace: str = "") -> None:
        self.service = service
        self.namespace = namespace
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_Process())
        self.outbox_backlog = Gauge("vikar_outbox_backlog", "Unsent outbox rows.", ["service"], registry=self.registry)
        self.outbox_age = Gauge(
            "vikar_outbox_oldest_age_seconds",
            "Seconds since the oldest unsent outbox row was written (0 when none is waiting).",
            ["service"],
            registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "vikar_consumer_lag",
            "Messages between the group's committed offset and the partition's end offset.",
            ["group", "topic", "partition"],
            registry=self.registry,
        )

    def instrument(self, app: FastAPI) -> None:
        """Adds the request metrics middleware and ``GET /metrics`` (not in the OpenAPI document)."""
        Instrumentator(
            registry=self.registry,
            should_group_status_codes=True,
            should_group_untemplated=True,
            excluded_handlers=["/metrics"],
        ).instrument(app)

        @app.get("/metrics", include_in_schema=False)
        async def metrics(request: Request) -> Response:
            if "x-forwarded-for" in request.headers:
                # Through the proxy or the Ingress (both always set X-Forwarded-For): not for the public.
                # Prometheus scrapes the pod's port directly. Answered as any unknown path is.
                raise HTTPException(status_code=404)
            await self.refresh(request.app.state)
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

    async def refresh(self, state: Any) -> None:
        """Recomputes the gauges from ``state`` (``app.state``): a dependency that does not answer
        within :data:`SCRAPE_TIMEOUT_SECONDS` leaves its gauges as they were (logged, never raised)."""
        pool = getattr(state, "pool", None)
        if pool is not None:
            try:
                async with asyncio.timeout(SCRAPE_TIMEOUT_SECONDS):
                    backlog = await outbox_backlog(pool)
                self.outbox_backlog.labels(service=self.service).set(backlog.rows)
                self.outbox_age.labels(service=self.service).set(backlog.oldest_age_seconds or 0.0)
            except Exception as exc:  # a scrape reports, it does not fail
                log.warning("outbox metrics unavailable: %s", type(exc).__name__)
        broker = getattr(state, "broker", None)
        if broker is not None:
            try:
                async with asyncio.timeout(SCRAPE_TIMEOUT_SECONDS):
                    await self._consumer_lag(broker)
            except Exception as exc:
                log.warning("consumer lag unavailable: %s", type(exc).__name__)

    async def _consumer_lag(self, broker: Any) -> None:
        lags: dict[tuple[str, str, str], int] = {}
        for sub in broker.subscribers:
            consumer = getattr(sub, "consumer", None)
            if consumer is None:
                continue
            group = str(getattr(sub, "group_id", "") or "").removeprefix(self.namespace)
            assigned: list[TopicPartition] = sorted(consumer.assignment())
            if not assigned:
                continue
            ends = await consumer.end_offsets(assigned)
            committed = {tp: await consumer.committed(tp) for tp in assigned}
            # A partition the group never committed on starts at its first retained record.
            unstarted = [tp for tp, offset in committed.items() if offset is None]
            starts = await consumer.beginning_offsets(unstarted) if unstarted else {}
            for tp in assigned:
                offset = committed[tp]
                lag = ends[tp] - (offset if offset is not None else starts[tp])
                lags[(group, tp.topic.removeprefix(self.namespace), str(tp.partition))] = max(0, lag)
        self.consumer_lag.clear()
        for (group, topic, partition), lag in lags.items():
            self.consumer_lag.labels(group=group, topic=topic, partition=partition).set(lag)
