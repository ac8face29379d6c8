"""One trace from an approval's HTTP request through the outbox and Kafka into invoicing and notifications.

Timesheet, invoicing and notifications run in this process (their lifespans: pools, relays, consumers),
each on its own real PostgreSQL database, talking over the real Kafka in a namespace of this test's own.
Every span they record goes to the SDK's in-memory exporter (``vikar_shared.tracing.capture_spans``).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from invoicing.app import MIGRATIONS as INVOICING_MIGRATIONS
from invoicing.app import create_app as invoicing_app
from invoicing.config import InvoicingSettings
from notifications.app import MIGRATIONS as NOTIFICATIONS_MIGRATIONS
from notifications.app import create_app as notifications_app
from notifications.config import NotificationsSettings
from timesheet.app import MIGRATIONS as TIMESHEET_MIGRATIONS
from timesheet.app import create_app as timesheet_app
from timesheet.config import TimesheetSettings
from vikar_shared import tracing
from vikar_shared.auth.principal import Role
from vikar_shared.events.placement import MunicipalityTermsSet, PlacementCreated
from vikar_shared.testing.plugin import StackSettings, bearer, publish_events, serve_in_process, wait_until

APPROVE_ROUTE = "POST /entries/{entry_id}/approve"
SUBMIT_ROUTE = "POST /placements/{placement_id}/entries"


@dataclass
class System:
    spans: InMemorySpanExporter
    timesheet: httpx.AsyncClient
    invoicing: httpx.AsyncClient
    placement: PlacementCreated
    today: date

    def finished(self) -> Sequence[ReadableSpan]:
        return self.spans.get_finished_spans()


def service_of(span: ReadableSpan) -> str:
    return str(span.resource.attributes["service.name"])


def named(spans: Sequence[ReadableSpan], service: str, name: str, **attributes: object) -> list[ReadableSpan]:
    return [
        s
        for s in spans
        if service_of(s) == service
        and s.name == name
        and all((s.attributes or {}).get(key) == value for key, value in attributes.items())
    ]


def parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


@pytest.fixture
async def system(
    make_database: Callable[[str, Path], Awaitable[str]], kafka: str, kafka_namespace: str, mailpit: StackSettings
) -> AsyncIterator[System]:
    common = {"kafka_bootstrap": kafka, "kafka_namespace": kafka_namespace, "consumer_retry_backoff_seconds": 0.01}
    with tracing.capture_spans() as spans:
        apps = [
            timesheet_app(
                TimesheetSettings(database_url=await make_database("timesheet", TIMESHEET_MIGRATIONS), **common)
            ),
            invoicing_app(
                InvoicingSettings(database_url=await make_database("invoicing", INVOICING_MIGRATIONS), **common)
            ),
            notifications_app(
                NotificationsSettings(
                    database_url=await make_database("notifications", NOTIFICATIONS_MIGRATIONS),
                    smtp_host=mailpit.smtp_host,
                    smtp_port=mailpit.smtp_port,
                    portal_base_url="https://portal.example.dk",
                    **common,
                )
            ),
        ]
        async with AsyncExitStack() as stack:
            timesheet, invoicing, _ = [await stack.enter_async_context(serve_in_process(app)) for app in apps]
            today = datetime.now(ZoneInfo("Europe/Copenhagen")).date()
            municipality_id = uuid.uuid4()
            placement = PlacementCreated(
                placement_id=uuid.uuid4(),
                citizen_id=uuid.uuid4(),
                citizen_name="Ida Jensen",
                referral_id=uuid.uuid4(),
                municipality_id=municipality_id,
                co_financing_eligible=True,
                company_id=uuid.uuid4(),
                start_date=today - timedelta(days=14),
                end_date=today + timedelta(days=30),
                bill_rate_ore_per_hour=15_500,
            )
            terms = MunicipalityTermsSet(
                municipality_id=municipality_id,
                municipality_name="Aalborg",
                terms_id=uuid.uuid4(),
                effective_from=today - timedelta(days=60),
                co_financing_rate_ore_per_hour=10_000,
                eligibility_threshold_weeks=52,
            )
            await publish_events(
                kafka, kafka_namespace, [(terms, municipality_id), (placement, placement.placement_id)]
            )
            for app, what in ((apps[0], "timesheet"), (apps[1], "invoicing")):

                async def known(pool: object = app.state.pool) -> bool:
                    found = await pool.fetchval(  # type: ignore[attr-defined]
                        "select count(*) from placements where placement_id = $1", placement.placement_id
                    )
                    return bool(found == 1)

                await wait_until(known, what=f"the placement in {what}'s read model")
            yield System(spans, timesheet, invoicing, placement, today)


async def test_one_approval_is_one_trace_through_timesheet_invoicing_and_notifications(system: System) -> None:
    submitted = await system.timesheet.post(
        f"/placements/{system.placement.placement_id}/entries",
        json={"entries": [{"work_date": (system.today - timedelta(days=1)).isoformat(), "minutes": 240}]},
        headers=bearer(Role.CONSULTANT, sub="anna.consultant"),
    )
    assert submitted.status_code == 201, submitted.text
    entry_id = submitted.json()["entries"][0]["id"]
    entry = (await system.timesheet.get(f"/entries/{entry_id}", headers=bearer(Role.ADMIN))).json()
    approved = await system.timesheet.post(
        f"/entries/{entry_id}/approve",
        json={"expected_version": entry["version"]},
        headers=bearer(Role.COMPANY_APPROVER, sub="bo.approver", company_id=system.placement.company_id),
    )
    assert approved.status_code == 200, approved.text

    # The approval: timesheet's server span is the root of one trace.
    [request] = named(system.finished(), "timesheet", APPROVE_ROUTE)
    assert request.kind is SpanKind.SERVER and request.parent is None
    trace_id = request.context.trace_id

    def approval_trace() -> list[ReadableSpan]:
        return [s for s in system.finished() if s.context.trace_id == trace_id]

    async def chain_complete() -> bool:
        spans = approval_trace()
        groups = {
            (s.attributes or {}).get("messaging.consumer.group.name")
            for s in named(spans, "notifications", "process timesheet.events")
        }
        return bool(named(spans, "invoicing", "send invoicing.events")) and len(groups) == 2

    await wait_until(chain_complete, what="invoicing's HoursAccrued sent and both notifications groups' spans")
    spans = system.finished()
    in_trace = approval_trace()

    # Timesheet's relay sent EntryApproved in a span under the request (the envelope's traceparent).
    [sent] = named(
        in_trace, "timesheet", "send timesheet.events", **{"vikar.event.type": "timesheet.entry_approved.v1"}
    )
    assert sent.kind is SpanKind.PRODUCER and parent_id(sent) == request.context.span_id
    assert sent.status.is_ok

    # Invoicing handled it under the same request...
    [accrued] = named(
        in_trace,
        "invoicing",
        "process timesheet.events",
        **{"messaging.consumer.group.name": "invoicing.approvals", "vikar.consumer.outcome": "handled"},
    )
    assert accrued.kind is SpanKind.CONSUMER and parent_id(accrued) == request.context.span_id
    # ...and the HoursAccrued its handler wrote continues the trace from invoicing's consume span.
    [accrued_sent] = named(in_trace, "invoicing", "send invoicing.events")
    assert accrued_sent.attributes is not None
    assert accrued_sent.attributes["vikar.event.type"] == "invoicing.hours_accrued.v1"
    assert parent_id(accrued_sent) == accrued.context.span_id

    # Notifications took EntryApproved in the same trace: its hours group handled it (issue 14: the approved entry
    # leaves the pending read model), its login-link group skipped it.
    notified = named(in_trace, "notifications", "process timesheet.events")
    outcomes = {
        (s.attributes or {}).get("messaging.consumer.group.name"): (s.attributes or {}).get("vikar.consumer.outcome")
        for s in notified
    }
    assert outcomes == {"notifications.hours": "handled", "notifications.login_links": "skipped"}
    assert all(parent_id(s) == request.context.span_id for s in notified)

    # One trace id across the three services.
    assert {service_of(s) for s in in_trace} == {"timesheet", "invoicing", "notifications"}

    # The submission is a trace of its own, in which notifications handled HoursSubmitted (and, in the approval's
    # trace, EntryApproved: issue 14's pending read model).
    [submit] = named(spans, "timesheet", SUBMIT_ROUTE)
    assert submit.context.trace_id != trace_id
    handled = named(
        spans,
        "notifications",
        "process timesheet.events",
        **{"messaging.consumer.group.name": "notifications.hours", "vikar.consumer.outcome": "handled"},
    )
    assert sorted(s.context.trace_id for s in handled) == sorted([submit.context.trace_id, trace_id])


async def test_probes_and_scrapes_make_no_spans(system: System) -> None:
    for path in ("/healthz", "/readyz", "/metrics"):
        response = await system.invoicing.get(path)
        assert response.status_code == 200, (path, response.text)
    ok = await system.invoicing.get(
        f"/companies/{system.placement.company_id}/invoice-preview",
        params={"month": system.today.strftime("%Y-%m")},
        headers=bearer(Role.FINANCE),
    )
    assert ok.status_code == 200, ok.text
    served = [s for s in system.finished() if service_of(s) == "invoicing" and s.kind is SpanKind.SERVER]
    assert [s.name for s in served] == ["GET /companies/{company_id}/invoice-preview"]
