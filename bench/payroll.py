"""The pay close, timed: 2,000 employees × every day of November 2026 (60,000 approved entries), and the month's
economics.

A fresh database (cloned from the migrated template, like bench/close's; dropped afterwards unless ``--keep``) is
seeded directly with COPY: 10 municipalities' terms, per employee one citizen, one placement (100 companies) with
a bill rate and a wage rate, and the employee number (1001, 1002, …); 10 % of the placements change their wage
on the 16th (a rate version), 5 % have no wage rate (their employee is blocked, their minutes not costed); per
employee an approved, accrued entry every day of the month (180..480 minutes) with its billable and co-financing
lines (amounts half up per entry as accrual does), and 3,000 submitted or rejected (unapproved) entries. Then:

close:     ``invoicing.payroll.service.close_pay_period(pool, finance, 2026-11-01, today=2026-12-01, ...)``
           in-process; prints seconds and entries/s, and checks the close's minutes and gross equal the seeded
           entries' with a wage (Σ ``amount_for`` per entry) and the blocked employees the ones without.
render:    the app served in-process (its lifespan on this database and a Kafka namespace of its own, deleted
           afterwards): ``GET /pay-periods/2026-11-01/wage-basis.csv`` and ``.json`` as finance downloads them;
           seconds and bytes each (says so when the endpoint is not there yet).
economics: ``invoicing.economics.service.economics(conn, finance, "2026-11", settings=...)`` in-process (seconds,
           placements/s), checked against the seed (revenue, gross, minutes without a wage), then
           ``GET /economics.csv?month=2026-11`` through the app.

``--skip-close`` times only the economics (e.g. before the pay close is merged). The machine is shared: the load
average is printed before and after.

    bench/payroll [--employees 2000] [--unapproved 3000] [--skip-close] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from concurrently import invoicing_database  # bench/concurrently.py (the script's own directory)

from invoicing.app import create_app
from invoicing.config import BasisPointsFrom, InvoicingSettings
from invoicing.economics import service as economics
from invoicing.money import amount_for
from vikar_shared.auth import Principal, Role
from vikar_shared.db import transaction
from vikar_shared.messaging.kafka import delete_topics
from vikar_shared.testing.plugin import StackSettings, bearer, serve_in_process

FINANCE = Principal(subject="bench", role=Role.FINANCE)
MONTH_START, MONTH_END = date(2026, 11, 1), date(2026, 11, 30)
MONTH = "2026-11"
WAGE_CHANGE = date(2026, 11, 16)
TODAY = date(2026, 12, 1)
PLACED_FROM = date(2026, 1, 5)
COMPANIES = 100
MUNICIPALITIES = 10
FIRST_EMPLOYEE_NUMBER = 1001
ON_COST = BasisPointsFrom(effective_from=date(2026, 1, 1), basis_points=1_500)

_PLACEMENT_COLUMNS = [
    "placement_id",
    "company_id",
    "citizen_id",
    "citizen_name",
    "municipality_id",
    "co_financing_eligible",
    "bill_rate_ore_per_hour",
    "start_date",
    "wage_rate_ore_per_hour",
]
_RATE_COLUMNS = ["placement_id", "position", "effective_from", "bill_rate_ore_per_hour", "wage_rate_ore_per_hour"]
_EMPLOYEE_COLUMNS = ["citizen_id", "employee_number", "employed_from"]
_ENTRY_COLUMNS = [
    "entry_id",
    "placement_id",
    "company_id",
    "work_date",
    "minutes",
    "approved_at",
    "approval_event_id",
    "accrued_at",
]
_LINE_COLUMNS = ["citizen_id", "citizen_name", "work_date", "minutes", "rate_ore_per_hour", "amount_ore"]
_BILLABLE_COLUMNS = ["entry_id", "company_id", "placement_id", *_LINE_COLUMNS]
_CO_FINANCING_COLUMNS = ["entry_id", "municipality_id", "terms_id", *_LINE_COLUMNS]
_UNAPPROVED_COLUMNS = ["entry_id", "placement_id", "company_id", "work_date", "minutes", "status", "status_at"]


@dataclass
class Seeded:
    employees: int
    entries: int = 0
    rows: int = 0
    seconds: float = 0.0
    wage_minutes: int = 0  # minutes of the entries with a wage rate in force
    missing_minutes: int = 0  # minutes of the entries without
    gross_ore: int = 0
    billed_ore: int = 0
    co_financed_ore: int = 0
    blocked: set[int] = field(default_factory=set)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def _days() -> list[date]:
    return [MONTH_START + timedelta(days=d) for d in range((MONTH_END - MONTH_START).days + 1)]


def _wage_of(employee: int) -> tuple[int | None, int | None]:
    """(wage before the 16th, wage from the 16th): 5 % without a wage, 10 % with a change on the 16th."""
    if employee % 20 == 19:
        return None, None
    wage = 13_000 + 50 * (employee % 40)
    return wage, wage + 750 if employee % 10 == 3 else wage


async def seed(pool: asyncpg.Pool, employees: int, unapproved: int) -> Seeded:
    started = time.perf_counter()
    seeded = Seeded(employees)
    companies = [uuid.uuid4() for _ in range(COMPANIES)]
    municipalities = [(uuid.uuid4(), uuid.uuid4(), 5_000 + 100 * m) for m in range(MUNICIPALITIES)]
    approved_at = datetime(2026, 12, 1, 7, tzinfo=UTC)
    placement_rows: list[tuple[Any, ...]] = []
    rate_rows: list[tuple[Any, ...]] = []
    employee_rows: list[tuple[Any, ...]] = []
    entry_rows: list[tuple[Any, ...]] = []
    billable_rows: list[tuple[Any, ...]] = []
    co_financing_rows: list[tuple[Any, ...]] = []
    unapproved_rows: list[tuple[Any, ...]] = []
    placements: list[tuple[uuid.UUID, uuid.UUID]] = []
    for e in range(employees):
        citizen_id, placement_id, company_id = uuid.uuid4(), uuid.uuid4(), companies[e % COMPANIES]
        municipality_id, terms_id, co_rate = municipalities[e % MUNICIPALITIES]
        name = f"Medarbejder {e:05d}"
        bill = 25_000 + 100 * (e % 50)
        before, after = _wage_of(e)
        placements.append((placement_id, company_id))
        placement_rows.append(
            (placement_id, company_id, citizen_id, name, municipality_id, True, bill, PLACED_FROM, before)
        )
        if before != after:
            rate_rows += [(placement_id, 0, PLACED_FROM, bill, before), (placement_id, 1, WAGE_CHANGE, bill, after)]
        employee_rows.append((citizen_id, FIRST_EMPLOYEE_NUMBER + e, PLACED_FROM))
        if before is None:
            seeded.blocked.add(FIRST_EMPLOYEE_NUMBER + e)
        for d, day in enumerate(_days()):
            minutes = 180 + 15 * ((e + d) % 21)
            entry_id = uuid.uuid4()
            wage = after if day >= WAGE_CHANGE else before
            billed, co_financed = amount_for(minutes, bill), amount_for(minutes, co_rate)
            entry_rows.append(
                (entry_id, placement_id, company_id, day, minutes, approved_at, uuid.uuid4(), approved_at)
            )
            billable_rows.append((entry_id, company_id, placement_id, citizen_id, name, day, minutes, bill, billed))
            co_financing_rows.append(
                (entry_id, municipality_id, terms_id, citizen_id, name, day, minutes, co_rate, co_financed)
            )
            seeded.billed_ore += billed
            seeded.co_financed_ore += co_financed
            if wage is None:
                seeded.missing_minutes += minutes
            else:
                seeded.wage_minutes += minutes
                seeded.gross_ore += amount_for(minutes, wage)
    days = _days()
    for u in range(unapproved):
        placement_id, company_id = placements[u % employees]
        status = "rejected" if u % 3 == 0 else "submitted"
        unapproved_rows.append(
            (uuid.uuid4(), placement_id, company_id, days[u % len(days)], 60 + u % 240, status, approved_at)
        )
    seeded.entries = len(entry_rows)
    async with pool.acquire() as conn, conn.transaction():
        await conn.executemany(
            "insert into municipality_terms (terms_id, municipality_id, municipality_name, effective_from, "
            "co_financing_rate_ore_per_hour, eligibility_threshold_weeks) values ($1, $2, $3, $4, $5, 52)",
            [(t, m, f"Kommune {i + 1}", PLACED_FROM, rate) for i, (m, t, rate) in enumerate(municipalities)],
        )
        await conn.executemany(
            "insert into companies (company_id, name, cvr, payment_terms_days) values ($1, $2, '12345674', 14)",
            [(c, f"Virksomhed {i + 1} ApS") for i, c in enumerate(companies)],
        )
        for table, rows, columns in (
            ("placements", placement_rows, _PLACEMENT_COLUMNS),
            ("placement_bill_rates", rate_rows, _RATE_COLUMNS),
            ("employees", employee_rows, _EMPLOYEE_COLUMNS),
            ("approved_entries", entry_rows, _ENTRY_COLUMNS),
            ("billable_lines", billable_rows, _BILLABLE_COLUMNS),
            ("co_financing_lines", co_financing_rows, _CO_FINANCING_COLUMNS),
            ("unapproved_entries", unapproved_rows, _UNAPPROVED_COLUMNS),
        ):
            await conn.copy_records_to_table(table, records=rows, columns=columns)
            seeded.rows += len(rows)
    async with pool.acquire() as conn:  # hint bits and statistics now, as on tables that were not just loaded
        await conn.execute("vacuum (analyze)")
    seeded.seconds = time.perf_counter() - started
    return seeded


def _settings(dsn: str = "", namespace: str = "") -> InvoicingSettings:
    base = InvoicingSettings(employer_on_cost_versions=(ON_COST,))
    if dsn:
        return base.model_copy(update={"database_url": dsn, "kafka_namespace": namespace})
    return base


async def close(pool: asyncpg.Pool, seeded: Seeded) -> bool:
    """The pay close, timed and checked; False when the pay close is not there yet."""
    try:
        from invoicing.payroll import service as payroll
    except ImportError:  # pragma: no cover - the package exists from the groundwork on
        payroll = None  # type: ignore[assignment]
    close_pay_period = getattr(payroll, "close_pay_period", None)
    if close_pay_period is None:
        print("close:  invoicing.payroll.service.close_pay_period is not there yet (part C of issue 13)", flush=True)
        return False
    extra: dict[str, Any] = {}
    if "now" in inspect.signature(close_pay_period).parameters:
        extra["now"] = datetime(2026, 12, 1, 8, tzinfo=UTC)
    started = time.perf_counter()
    view = await close_pay_period(pool, FINANCE, MONTH_START, today=TODAY, settings=_settings(), **extra)
    seconds = time.perf_counter() - started
    plan = view.plan
    assert plan.total_minutes == seeded.wage_minutes, f"paid {plan.total_minutes} min != {seeded.wage_minutes}"
    assert plan.gross_ore == seeded.gross_ore, f"gross {plan.gross_ore} != seeded {seeded.gross_ore}"
    assert plan.blocked_employees == len(seeded.blocked), f"{plan.blocked_employees} blocked != {len(seeded.blocked)}"
    print(
        f"close:  {seeded.entries} approved entries of {seeded.employees} employees ({len(seeded.blocked)} blocked: "
        f"no wage) in {seconds:.2f} s = {seeded.entries / seconds:,.0f} entries/s; {plan.total_minutes:,} minutes, "
        f"gross {plan.gross_ore:,} øre, holiday allowance {plan.holiday_allowance_ore:,} øre, {len(plan.lines)} lines "
        "(totals = the seeded entries')",
        flush=True,
    )
    return True


async def time_economics(pool: asyncpg.Pool, seeded: Seeded) -> None:
    started = time.perf_counter()
    async with transaction(pool) as conn:
        found = await economics.economics(conn, FINANCE, MONTH, settings=_settings())
    seconds = time.perf_counter() - started
    totals = found.totals
    assert len(found.placements) == seeded.employees, f"{len(found.placements)} placements"
    assert totals.revenue_company_ore == seeded.billed_ore, f"billed {totals.revenue_company_ore}"
    assert totals.revenue_municipality_ore == seeded.co_financed_ore, f"co-financed {totals.revenue_municipality_ore}"
    assert totals.wage_gross_ore == seeded.gross_ore, f"gross {totals.wage_gross_ore} != {seeded.gross_ore}"
    assert totals.wage_rate_missing_minutes == seeded.missing_minutes, f"{totals.wage_rate_missing_minutes} missing"
    print(
        f"economics: {MONTH} of {len(found.placements)} placements ({seeded.entries} entries) in {seconds:.2f} s = "
        f"{len(found.placements) / seconds:,.0f} placements/s, {seeded.entries / seconds:,.0f} entries/s; revenue "
        f"{totals.revenue_ore:,} øre, wage cost {totals.wage_cost_ore:,} øre, margin {totals.margin_ore:,} øre "
        f"({totals.margin_basis_points} bp); {totals.wage_rate_missing_minutes:,} minutes without a wage",
        flush=True,
    )


@asynccontextmanager
async def served(pool: asyncpg.Pool, stack: StackSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The invoicing app on the bench database, with a Kafka namespace of its own (topics deleted afterwards)."""
    database = await pool.fetchval("select current_database()")
    namespace = f"bench{uuid.uuid4().hex[:8]}."
    settings = _settings(stack.dsn_for(database), namespace)
    try:
        async with serve_in_process(create_app(settings)) as client:
            yield client
    finally:
        await delete_topics(stack.kafka_bootstrap, namespace)


