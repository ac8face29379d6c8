"""A running invoicing service on its own database and Kafka namespace, and event builders."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from invoicing.app import MIGRATIONS, create_app
from invoicing.config import InvoicingSettings
from vikar_shared.auth import Role
from vikar_shared.clock import FixedClock
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import (
    Address,
    BillingContact,
    CompanyRegistered,
    CompanyUpdated,
    MunicipalityTermsSet,
    PlacementCreated,
    PlacementRatesChanged,
    RateVersion,
)
from vikar_shared.events.timesheet import EntryApproved
from vikar_shared.messaging.kafka import make_producer
from vikar_shared.testing.plugin import bearer, publish_events, serve_in_process, wait_until


@dataclass
class Invoicing:
    app: FastAPI
    client: httpx.AsyncClient
    pool: asyncpg.Pool
    kafka: str
    namespace: str

    async def publish_placement_events(
        self, *events: MunicipalityTermsSet | PlacementCreated | PlacementRatesChanged
    ) -> list[Envelope]:
        return await publish_events(
            self.kafka,
            self.namespace,
            [(e, e.municipality_id if isinstance(e, MunicipalityTermsSet) else e.placement_id) for e in events],
        )

    async def publish_company_events(self, *events: CompanyRegistered | CompanyUpdated) -> list[Envelope]:
        """As placement's relay does: key company id."""
        return await publish_events(self.kafka, self.namespace, [(e, e.company_id) for e in events])

    async def publish_approvals(self, *approvals: EntryApproved) -> list[Envelope]:
        """As the timesheet relay does: subject entry id, key placement id."""
        envelopes = [Envelope.wrap(a, source="timesheet", subject=a.entry_id) for a in approvals]
        for envelope, approval in zip(envelopes, approvals, strict=True):
            await self.send_raw(envelope.model_dump_json().encode(), key=approval.placement_id)
        return envelopes

    async def send_raw(self, value: bytes, *, key: uuid.UUID) -> None:
        producer = make_producer(self.kafka, "test-timesheet")
        await producer.start()
        try:
            await producer.send_and_wait(self.namespace + "timesheet.events", value=value, key=str(key).encode())
        finally:
            await producer.stop()

    async def count(self, sql: str, *args: object) -> int:
        return int(await self.pool.fetchval(sql, *args))

    async def wait_for_count(self, sql: str, *args: object, expected: int, what: str) -> None:
        """Waits until ``sql`` counts ``expected``; fails naming the count last seen (slow, or wrong?).

        The ceiling is the shared one (``wait_until``'s 30 s), not a shorter one: on a loaded 2-core CI machine a
        consumer joining its group and accruing took over 20 s once, where it takes under a second alone."""
        seen: list[int] = []

        async def reached() -> bool:
            seen.append(await self.count(sql, *args))
            return seen[-1] == expected

        try:
            await wait_until(reached, what=what)
        except pytest.fail.Exception as timed_out:  # keeps wait_until's report of what the service was doing
            pytest.fail(f"{expected} expected, {seen[-1] if seen else 'none'} counted; {timed_out}")


@pytest.fixture
async def invoicing(
    make_database: Callable[[str, Path], Awaitable[str]], kafka_namespace: str, kafka: str
) -> AsyncIterator[Invoicing]:
    dsn = await make_database("invoicing", MIGRATIONS)
    settings = InvoicingSettings(
        database_url=dsn, kafka_bootstrap=kafka, kafka_namespace=kafka_namespace, consumer_retry_backoff_seconds=0.01
    )
    app = create_app(settings)
    async with serve_in_process(app) as client:
        yield Invoicing(app, client, app.state.pool, kafka, kafka_namespace)


