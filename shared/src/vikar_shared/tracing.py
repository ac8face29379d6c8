"""OpenTelemetry traces across HTTP → outbox → Kafka → consumer, exported over OTLP when configured.

One trace follows a request through every service it causes work in:

1. the HTTP server span of a request (``POST /entries/{entry_id}/approve``; every service's app, see
   :func:`instrument`; ``/healthz``, ``/readyz`` and ``/metrics`` are not traced);
2. :func:`vikar_shared.outbox.add_event` stamps the current span's W3C ``traceparent`` (:func:`inject`) into
   the envelope (:class:`~vikar_shared.events.envelope.Envelope`), so it is stored in the outbox row;
3. the relay sends each row in a ``send <topic>`` PRODUCER span whose parent is the row's traceparent
   (:func:`send_in_span`), from the enqueue to the broker's acknowledgement;
4. a consumer handles each event in a ``process <topic>`` CONSUMER span whose parent is the envelope's
   traceparent (:func:`consume_span`); events its handler writes carry that span's context, so the trace
   goes on into the next service.

Configuration (:func:`configure`, called by :func:`vikar_shared.http.app.create_service_app`): with
``otlp_endpoint`` set (``OTEL_EXPORTER_OTLP_ENDPOINT``, the collector's OTLP/HTTP base URL, e.g.
``http://otel-collector:4318``) the service gets an SDK ``TracerProvider`` (resource ``service.name`` =
the service, ``deployment.environment`` = ``VIKAR_ENVIRONMENT``; the sampler from ``OTEL_TRACES_SAMPLER``,
default parent-based always-on) with a ``BatchSpanProcessor`` and the OTLP/HTTP span exporter
(``<endpoint>/v1/traces``; ``OTEL_EXPORTER_OTLP_HEADERS``/``_TIMEOUT``/``_COMPRESSION`` apply). Unset
(the default), nothing is installed: the API's no-op tracer, no HTTP middleware, :func:`inject` returns
``None`` (no ``traceparent`` is stamped unless a consumer passes one through, below) and the relay sends
exactly as before; the cost is one dictionary check per call.

Pass-through: a service without a provider that consumes an event with a ``traceparent`` makes it the
current context while the handler runs (no span of its own), so events it writes keep the caller's trace
(the W3C recommendation for a participant that does not trace).

Tests: :func:`capture_spans` records the spans of every service configured inside it into an SDK
``InMemorySpanExporter`` (``SimpleSpanProcessor``: a span is there as soon as it ends).

Several services may run in one process (tests): each gets a provider of its own (its ``service.name``);
a span is recorded by the provider of the service it belongs to (an envelope's ``source`` for a send, the
consumer name's first dotted part, ``invoicing`` of ``invoicing.approvals``, for a process span). No
provider becomes OpenTelemetry's global one: spans are made through this module (and :func:`instrument`).

Span attributes never carry a path with a token (``/auth/login/{token}``) or a query string: the URL
attributes of HTTP spans are replaced by the route template (:func:`instrument`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from vikar_shared.events.envelope import Envelope
from vikar_shared.events.registry import REGISTRY

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from vikar_shared.settings import ServiceSettings

__all__ = [
    "EXCLUDED_PATHS",
    "capture_spans",
    "configure",
    "consume_span",
    "enabled",
    "inject",
    "instrument",
    "send_in_span",
    "shutdown",
]

log = logging.getLogger(__name__)

TRACEPARENT = "traceparent"
EXCLUDED_PATHS = ("/healthz", "/readyz", "/metrics")
"""Paths of every app that get no server span (probes and scrapes)."""
# The instrumentation searches these regular expressions in the request's URL (scheme://host/path, no query).
_EXCLUDED_URLS = ",".join(f"^[a-z]+://[^/]+{path}$" for path in EXCLUDED_PATHS)
# URL attributes of a server span (old and stable HTTP semantic conventions) that hold the raw path or query.
_PATH_ATTRIBUTES = ("http.target", "url.path")
_QUERY_ATTRIBUTES = ("url.query",)
_FULL_URL_ATTRIBUTES = ("http.url", "url.full")
_UNMATCHED_ROUTE = "none"  # as vikar_shared.metrics labels a path no route matched

_PROPAGATOR = TraceContextTextMapPropagator()
_INSTRUMENTATION = "vikar_shared.tracing"

# Service name -> its SDK provider; empty while tracing is off (the fast path checks exactly this).
_providers: dict[str, TracerProvider] = {}
_tracers: dict[str, Tracer] = {}
_capture: InMemorySpanExporter | None = None


def enabled() -> bool:
    """Whether any service in this process records spans."""
    return bool(_providers)


def configure(service_name: str, settings: ServiceSettings) -> TracerProvider | None:
    """The SDK provider that records ``service_name``'s spans, installed on the first call: with
    ``settings.otlp_endpoint`` a ``BatchSpanProcessor`` exporting over OTLP/HTTP to
    ``<otlp_endpoint>/v1/traces``; inside :func:`capture_spans` a ``SimpleSpanProcessor`` into the
    test's exporter. ``None`` (nothing installed, tracing off) when neither applies. Calling it again for
    the same service returns the same provider."""
    if service_name in _providers:
        return _providers[service_name]
    if settings.otlp_endpoint is None and _capture is None:
        return None
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    resource = Resource.create({SERVICE_NAME: service_name, "deployment.environment": settings.environment.value})
    provider = TracerProvider(resource=resource)
    if settings.otlp_endpoint is not None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{settings.otlp_endpoint}/v1/traces"))
        )
        log.info(
            "traces exported over OTLP", extra={"fields": {"service": service_name, "endpoint": settings.otlp_endpoint}}
        )
    if _capture is not None:
        provider.add_span_processor(SimpleSpanProcessor(_capture))
    _providers[service_name] = provider
    _tracers[service_name] = provider.get_tracer(_INSTRUMENTATION)
    return provider


def shutdown() -> None:
    """Flushes (a batch exporter sends what it holds) and forgets every provider: tracing is off again.
    A provider also flushes by itself when the process exits."""
    for name in list(_providers):
        _forget(name)


def _forget(name: str) -> None:
    _tracers.pop(name, None)
    _providers.pop(name).shutdown()


@contextlib.contextmanager
def capture_spans() -> Iterator[InMemorySpanExporter]:
    """Tests: every service configured inside (:func:`configure`, i.e. every app created inside) records
    its spans into the exporter yielded (``get_finished_spans()``). On exit the providers configured
    inside are shut down and forgotten, so tracing is off again."""
    global _capture
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    if _capture is not None:
        raise RuntimeError("capture_spans() is already active")
    before = set(_providers)
    _capture = InMemorySpanExporter()
    try:
        yield _capture
    finally:
        _capture = None
        for name in set(_providers) - before:
            _forget(name)


def _tracer(service: str) -> Tracer | None:
    """The tracer of ``service``; with one provider only (a production process), that one's."""
    tracer = _tracers.get(service)
    if tracer is None and len(_tracers) == 1:
        return next(iter(_tracers.values()))
    return tracer