async def download(client: httpx.AsyncClient, what: str, path: str, params: dict[str, str] | None = None) -> None:
    started = time.perf_counter()
    response = await client.get(path, params=params, headers=bearer(Role.FINANCE))
    seconds = time.perf_counter() - started
    if response.status_code == 404 and "not-found" not in response.text:
        print(f"render: {what}: GET {path} is not there yet ({response.status_code})", flush=True)
        return
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
    print(f"render: {what} in {seconds:.2f} s ({len(response.content):,} bytes)", flush=True)


async def run(stack: StackSettings, employees: int, unapproved: int, skip_close: bool, keep: bool) -> None:
    async with invoicing_database(stack, min_size=2, max_size=4, keep=keep) as pool:
        print(f"before: {load()}", flush=True)
        seeded = await seed(pool, employees, unapproved)
        print(
            f"seed:   {seeded.employees} employees, {seeded.entries} approved entries ({seeded.wage_minutes:,} minutes "
            f"with a wage, {seeded.missing_minutes:,} without), {unapproved} unapproved; {seeded.rows} rows by COPY "
            f"in {seeded.seconds:.1f} s = {seeded.rows / seeded.seconds:,.0f} rows/s",
            flush=True,
        )
        closed = False if skip_close else await close(pool, seeded)
        await time_economics(pool, seeded)
        async with served(pool, stack) as client:
            if closed:
                await download(client, "wage basis CSV", "/pay-periods/2026-11-01/wage-basis.csv")
                await download(client, "wage basis JSON", "/pay-periods/2026-11-01/wage-basis.json")
            await download(client, "economics CSV", "/economics.csv", {"month": MONTH})
        print(f"after:  {load()}")


def cli() -> None:
    parser = argparse.ArgumentParser(prog="bench/payroll", description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=2_000, help="employees, one placement each (2000)")
    parser.add_argument("--unapproved", type=int, default=3_000, help="submitted or rejected entries (3000)")
    parser.add_argument("--skip-close", action="store_true", help="time the economics only")
    parser.add_argument("--keep", action="store_true", help="keep the database (for profiling queries)")
    args = parser.parse_args()
    if not 1 <= args.employees <= 99_000 or args.unapproved < 0:
        parser.error("1 <= --employees <= 99000, --unapproved >= 0")
    asyncio.run(run(StackSettings(), args.employees, args.unapproved, args.skip_close, args.keep))


if __name__ == "__main__":
    cli()