class Build:
    """Event builders (a fixture, since conftest modules are not importable under importlib mode)."""

    @staticmethod
    def terms(
        municipality_id: uuid.UUID, effective_from: date, rate: int, name: str = "Aalborg"
    ) -> MunicipalityTermsSet:
        return MunicipalityTermsSet(
            municipality_id=municipality_id,
            municipality_name=name,
            terms_id=uuid.uuid4(),
            effective_from=effective_from,
            co_financing_rate_ore_per_hour=rate,
            eligibility_threshold_weeks=52,
        )

    @staticmethod
    def placement(
        *, company_id: uuid.UUID, municipality_id: uuid.UUID, citizen_name: str, bill_rate: int, eligible: bool = True
    ) -> PlacementCreated:
        return PlacementCreated(
            placement_id=uuid.uuid4(),
            citizen_id=uuid.uuid4(),
            citizen_name=citizen_name,
            referral_id=uuid.uuid4(),
            municipality_id=municipality_id,
            co_financing_eligible=eligible,
            company_id=company_id,
            start_date=date(2026, 1, 1),
            end_date=None,
            bill_rate_ore_per_hour=bill_rate,
        )

    @staticmethod
    def company(
        company_id: uuid.UUID,
        *,
        name: str = "Bager Hansen ApS",
        billing_period: str | None = "monthly",
        payment_terms_days: int | None = 14,
        address: bool = True,
        updated: bool = False,
    ) -> CompanyRegistered | CompanyUpdated:
        kind = CompanyUpdated if updated else CompanyRegistered
        return kind(
            company_id=company_id,
            name=name,
            cvr="12345674",
            approvers=[],
            billing_period=billing_period,
            payment_terms_days=payment_terms_days,
            address=Address(street="Algade 1", postcode="9000", city="Aalborg") if address else None,
            billing_contact=BillingContact(name="Hanne Bogholder", email="bogholderi@bager.dk") if address else None,
        )

    @staticmethod
    def rates(of: PlacementCreated, *versions: tuple[date, int]) -> PlacementRatesChanged:
        return PlacementRatesChanged(
            placement_id=of.placement_id,
            company_id=of.company_id,
            rates=[RateVersion(effective_from=day, bill_rate_ore_per_hour=rate) for day, rate in versions],
        )

    @staticmethod
    def approval(
        of: PlacementCreated, work_date: date, minutes: int, corrects: EntryApproved | None = None
    ) -> EntryApproved:
        return EntryApproved(
            entry_id=uuid.uuid4(),
            placement_id=of.placement_id,
            company_id=of.company_id,
            work_date=work_date,
            minutes=minutes,
            approved_by="approver@bager.dk",
            approved_at=datetime(2026, 11, 30, 9, tzinfo=UTC),
            corrects_entry_id=None if corrects is None else corrects.entry_id,
        )


@pytest.fixture
def build() -> type[Build]:
    return Build


# --- Issue 10, payments and finance views (helper "payments") -------------------------------------------------
IssueInvoices = Callable[..., Awaitable[list[dict[str, Any]]]]


@pytest.fixture
def issue_invoices(invoicing: Invoicing, build: type[Build]) -> IssueInvoices:
    """``await issue_invoices(count, minutes=90, issue_on=date(2026, 11, 6))``: ``count`` new companies, each with
    one October entry of ``minutes`` at 17 999 øre/h (90 min: net 26 999, VAT 6 750, total 33 749), closed and
    issued on ``issue_on`` with 8 days' terms (due 2026-11-14 for the default); the issued invoices as answered."""

    async def issue(
        count: int, *, minutes: int = 90, issue_on: date = date(2026, 11, 6), names: list[str] | None = None
    ) -> list[dict[str, Any]]:
        before = await invoicing.count("select count(*) from billable_lines")
        companies = [uuid.uuid4() for _ in range(count)]
        labels = names or [f"Firma {i}" for i in range(count)]
        await invoicing.publish_company_events(
            *(build.company(c, name=labels[i], payment_terms_days=8) for i, c in enumerate(companies))
        )
        placements = [
            build.placement(
                company_id=c, municipality_id=uuid.uuid4(), citizen_name=f"Borger {i}", bill_rate=17_999, eligible=False
            )
            for i, c in enumerate(companies)
        ]
        await invoicing.publish_placement_events(*placements)
        await invoicing.publish_approvals(*(build.approval(p, date(2026, 10, 5), minutes) for p in placements))
        await invoicing.wait_for_count("select count(*) from billable_lines", expected=before + count, what="accrued")
        await invoicing.wait_for_count(
            "select count(*) from companies where company_id = any($1::uuid[])", companies, expected=count, what="known"
        )
        finance = bearer(Role.FINANCE)
        invoicing.app.state.clock = FixedClock.on(issue_on)
        r = await invoicing.client.post("/closes", json={"through": "2026-10-31"}, headers=finance)
        assert r.status_code == 201, r.text
        drafts = sorted(
            (d for d in r.json()["invoices"] if d["company_id"] in {str(c) for c in companies}),
            key=lambda d: [str(c) for c in companies].index(d["company_id"]),
        )
        issued = []
        for d in drafts:
            r = await invoicing.client.post(f"/invoices/{d['invoice_id']}/issue", headers=finance)
            assert r.status_code == 200, r.text
            issued.append(r.json())
        return issued

    return issue