def inject() -> str | None:
    """The W3C ``traceparent`` of the current span (``00-<trace id>-<span id>-<flags>``), or ``None``
    when there is none (tracing off, or outside any request or event)."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get(TRACEPARENT)


def _parent(traceparent: object) -> otel_context.Context | None:
    """The context of a remote parent span, or ``None`` for no (or an invalid) ``traceparent``."""
    if not isinstance(traceparent, str):
        return None
    extracted = _PROPAGATOR.extract({TRACEPARENT: traceparent})
    return extracted if trace.get_current_span(extracted).get_span_context().is_valid else None


def _topic(event_type: object, version: object) -> str | None:
    try:
        model = REGISTRY.get((str(event_type), int(str(version))))
    except ValueError:
        return None
    return model.topic if model is not None else None


def _messaging_attributes(operation: str, topic: str | None, event_id: object, qualified_type: str) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "messaging.system": "kafka",
        "messaging.operation.type": operation,
        "messaging.operation.name": operation,
        "messaging.message.id": str(event_id),
        "vikar.event.type": qualified_type,
    }
    if topic is not None:
        attributes["messaging.destination.name"] = topic
    return attributes


@contextlib.contextmanager
def consume_span(envelope: Envelope, consumer: str) -> Iterator[Span]:
    """Runs the handling of ``envelope`` by ``consumer`` (``<service>.<purpose>``) in a ``process <topic>``
    CONSUMER span, child of the envelope's ``traceparent`` (a new trace without one), and current while
    it runs, so the events the handler writes (:func:`inject`) continue the trace. Yields the span (the
    non-recording invalid span when tracing is off, on which ``set_attribute`` does nothing). An
    exception going through is recorded on the span and re-raised."""
    parent = _parent(envelope.traceparent) if envelope.traceparent is not None else None
    tracer = _tracer(consumer.partition(".")[0]) if _providers else None
    if tracer is None:
        if parent is None:
            yield trace.INVALID_SPAN
            return
        token = otel_context.attach(parent)  # pass-through: no span, the caller's context goes on
        try:
            yield trace.INVALID_SPAN
        finally:
            otel_context.detach(token)
        return
    topic = _topic(envelope.type, envelope.version)
    attributes = _messaging_attributes("process", topic, envelope.id, envelope.qualified_type)
    attributes["messaging.consumer.group.name"] = consumer
    with tracer.start_as_current_span(
        f"process {topic or envelope.qualified_type}",
        context=parent if parent is not None else otel_context.Context(),
        kind=SpanKind.CONSUMER,
        attributes=attributes,
    ) as span:
        yield span


async def send_in_span(
    envelope: Mapping[str, Any] | str, sending: Awaitable[asyncio.Future[Any]]
) -> asyncio.Future[Any]:
    """Awaits ``sending`` (a producer's ``send(...)``, which enqueues the record and returns its delivery
    future) in a ``send <topic>`` PRODUCER span of the envelope's ``source`` service, child of the
    envelope's ``traceparent`` (``envelope`` is the outbox row's JSON, parsed or as text: text is parsed
    only when tracing is on); the span ends when the delivery
    future does (acknowledged, or failed: the error is recorded). Returns the delivery future. With
    tracing off it only awaits ``sending``."""
    if not _providers:
        return await sending
    if isinstance(envelope, str):
        envelope = json.loads(envelope)
        assert isinstance(envelope, dict)
    tracer = _tracer(str(envelope.get("source", "")))
    if tracer is None:
        return await sending
    parent = _parent(envelope.get(TRACEPARENT))
    event_type, version = envelope.get("type"), envelope.get("version")
    topic = _topic(event_type, version)
    span = tracer.start_span(
        f"send {topic or event_type}",
        context=parent if parent is not None else otel_context.Context(),
        kind=SpanKind.PRODUCER,
        attributes=_messaging_attributes("send", topic, envelope.get("id"), f"{event_type}.v{version}"),
    )
    try:
        delivery = await sending
    except BaseException as exc:
        _end(span, exc)
        raise
    delivery.add_done_callback(lambda done: _end(span, _failure(done)))
    return delivery


def _failure(done: asyncio.Future[Any]) -> BaseException | None:
    if done.cancelled():
        return asyncio.CancelledError()
    return done.exception()


def _end(span: Span, error: BaseException | None) -> None:
    if error is not None:
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
    span.end()


def _scrub_url(span: Span, scope: dict[str, Any]) -> None:
    """Server request hook: the raw path (a login link's token: ``/auth/login/{token}``) and the query
    string leave the span; the route template takes their place."""
    if not span.is_recording():
        return
    attributes: Mapping[str, Any] = getattr(span, "attributes", None) or {}
    route = str(attributes.get("http.route") or _UNMATCHED_ROUTE)
    for key in _PATH_ATTRIBUTES:
        if key in attributes:
            span.set_attribute(key, route)
    for key in _QUERY_ATTRIBUTES:
        if key in attributes:
            span.set_attribute(key, "")
    for key in _FULL_URL_ATTRIBUTES:
        if key in attributes:
            parts = urlsplit(str(attributes[key]))
            span.set_attribute(key, urlunsplit((parts.scheme, parts.netloc, route, "", "")))


def instrument(app: FastAPI, provider: TracerProvider | None) -> None:
    """Server spans for every request of ``app`` but :data:`EXCLUDED_PATHS`, recorded by ``provider``
    (OpenTelemetry's FastAPI instrumentation, outermost, so the spans cover every middleware; named
    ``<METHOD> <route template>``; URL attributes scrubbed, see :func:`_scrub_url`; no metrics, no
    per-message ``send``/``receive`` spans). ``provider`` ``None`` (tracing off): nothing is added."""
    if provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.metrics import NoOpMeterProvider

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        meter_provider=NoOpMeterProvider(),
        excluded_urls=_EXCLUDED_URLS,
        server_request_hook=_scrub_url,
        exclude_spans=["receive", "send"],
    )
