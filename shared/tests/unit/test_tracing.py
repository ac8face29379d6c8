"""vikar_shared.tracing without servers: the envelope's traceparent, what is installed when, the helpers."""

from __future__ import annotations

import asyncio
import copy
import http.server
import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.trace import SpanKind
from pydantic import ValidationError

from vikar_shared import tracing
from vikar_shared.contracts.compat import breaking_changes
from vikar_shared.contracts.export import snapshot
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.timesheet import EntryApproved
from vikar_shared.http.app import create_service_app
from vikar_shared.outbox import add_event
from vikar_shared.settings import ServiceSettings

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


@pytest.fixture(autouse=True)
def tracing_off(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts and ends with no provider in the process (and no endpoint from the shell)."""
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    assert not tracing.enabled()
    yield
    tracing.shutdown()


def settings(**values: Any) -> ServiceSettings:
    return ServiceSettings(database_url="postgresql://unused@127.0.0.1:1/unused", **values)


def approval() -> EntryApproved:
    return EntryApproved(
        entry_id=uuid.uuid4(),
        placement_id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        work_date="2026-11-20",
        minutes=90,
        approved_by="bo.approver",
        approved_at="2026-11-21T08:00:00+00:00",
    )


class Connection:
    """What add_event needs of an asyncpg connection: it records the row instead of writing it."""

    def __init__(self) -> None:
        self.rows: list[tuple[object, ...]] = []

    async def execute(self, sql: str, *args: object) -> str:
        self.rows.append(args)
        return "INSERT 0 1"


# --- the envelope field -------------------------------------------------------------------------------


def test_traceparent_round_trips_through_the_envelope_on_the_wire() -> None:
    envelope = Envelope.wrap(approval(), source="timesheet", subject=uuid.uuid4(), traceparent=TRACEPARENT)
    wire = envelope.model_dump_json()
    assert json.loads(wire)["traceparent"] == TRACEPARENT
    assert Envelope.model_validate_json(wire).traceparent == TRACEPARENT
    assert Envelope.model_validate_json(wire) == envelope


def test_an_envelope_without_traceparent_still_reads_and_a_malformed_one_is_dropped_not_refused() -> None:
    wire = json.loads(Envelope.wrap(approval(), source="timesheet", subject=uuid.uuid4()).model_dump_json())
    del wire["traceparent"]  # as every event written before the field existed
    assert Envelope.model_validate(wire).traceparent is None
    for bad in ("", "00-xyz", TRACEPARENT.upper(), f"{TRACEPARENT}-extra", 42):
        assert Envelope.model_validate({**wire, "traceparent": bad}).traceparent is None, bad
    with pytest.raises(ValidationError):  # the rest of the envelope is still checked
        Envelope.model_validate({**wire, "traceparent": TRACEPARENT, "version": "one"})


def test_the_message_schema_states_the_pattern_and_adding_the_field_is_compatible() -> None:
    current = snapshot(EntryApproved)
    field = current["properties"]["traceparent"]
    assert {"type": "string", "pattern": r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"} in field["anyOf"]
    assert "traceparent" not in current.get("required", [])
    before = copy.deepcopy(current)
    del before["properties"]["traceparent"]
    assert breaking_changes(before, current) == []


# --- configuration ------------------------------------------------------------------------------------


def test_nothing_is_installed_without_an_endpoint() -> None:
    assert tracing.configure("timesheet", settings()) is None
    assert not tracing.enabled()


def test_the_otlp_exporter_is_configured_only_when_the_endpoint_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector:4318/")
    configured = settings()
    assert configured.otlp_endpoint == "http://otel-collector:4318"
    provider = tracing.configure("timesheet", configured)
    assert isinstance(provider, TracerProvider)
    assert provider.resource.attributes["service.name"] == "timesheet"
    assert provider.resource.attributes["deployment.environment"] == configured.environment.value
    [processor] = provider._active_span_processor._span_processors
    assert isinstance(processor, BatchSpanProcessor)
    exporter = processor._batch_processor._exporter
    assert isinstance(exporter, OTLPSpanExporter)
    assert exporter._endpoint == "http://otel-collector:4318/v1/traces"
    assert tracing.configure("timesheet", configured) is provider  # once per service
    assert trace.get_tracer_provider() is not provider  # the global provider is left alone


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_endpoint_is_unset(monkeypatch: pytest.MonkeyPatch, blank: str) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", blank)
    assert settings().otlp_endpoint is None


def test_an_endpoint_that_is_not_a_url_fails_the_start() -> None:
    with pytest.raises(ValidationError, match="otlp_endpoint"):
        settings(otlp_endpoint="otel-collector:4318")


def test_capture_spans_installs_an_in_memory_exporter_and_removes_it_afterwards() -> None:
    with tracing.capture_spans() as spans:
        provider = tracing.configure("invoicing", settings())
        assert provider is not None
        [processor] = provider._active_span_processor._span_processors
        assert isinstance(processor, SimpleSpanProcessor)
        with tracing.consume_span(Envelope.wrap(approval(), source="timesheet", subject=1), "invoicing.approvals"):
            pass
        assert [s.name for s in spans.get_finished_spans()] == ["process timesheet.events"]
    assert not tracing.enabled()


# --- inject, consume, send ----------------------------------------------------------------------------


async def test_without_a_provider_no_traceparent_is_stamped() -> None:
    conn = Connection()
    envelope = await add_event(conn, approval(), source="timesheet", subject=uuid.uuid4())  # type: ignore[arg-type]
    assert tracing.inject() is None
    assert envelope.traceparent is None
    assert json.loads(conn.rows[0][3])["traceparent"] is None  # the outbox row's envelope (stored as JSON text)


async def test_an_event_written_while_handling_one_carries_the_consume_span_as_parent() -> None:
    with tracing.capture_spans() as spans:
        tracing.configure("invoicing", settings())
        incoming = Envelope.wrap(approval(), source="timesheet", subject=1, traceparent=TRACEPARENT)
        with tracing.consume_span(incoming, "invoicing.approvals") as span:
            written = await add_event(Connection(), approval(), source="invoicing", subject=2)  # type: ignore[arg-type]
            span.set_attribute("vikar.consumer.outcome", "handled")
        [consumed] = spans.get_finished_spans()
    assert consumed.kind is SpanKind.CONSUMER
    assert consumed.context.trace_id == int(TRACE_ID, 16)
    assert consumed.parent is not None and consumed.parent.span_id == int(PARENT_ID, 16)
    assert consumed.parent.is_remote
    assert consumed.attributes is not None
    assert consumed.attributes["messaging.consumer.group.name"] == "invoicing.approvals"
    assert consumed.attributes["messaging.destination.name"] == "timesheet.events"
    assert consumed.attributes["messaging.message.id"] == str(incoming.id)
    assert consumed.attributes["vikar.consumer.outcome"] == "handled"
    assert written.traceparent == f"00-{TRACE_ID}-{consumed.context.span_id:016x}-01"


async def test_a_service_that_does_not_trace_passes_the_trace_context_through() -> None:
    incoming = Envelope.wrap(approval(), source="timesheet", subject=1, traceparent=TRACEPARENT)
    with tracing.consume_span(incoming, "invoicing.approvals"):
        written = await add_event(Connection(), approval(), source="invoicing", subject=2)  # type: ignore[arg-type]
    assert written.traceparent == TRACEPARENT
    assert tracing.inject() is None  # detached afterwards
    with tracing.consume_span(Envelope.wrap(approval(), source="timesheet", subject=1), "invoicing.approvals"):
        assert tracing.inject() is None


def test_a_consume_span_records_the_error_that_goes_through() -> None:
    with tracing.capture_spans() as spans:
        tracing.configure("invoicing", settings())
        with (
            pytest.raises(RuntimeError),
            tracing.consume_span(Envelope.wrap(approval(), source="timesheet", subject=1), "invoicing.approvals"),
        ):
            raise RuntimeError("broker gone")
        [consumed] = spans.get_finished_spans()
    assert consumed.parent is None  # no traceparent: a trace of its own
    assert not consumed.status.is_ok
    assert [e.name for e in consumed.events] == ["exception"]


async def test_a_send_span_lasts_until_the_ack_and_is_a_child_of_the_rows_traceparent() -> None:
    row = json.loads(
        Envelope.wrap(approval(), source="timesheet", subject=1, traceparent=TRACEPARENT).model_dump_json()
    )
    with tracing.capture_spans() as spans:
        tracing.configure("timesheet", settings())
        acked: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        async def enqueue() -> asyncio.Future[str]:
            return acked

        assert await tracing.send_in_span(row, enqueue()) is acked
        assert spans.get_finished_spans() == ()  # sent, not yet acknowledged
        acked.set_result("metadata")
        await asyncio.sleep(0)  # done callbacks run on the loop
        [sent] = spans.get_finished_spans()
        failed: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        async def enqueue_failing() -> asyncio.Future[str]:
            return failed

        await tracing.send_in_span(row, enqueue_failing())
        failed.set_exception(RuntimeError("OutOfOrderSequenceNumber"))
        await asyncio.sleep(0)
        [_, refused] = spans.get_finished_spans()
        failed.exception()  # retrieved, as the relay's gather does
    assert sent.name == "send timesheet.events" and sent.kind is SpanKind.PRODUCER
    assert sent.context.trace_id == int(TRACE_ID, 16)
    assert sent.parent is not None and sent.parent.span_id == int(PARENT_ID, 16)
    assert sent.status.is_ok
    assert not refused.status.is_ok


async def test_without_a_provider_sending_is_only_the_send() -> None:
    row = json.loads(
        Envelope.wrap(approval(), source="timesheet", subject=1, traceparent=TRACEPARENT).model_dump_json()
    )
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def enqueue() -> asyncio.Future[int]:
        return done

    assert await tracing.send_in_span(row, enqueue()) is done
    assert not done.done()


# --- HTTP ---------------------------------------------------------------------------------------------


def service_app(configured: ServiceSettings) -> FastAPI:
    return create_service_app(configured, title="t", description="d", routers=[], migrations=Path("."))


def test_an_app_gets_no_tracing_middleware_when_tracing_is_off() -> None:
    assert not getattr(service_app(settings()), "_is_instrumented_by_opentelemetry", False)
    with tracing.capture_spans():
        assert getattr(service_app(settings()), "_is_instrumented_by_opentelemetry", False)


async def test_server_spans_name_the_route_and_carry_neither_the_raw_path_nor_the_query() -> None:
    token = "secret-login-token-" + uuid.uuid4().hex
    with tracing.capture_spans() as spans:
        app = FastAPI()

        @app.get("/auth/login/{token}")
        async def login(token: str) -> dict[str, str]:
            return {"ok": "yes"}

        @app.get("/healthz")
        @app.get("/readyz")
        @app.get("/metrics")
        @app.get("/reports/metrics")
        async def probe() -> dict[str, str]:
            return {"status": "ok"}

        tracing.instrument(app, tracing.configure("placement", settings()))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            assert (await client.get(f"/auth/login/{token}", params={"next": token})).status_code == 200
            assert (await client.get(f"/nowhere/{token}")).status_code == 404
            for probe_path in (*tracing.EXCLUDED_PATHS, "/reports/metrics"):
                assert (await client.get(probe_path)).status_code == 200
        finished = spans.get_finished_spans()
    # Probes and scrapes make no span; a path that only ends like one does.
    assert [s.name for s in finished] == ["GET /auth/login/{token}", "GET", "GET /reports/metrics"]
    for span in finished:
        assert span.kind is SpanKind.SERVER
        assert token not in json.dumps(dict(span.attributes or {}), default=str), span.attributes
    assert (finished[0].attributes or {}).get("http.target") == "/auth/login/{token}"


# --- OTLP export --------------------------------------------------------------------------------------


class Collector(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver: keeps each request's path, content type and body."""

    received: ClassVar[list[tuple[str, str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_spans_are_exported_over_otlp_http_to_the_configured_endpoint() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Collector.received.clear()
    try:
        tracing.configure("invoicing", settings(otlp_endpoint=f"http://127.0.0.1:{server.server_port}"))
        incoming = Envelope.wrap(approval(), source="timesheet", subject=1, traceparent=TRACEPARENT)
        with tracing.consume_span(incoming, "invoicing.approvals"):
            pass
        tracing.shutdown()  # flushes the batch
    finally:
        server.shutdown()
        thread.join()
    [(path, content_type, body)] = Collector.received
    assert (path, content_type) == ("/v1/traces", "application/x-protobuf")
    request = ExportTraceServiceRequest.FromString(body)
    [resource_spans] = request.resource_spans
    service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}["service.name"]
    [span] = [s for scope in resource_spans.scope_spans for s in scope.spans]
    assert (service, span.name, span.trace_id.hex(), span.parent_span_id.hex()) == (
        "invoicing",
        "process timesheet.events",
        TRACE_ID,
        PARENT_ID,
    )
