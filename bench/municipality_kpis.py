"""A municipality's progress figures, timed: ``kpis_as_of`` over 2,000 citizens, 3,000 placements and 200,000
co-financing lines (issue 12).

A fresh database (cloned from the migrated template like bench/statements'; dropped afterwards unless ``--keep``)
is seeded by COPY with the measured municipality and ``--others`` municipalities of the same size (rows the
queries must skip): per municipality one terms version (from 2024-01-01, a target), ``--citizens`` citizens with
one placement each and every second one a second placement (planned, active or ended with an end reason of
:data:`END_REASONS`, starts spread over 2024-01 .. 2026-11), a logged first day for three citizens in four, and
``--lines`` approved, accrued entries with their co-financing lines (about every 50th corrected to 0 by a negative
correction line). Then ``kpis_as_of`` (in-process, one transaction each) runs ``--runs`` times as of 2026-11-30
and as of 2025-06-30; the median and the slowest run are printed, with the figures' totals as a check.
``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of each of the four statements.

    bench/municipality_kpis [--citizens 2000] [--lines 200000] [--others 2] [--runs 7] [--explain] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
from concurrently import invoicing_database  # bench/concurrently.py (the script's own directory)

from invoicing.money import amount_for
from invoicing.municipality_kpis import repository
from invoicing.municipality_kpis.models import END_REASONS, RETENTION_DAYS
from invoicing.municipality_kpis.service import kpis_as_of
from vikar_shared.auth import Principal, Role
from vikar_shared.db import transaction
from vikar_shared.testing.plugin import StackSettings

FINANCE = Principal(subject="bench", role=Role.FINANCE)
TODAY = date(2026, 11, 30)
AS_OF = (TODAY, date(2025, 6, 30))
FIRST = date(2024, 1, 1)
SPAN_DAYS = (TODAY - FIRST).days
RATE = 10_000
_PLACEMENT = ["placement_id", "municipality_id", "citizen_id", "status", "start_date", "end_date", "end_reason"]
_FIRST_DAY = ["activity_id", "citizen_id", "placement_id", "occurred_on"]
_ENTRY = ["entry_id", "placement_id", "company_id", "work_date", "minutes", "approved_at", "approval_event_id",
          "accrued_at", "corrects_entry_id"]  # fmt: skip
_LINE = ["entry_id", "municipality_id", "terms_id", "citizen_id", "citizen_name", "work_date", "minutes",
         "rate_ore_per_hour", "amount_ore", "corrects_entry_id"]  # fmt: skip


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


async def seed_municipality(pool: asyncpg.Pool, index: int, citizens: int, lines: int) -> tuple[uuid.UUID, int]:
    """One municipality's terms, read model rows, entries and lines; returns its id and the rows written."""
    municipality_id, terms_id, company_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    approved_at = datetime(2026, 11, 30, 7, tzinfo=UTC)
    placements: list[tuple[Any, ...]] = []
    first_days: list[tuple[Any, ...]] = []
    windows: list[tuple[uuid.UUID, uuid.UUID, date, date]] = []  # citizen, placement, first work day, last
    for c in range(citizens):
        citizen_id = uuid.uuid4()
        start = FIRST + timedelta(days=(c * 7919) % (SPAN_DAYS - 30))
        for p in range(1 if c % 2 else 2):
            placement_id = uuid.uuid4()
            begin = start + timedelta(days=200 * p)
            kind = (c + p) % 10
            if begin > TODAY or kind == 0:
                placements.append((placement_id, municipality_id, citizen_id, "planned", begin, None, None))
                continue
            end = begin + timedelta(days=30 + (c * 31 + p) % 370)
            if kind <= 6 and end <= TODAY:
                reason = END_REASONS[(c + p) % len(END_REASONS)]
                placements.append((placement_id, municipality_id, citizen_id, "ended", begin, end, reason))
            else:
                end = TODAY
                placements.append((placement_id, municipality_id, citizen_id, "active", begin, None, None))
            windows.append((citizen_id, placement_id, begin, end))
            if p == 0 and c % 4 != 3:
                first_days.append((uuid.uuid4(), citizen_id, placement_id, begin + timedelta(days=c % 3)))
    entries: list[tuple[Any, ...]] = []
    line_rows: list[tuple[Any, ...]] = []
    for i in range(lines):
        citizen_id, placement_id, begin, end = windows[i % len(windows)]
        work_date = min(begin + timedelta(days=(i // len(windows)) * 2), end)
        minutes = 60 + 15 * (i % 13)
        entry_id = uuid.uuid4()
        entries.append((entry_id, placement_id, company_id, work_date, minutes, approved_at, uuid.uuid4(), approved_at,
                        None))  # fmt: skip
        line_rows.append((entry_id, municipality_id, terms_id, citizen_id, "Borger", work_date, minutes, RATE,
                          amount_for(minutes, RATE), None))  # fmt: skip
        if i % 50 == 0:  # corrected to 0
            correction = uuid.uuid4()
            entries.append((correction, placement_id, company_id, work_date, -minutes, approved_at, uuid.uuid4(),
                            approved_at, entry_id))  # fmt: skip
            line_rows.append((correction, municipality_id, terms_id, citizen_id, "Borger", work_date, -minutes, RATE,
                              amount_for(-minutes, RATE), entry_id))  # fmt: skip
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            """insert into municipality_terms (terms_id, municipality_id, municipality_name, effective_from,
                                               co_financing_rate_ore_per_hour, eligibility_threshold_weeks,
                                               target_unique_citizens)
               values ($1, $2, $3, $4, $5, 52, $6)""",
            terms_id,
            municipality_id,
            f"Kommune {index}",
            FIRST,
            RATE,
            citizens,
        )
        await conn.copy_records_to_table("kpi_placements", records=placements, columns=_PLACEMENT)
        await conn.copy_records_to_table("kpi_first_days", records=first_days, columns=_FIRST_DAY)
        await conn.copy_records_to_table("approved_entries", records=entries, columns=_ENTRY)
        await conn.copy_records_to_table("co_financing_lines", records=line_rows, columns=_LINE)
    return municipality_id, 1 + len(placements) + len(first_days) + len(entries) + len(line_rows)


class _Explaining:
    """A connection stand-in whose ``fetch`` prints the statement's EXPLAIN (ANALYZE, BUFFERS) first."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        plan = await self.conn.fetch(f"explain (analyze, buffers) {sql}", *args)
        print("\n".join(r[0] for r in plan), "\n", flush=True)
        rows: list[asyncpg.Record] = await self.conn.fetch(sql, *args)
        return rows


async def explain(conn: asyncpg.Connection, municipality_id: uuid.UUID, as_of: date) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each aggregating statement."""
    explaining: Any = _Explaining(conn)
    await repository.citizen_months(explaining, municipality_id, as_of)
    await repository.placement_months(explaining, municipality_id, as_of)
    await repository.retention(explaining, municipality_id, as_of, RETENTION_DAYS)


async def run(stack: StackSettings, citizens: int, lines: int, others: int, runs: int, show: bool, keep: bool) -> None:
    async with invoicing_database(stack, min_size=1, max_size=2, keep=keep) as pool:
        print(f"before: {load()}", flush=True)
        started = time.perf_counter()
        rows = 0
        measured = None
        for index in range(1 + others):
            municipality_id, written = await seed_municipality(pool, index, citizens, lines)
            measured = measured or municipality_id
            rows += written
        await pool.execute("vacuum analyze")  # the steady state autovacuum keeps (visibility map set)
        assert measured is not None
        seconds = time.perf_counter() - started
        print(f"seed:   {1 + others} municipalities x ({citizens} citizens, ~{citizens * 3 // 2} placements, {lines} "
              f"co-financing lines + corrections): {rows:,} rows by COPY in {seconds:.1f} s", flush=True)  # fmt: skip
        for as_of in AS_OF:
            timings = []
            for _ in range(runs):
                began = time.perf_counter()
                async with transaction(pool) as conn:
                    kpis = await kpis_as_of(conn, FINANCE, measured, as_of, today=TODAY)
                timings.append(time.perf_counter() - began)
            retention = ", ".join(f"{r.days} d {r.in_work}/{r.measured}" for r in kpis.retention)
            print(
                f"kpis_as_of {as_of}: median {statistics.median(timings) * 1000:.0f} ms, slowest "
                f"{max(timings) * 1000:.0f} ms over {runs} runs; {len(kpis.months)} months, "
                f"{kpis.unique_citizens} citizens, {kpis.co_financed_minutes:,} minutes, {kpis.placements_started} "
                f"started, {kpis.placements_ended} ended, retention {retention}",
                flush=True,
            )
            if show:
                async with transaction(pool) as conn:
                    await explain(conn, measured, as_of)
        print(f"after:  {load()}")


def cli() -> None:
    parser = argparse.ArgumentParser(prog="bench/municipality_kpis", description=__doc__.split("\n\n")[0])
    parser.add_argument("--citizens", type=int, default=2_000, help="citizens per municipality (2000)")
    parser.add_argument("--lines", type=int, default=200_000, help="co-financing lines per municipality (200000)")
    parser.add_argument("--others", type=int, default=2, help="other municipalities of the same size (2)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per as_of (7)")
    parser.add_argument("--explain", action="store_true", help="print the statements' plans")
    parser.add_argument("--keep", action="store_true", help="keep the database (for profiling queries)")
    args = parser.parse_args()
    if args.citizens < 2 or args.lines < 1 or args.others < 0 or args.runs < 1:
        parser.error("--citizens >= 2, --lines >= 1, --others >= 0, --runs >= 1")
    asyncio.run(run(StackSettings(), args.citizens, args.lines, args.others, args.runs, args.explain, args.keep))


if __name__ == "__main__":
    cli()
