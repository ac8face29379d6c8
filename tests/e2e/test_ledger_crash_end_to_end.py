"""The ledger survives a crash (issue 9): invoicing killed with SIGKILL in the middle of a close and
restarted drafts the same drafts (one per company and period, every entry on exactly one), and killed in the
middle of concurrent issues keeps the numbers it gave and continues them with no gap; every issued invoice
has its PDF or is queued for it.

The close needs enough companies to be killed half way, so this test seeds invoicing's accrued lines
directly (September 2026): 1,000 companies, 20 lines each, on a system of its own (its rows would make the
tests that read every stored row, such as the credential scan, slow on the shared one)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from e2e.slice import FINANCE
from e2e.system import System, start_system, stop_system
from vikar_shared.testing.plugin import StackSettings, wait_until

pytestmark = pytest.mark.e2e

COMPANIES = 1_000
LINES_PER_COMPANY = 20
THROUGH = "2026-09-30"
ISSUED = 120  # drafts issued, concurrently, with a kill in the middle


@pytest.fixture(scope="module")
def own_system(postgres: StackSettings, kafka: str, mailpit: StackSettings) -> Iterator[System]:
    """The four services on databases and a Kafka namespace of this module's own."""
    running = start_system(postgres)
    try:
        yield running
    finally:
        stop_system(running)


async def _seed(system: System) -> dict[uuid.UUID, tuple[int, set[uuid.UUID]]]:
    """Companies with billing addresses and their accrued September lines; per company (net øre, entry ids)."""
    approved_at = datetime(2026, 10, 1, 8, tzinfo=UTC)
    companies, entries, lines = [], [], []
    expected: dict[uuid.UUID, tuple[int, set[uuid.UUID]]] = {}
    for c in range(COMPANIES):
        company_id = uuid.uuid4()
        companies.append(
            (company_id, f"E2E Nedbrud {c:04d} ApS", "12345674", "monthly", 14, "Algade 1", "9000", "Aalborg")
        )
        net, ids = 0, set()
        for i in range(LINES_PER_COMPANY):
            entry_id, placement_id, citizen_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            work_date = date(2026, 9, 1) + timedelta(days=i)
            minutes, rate = 30 + 15 * (i % 7), 18_550
            amount = (minutes * rate * 2 + 60) // 120  # half up, as accrual rounds
            net += amount
            ids.add(entry_id)
            entries.append(
                (entry_id, placement_id, company_id, work_date, minutes, approved_at, uuid.uuid4(), approved_at)
            )
            lines.append(
                (entry_id, company_id, placement_id, citizen_id, f"Borger {i}", work_date, minutes, rate, amount)
            )
        expected[company_id] = (net, ids)
    conn = await system.db("invoicing")
    try:
        async with conn.transaction():
            await conn.copy_records_to_table(
                "companies",
                records=companies,
                columns=[
                    "company_id",
                    "name",
                    "cvr",
                    "billing_period",
                    "payment_terms_days",
                    "street",
                    "postcode",
                    "city",
                ],
            )
            await conn.copy_records_to_table(
                "approved_entries",
                records=entries,
                columns=[
                    "entry_id",
                    "placement_id",
                    "company_id",
                    "work_date",
                    "minutes",
                    "approved_at",
                    "approval_event_id",
                    "accrued_at",
                ],
            )
            await conn.copy_records_to_table(
                "billable_lines",
                records=lines,
                columns=[
                    "entry_id",
                    "company_id",
                    "placement_id",
                    "citizen_id",
                    "citizen_name",
                    "work_date",
                    "minutes",
                    "rate_ore_per_hour",
                    "amount_ore",
                ],
            )
    finally:
        await conn.close()
    return expected


async def _numbers_have_no_gap(system: System) -> list[str]:
    """Every issued number of 2026, in order: exactly 2026-000001..2026-N with N the year's counter."""
    conn = await system.db("invoicing")
    try:
        numbers = [
            r["number"]
            for r in await conn.fetch("select number from invoices where number like '2026-%' order by number")
        ]
        counter = await conn.fetchval("select last_number from invoice_number_counters where year = 2026")
    finally:
        await conn.close()
    assert numbers == [f"2026-{n:06d}" for n in range(1, len(numbers) + 1)], "a gap in the numbers"
    assert (counter or 0) == len(numbers)
    return numbers


async def test_invoicing_killed_mid_close_and_mid_issue_drafts_the_same_and_numbers_with_no_gap(
    own_system: System,
) -> None:
    system = own_system
    expected = await _seed(system)
    invoicing = system.services["invoicing"]

    async def progress() -> tuple[int, int]:
        conn = await system.db("invoicing")
        try:
            row = await conn.fetchrow(
                "select companies_done, companies_total from closes where through = $1 order by started_at desc limit 1",
                date.fromisoformat(THROUGH),
            )
        finally:
            await conn.close()
        return (0, 0) if row is None else (row["companies_done"], row["companies_total"])

    # --- killed in the middle of the close
    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=120) as client:
        closing = asyncio.create_task(client.post("/closes", headers=FINANCE, json={"through": THROUGH}))

        async def half_way() -> bool:
            done, total = await progress()
            return 0 < done < total

        await wait_until(half_way, interval=0.01, timeout=60, what="the close to be under way")
        invoicing.kill()
        done_at_kill, total = await progress()
        with pytest.raises(httpx.HTTPError):
            await closing
    assert 0 < done_at_kill < total, "the kill came after the close; it proves nothing"
    await asyncio.to_thread(invoicing.start)

    async with httpx.AsyncClient(base_url=system.url("invoicing"), timeout=120) as client:
        second = await client.post("/closes", headers=FINANCE, json={"through": THROUGH})
        assert second.status_code == 201, second.text
        assert second.json()["status"] == "finished"

        conn = await system.db("invoicing")
        try:
            rows = await conn.fetch(
                """select i.invoice_id, i.company_id, i.period_start, i.period_end, i.net_ore,
                          array_agg(e.entry_id) as entries
                   from invoices i join invoice_entries e on e.invoice_id = i.invoice_id
                   where i.company_id = any($1::uuid[]) group by i.invoice_id""",
                list(expected),
            )
        finally:
            await conn.close()
        # The same drafts as a close without a crash: one per company for September, every entry on exactly one.
        assert len(rows) == COMPANIES
        drafted = {r["company_id"]: r for r in rows}
        assert set(drafted) == set(expected)
        for company_id, (net, ids) in expected.items():
            row = drafted[company_id]
            assert (row["period_start"], row["period_end"]) == (date(2026, 9, 1), date(2026, 9, 30))
            assert row["net_ore"] == net
            assert set(row["entries"]) == ids and len(row["entries"]) == len(ids)
        # A third close finds nothing more to draft.
        third = await client.post("/closes", headers=FINANCE, json={"through": THROUGH})
        assert [i for i in third.json()["invoices"] if uuid.UUID(i["company_id"]) in expected] == []

        # --- killed in the middle of concurrent issues
        drafts = [str(r["invoice_id"]) for r in rows][:ISSUED]
        numbers_before = set(await _numbers_have_no_gap(system))
        answered: dict[str, str] = {}

        async def issue(invoice_id: str) -> None:
            try:
                r = await client.post(f"/invoices/{invoice_id}/issue", headers=FINANCE)
            except httpx.HTTPError:
                return
            if r.status_code == 200:
                answered[invoice_id] = r.json()["number"]

        async def issuers(ids: list[str]) -> None:
            queue = list(ids)

            async def worker() -> None:
                while queue:
                    await issue(queue.pop())

            await asyncio.gather(*(worker() for _ in range(8)))

        issuing = asyncio.create_task(issuers(drafts))

        async def some_issued() -> bool:
            return len(answered) >= 10

        await wait_until(some_issued, interval=0.01, timeout=60, what="issues under way")
        invoicing.kill()
        await issuing
        assert len(answered) < ISSUED, "the kill came after every issue; it proves nothing"
        kept = dict(answered)
        await asyncio.to_thread(invoicing.start)
        answered.clear()
        conn = await system.db("invoicing")
        try:
            still_drafts = [
                str(r["invoice_id"])
                for r in await conn.fetch(
                    "select invoice_id from invoices where invoice_id = any($1::uuid[]) and status = 'draft'",
                    [uuid.UUID(d) for d in drafts],
                )
            ]
        finally:
            await conn.close()
        await issuers(still_drafts)

    numbers = await _numbers_have_no_gap(system)
    conn = await system.db("invoicing")
    try:
        issued = {
            str(r["invoice_id"]): r["number"]
            for r in await conn.fetch(
                "select invoice_id, number from invoices where invoice_id = any($1::uuid[])",
                [uuid.UUID(d) for d in drafts],
            )
        }
        undocumented = await conn.fetchval(
            """select count(*) from invoices i where i.status = 'issued'
                 and not exists (select 1 from invoice_documents d where d.invoice_id = i.invoice_id)
                 and not exists (select 1 from invoice_documents_due q where q.invoice_id = i.invoice_id)"""
        )
    finally:
        await conn.close()
    # Every draft issued once; the numbers answered before the kill are the numbers kept.
    assert all(number is not None for number in issued.values())
    assert {d: issued[d] for d in kept} == kept
    assert set(numbers) - numbers_before == set(issued.values())
    # Every issued invoice has its PDF or is queued for it: the crash lost no document.
    assert undocumented == 0
