"""Municipal co-financing statements, timed: 20 municipalities × 2,000 citizens × a month of co-financing lines.

A fresh database (cloned from the migrated template, like bench/close's; dropped afterwards unless ``--keep``) is
seeded directly with COPY, per municipality: its terms in two versions (the co-financing rate changes on the
16th: a mid-month rate change; rates differ per municipality) stating every statement term (monthly period, the
citizen reference, the EAN, the person reference, the address, the VAT category, S excluding and including VAT,
E and O with a reason, and the payment means, 58 with an IBAN or 31 with a bank registration and account), one
referral and one eligible placement per citizen (case number and birth year), and per citizen three working days
a week of approved, accrued entries in November 2026 with their co-financing lines (the terms version in force on
the work date, amounts rounded half up once like accrual does). Then:

seed:      prints seconds and rows/s of the COPY (``--seed-only`` stops after it and the reconciliation).
draft:     ``invoicing.statements.service.run(pool, actor, through=2026-11-30, today=2026-12-01)`` in-process
           (one draft statement per municipality); prints seconds and co-financing lines/s, and checks every
           line is on one draft and the drafts' nets are the lines' sum.
issue:     every draft issued with ``invoicing.statements.service.issue`` by ``--concurrency`` tasks, each in its own
           transaction; prints statements/s and statement lines/s and checks the numbers S-2026-000001..N have no
           gap.
reconcile: ``invoicing.reconciliation.service.municipality_reconciliation`` through the month's end; prints seconds
           and checks every municipality balances (co-financed = stated − corrected + not yet stated).
peppol:    ``bench.peppol_documents.measure(100)`` (100 Peppol documents generated and validated, documents/s), when
           that module exists (the Peppol part's); otherwise says so.

The machine is shared: the load average is printed before and after.

    bench/statements [--municipalities 20] [--citizens 2000] [--concurrency 4] [--peppol 100] [--seed-only] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from concurrently import invoicing_database, timed_concurrently  # bench/concurrently.py (the script's own directory)
from stdnum import ean

from invoicing.ledger.models import Party
from invoicing.money import amount_for
from invoicing.reconciliation import service as reconciliation
from invoicing.statements import service as statements
from vikar_shared.auth import Principal, Role
from vikar_shared.db import transaction
from vikar_shared.testing.plugin import StackSettings

ROOT = Path(__file__).resolve().parents[1]
FINANCE = Principal(subject="bench", role=Role.FINANCE)
SELLER = Party(name="Fokus Folkeoplysning", street="Søndergade 1", postcode="9000", city="Aalborg", cvr="29403473")
MONTH_START, THROUGH = date(2026, 11, 1), date(2026, 11, 30)
RATE_CHANGE = date(2026, 11, 16)
TODAY = date(2026, 12, 1)
PAYMENT_TERMS_DAYS = 30
COMPANIES = 200
IBAN = "DK5000400440116243"
NAMES = (
    "Aalborg", "København", "Aarhus", "Odense", "Esbjerg", "Randers", "Kolding", "Horsens", "Vejle", "Roskilde",
    "Herning", "Silkeborg", "Næstved", "Frederiksberg", "Viborg", "Køge", "Holstebro", "Slagelse", "Hjørring",
    "Svendborg",
)  # fmt: skip
# (VAT category, rate excludes VAT, exemption reason): each agreement states its own (momsloven § 27, stk. 1).
VAT_TERMS = (
    ("S", True, None),
    ("S", False, None),
    ("E", True, "Momsfritaget efter momsloven § 13"),
    ("O", True, "Uden for momsområdet: tilskud, ikke vederlag"),
)

_TERMS_COLUMNS = [
    "terms_id",
    "municipality_id",
    "municipality_name",
    "effective_from",
    "co_financing_rate_ore_per_hour",
    "eligibility_threshold_weeks",
    "target_unique_citizens",
    "ean",
    "person_reference",
    "statement_period",
    "citizen_reference",
    "address",
    "rate_excludes_vat",
    "vat_category",
    "vat_exemption_reason",
    "payment_means_code",
    "payee_iban",
    "payee_bank_registration",
    "payee_bank_account",
]
_INSERT_TERMS = (
    f"insert into municipality_terms ({', '.join(_TERMS_COLUMNS)}) "
    f"values ({', '.join(f'${n}' for n in range(1, len(_TERMS_COLUMNS) + 1))})"
)
_REFERRAL_COLUMNS = [
    "referral_id",
    "citizen_id",
    "citizen_name",
    "municipality_id",
    "referred_on",
    "case_number",
    "birth_year",
]
_PLACEMENT_COLUMNS = [
    "placement_id",
    "company_id",
    "citizen_id",
    "citizen_name",
    "municipality_id",
    "co_financing_eligible",
    "bill_rate_ore_per_hour",
    "start_date",
]
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
_LINE_COLUMNS = [
    "entry_id",
    "municipality_id",
    "terms_id",
    "citizen_id",
    "citizen_name",
    "work_date",
    "minutes",
    "rate_ore_per_hour",
    "amount_ore",
]


@dataclass
class Seeded:
    municipalities: int
    citizens: int
    lines: int
    net_ore: int
    minutes: int
    rows: int
    seconds: float


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def _name(index: int) -> str:
    return NAMES[index % len(NAMES)] + ("" if index < len(NAMES) else f" {index // len(NAMES) + 1}")


def _terms_rows(index: int, municipality_id: uuid.UUID) -> list[tuple[Any, ...]]:
    """Two versions (the rate changes on the 16th), both stating every statement term."""
    name = _name(index)
    category, excludes_vat, reason = VAT_TERMS[index % len(VAT_TERMS)]
    gln = f"57980000{index:04d}"
    iban = index % 2 == 0
    stated = (
        2_500,  # target unique citizens
        gln + ean.calc_check_digit(gln),
        f"Jobcenter {name}, økonomi",
        "monthly",
        "case_number" if index % 2 == 0 else "name_birth_year",
        {"street": f"Rådhusgade {index + 1}", "postcode": f"{8000 + index}", "city": name},
        excludes_vat,
        category,
        reason,
        "58" if iban else "31",
        IBAN if iban else None,
        None if iban else "1234",
        None if iban else f"{12_345_678 + index:010d}",
    )
    before = 9_000 + 250 * (index % 5) + 7 * index
    return [
        (uuid.uuid4(), municipality_id, f"{name} Kommune", MONTH_START.replace(month=1), before, 52, *stated),
        (uuid.uuid4(), municipality_id, f"{name} Kommune", RATE_CHANGE, before + 750, 52, *stated),
    ]


def _working_days(citizen: int) -> list[date]:
    """Three weekdays a week (which three depends on the citizen) in November 2026."""
    weekdays = {citizen % 5, (citizen + 2) % 5, (citizen + 4) % 5}
    days = (MONTH_START + timedelta(days=d) for d in range((THROUGH - MONTH_START).days + 1))
    return [day for day in days if day.weekday() in weekdays]


async def seed(pool: asyncpg.Pool, municipalities: int, citizens: int) -> Seeded:
    """Terms, referrals, placements, approved and accrued entries with their co-financing lines (COPY)."""
    started = time.perf_counter()
    companies = [uuid.uuid4() for _ in range(COMPANIES)]
    approved_at = datetime(2026, 12, 1, 7, tzinfo=UTC)
    lines = net = minutes_total = rows = 0
    async with pool.acquire() as conn:
        for m in range(municipalities):
            municipality_id = uuid.uuid4()
            terms = _terms_rows(m, municipality_id)
            (before_id, before_rate), (after_id, after_rate) = ((t[0], t[4]) for t in terms)
            referral_rows, placement_rows, entry_rows, line_rows = [], [], [], []
            for c in range(citizens):
                citizen_id, placement_id, company_id = (
                    uuid.uuid4(),
                    uuid.uuid4(),
                    companies[(m * citizens + c) % COMPANIES],
                )
                name = f"Borger {m:02d}-{c:04d}"
                referral_rows.append(
                    (
                        uuid.uuid4(),
                        citizen_id,
                        name,
                        municipality_id,
                        date(2026, 1, 5),
                        f"{m:02d}-{c:05d}",
                        1960 + c % 45,
                    )
                )
                placement_rows.append(
                    (placement_id, company_id, citizen_id, name, municipality_id, True, 17_999, date(2026, 1, 5))
                )
                for d, work_date in enumerate(_working_days(c)):
                    minutes = 60 + 15 * ((c + d) % 13)
                    terms_id, rate = (after_id, after_rate) if work_date >= RATE_CHANGE else (before_id, before_rate)
                    amount = amount_for(minutes, rate)
                    entry_id = uuid.uuid4()
                    entry_rows.append(
                        (entry_id, placement_id, company_id, work_date, minutes, approved_at, uuid.uuid4(), approved_at)
                    )
                    line_rows.append(
                        (entry_id, municipality_id, terms_id, citizen_id, name, work_date, minutes, rate, amount)
                    )
                    net += amount
                    minutes_total += minutes
            async with conn.transaction():
                # Two rows: inserted (COPY's binary format has no jsonb encoder for the address).
                await conn.executemany(_INSERT_TERMS, terms)
                await conn.copy_records_to_table("referrals", records=referral_rows, columns=_REFERRAL_COLUMNS)
                await conn.copy_records_to_table("placements", records=placement_rows, columns=_PLACEMENT_COLUMNS)
                await conn.copy_records_to_table("approved_entries", records=entry_rows, columns=_ENTRY_COLUMNS)
                await conn.copy_records_to_table("co_financing_lines", records=line_rows, columns=_LINE_COLUMNS)
            lines += len(line_rows)
            rows += len(terms) + len(referral_rows) + len(placement_rows) + len(entry_rows) + len(line_rows)
        await conn.execute("analyze")
    return Seeded(
        municipalities, municipalities * citizens, lines, net, minutes_total, rows, time.perf_counter() - started
    )


async def reconcile(pool: asyncpg.Pool, seeded: Seeded, *, stated: bool) -> None:
    """The per-municipality reconciliation through the month's end: every municipality balances."""
    started = time.perf_counter()
    async with transaction(pool) as conn:
        result = await reconciliation.municipality_reconciliation(conn, FINANCE, THROUGH)
    seconds = time.perf_counter() - started
    assert len(result) == seeded.municipalities, f"{len(result)} municipalities reconciled"
    unbalanced = [m for m in result if not m.balanced or m.line_differences or m.document_differences]
    assert not unbalanced, f"not balanced: {unbalanced[:3]}"
    co_financed = sum(m.co_financed_ore for m in result)
    assert co_financed == seeded.net_ore, f"co-financed {co_financed} != seeded {seeded.net_ore}"
    side = sum(m.stated_ore for m in result) if stated else sum(m.not_yet_stated_ore for m in result)
    assert side == seeded.net_ore, f"{'stated' if stated else 'not yet stated'} {side} != {seeded.net_ore}"
    print(
        f"reconcile: {seeded.municipalities} municipalities, {seeded.lines} co-financing lines through {THROUGH} in "
        f"{seconds:.2f} s = {seeded.lines / seconds:,.0f} lines/s; all balanced, "
        f"{'stated' if stated else 'not yet stated'} {co_financed:,} øre",
        flush=True,
    )


async def draft_and_issue(pool: asyncpg.Pool, seeded: Seeded, concurrency: int) -> None:
    missing = [name for name in ("run", "issue") if not hasattr(statements, name)]
    if missing:
        raise SystemExit(
            f"bench/statements: invoicing.statements.service has no {' and no '.join(missing)} yet (the statements "
            "core, another part of issue 11); run with --seed-only until it is merged"
        )
    started = time.perf_counter()
    run = await statements.run(pool, FINANCE, THROUGH, today=TODAY, progress=None)
    seconds = time.perf_counter() - started
    drafts = [
        r["statement_id"] for r in await pool.fetch("select statement_id from statements where run_id = $1", run.run_id)
    ]
    assert len(drafts) == seeded.municipalities, f"{len(drafts)} drafts for {seeded.municipalities} municipalities"
    on_drafts = await pool.fetchval(
        "select count(*) from statement_entries where statement_id = any($1::uuid[])", drafts
    )
    assert on_drafts == seeded.lines, f"{on_drafts} of {seeded.lines} co-financing lines on the drafts"
    drafted_net = await pool.fetchval(
        "select sum(net_ore) from statements where statement_id = any($1::uuid[])", drafts
    )
    assert drafted_net == seeded.net_ore, f"drafted net {drafted_net} != co-financed {seeded.net_ore}"
    statement_lines = int(
        await pool.fetchval("select count(*) from statement_lines where statement_id = any($1::uuid[])", drafts)
    )
    print(
        f"draft:  {seeded.lines} co-financing lines -> {len(drafts)} statements ({statement_lines} statement lines) "
        f"in {seconds:.2f} s = {seeded.lines / seconds:,.0f} lines/s",
        flush=True,
    )

    now = datetime.now(UTC)

    async def issue(statement_id: uuid.UUID) -> None:
        async with transaction(pool) as conn:
            await statements.issue(
                conn, FINANCE, statement_id, today=TODAY, now=now, seller=SELLER, payment_terms_days=PAYMENT_TERMS_DAYS
            )

    seconds = await timed_concurrently(drafts, concurrency, issue)
    numbers = [
        r["number"] for r in await pool.fetch("select number from statements where number is not null order by 1")
    ]
    assert numbers == [f"S-2026-{n:06d}" for n in range(1, len(drafts) + 1)], "the numbers have a gap"
    print(
        f"issue:  {len(drafts)} statements ({statement_lines} statement lines) in {seconds:.2f} s = "
        f"{len(drafts) / seconds:,.1f} statements/s, {statement_lines / seconds:,.0f} lines/s with {concurrency} "
        f"concurrent issuers, numbers S-2026-000001..{numbers[-1]} with no gap",
        flush=True,
    )


async def peppol(count: int) -> None:
    """``count`` Peppol documents of 100 lines built and validated by the official artefacts
    (``bench/peppol_documents.py``): documents/s."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench import peppol_documents

    figures = await asyncio.to_thread(peppol_documents.measure, count)
    for line in figures.lines():
        print(line, flush=True)


async def run(
    stack: StackSettings,
    municipalities: int,
    citizens: int,
    concurrency: int,
    peppol_documents: int,
    seed_only: bool,
    keep: bool,
) -> None:
    async with invoicing_database(stack, min_size=2, max_size=max(4, concurrency + 1), keep=keep) as pool:
        print(f"before: {load()}", flush=True)
        seeded = await seed(pool, municipalities, citizens)
        print(
            f"seed:   {seeded.lines} co-financing lines ({seeded.minutes:,} minutes, {seeded.net_ore:,} øre) of "
            f"{seeded.citizens} citizens in {seeded.municipalities} municipalities, {seeded.rows} rows by COPY in "
            f"{seeded.seconds:.1f} s = {seeded.rows / seeded.seconds:,.0f} rows/s",
            flush=True,
        )
        if seed_only:
            await reconcile(pool, seeded, stated=False)
        else:
            await draft_and_issue(pool, seeded, concurrency)
            await reconcile(pool, seeded, stated=True)
            if peppol_documents:
                await peppol(peppol_documents)
        print(f"after:  {load()}")


def cli() -> None:
    parser = argparse.ArgumentParser(prog="bench/statements", description=__doc__.split("\n\n")[0])
    parser.add_argument("--municipalities", type=int, default=20, help="municipalities, one statement each (20)")
    parser.add_argument("--citizens", type=int, default=2_000, help="citizens per municipality (2000)")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent issuers (4)")
    parser.add_argument(
        "--peppol", type=int, default=100, help="Peppol documents to generate and validate (100; 0: none)"
    )
    parser.add_argument("--seed-only", action="store_true", help="seed and reconcile only (no statement run)")
    parser.add_argument("--keep", action="store_true", help="keep the database (for profiling queries)")
    args = parser.parse_args()
    if not 1 <= args.municipalities <= 9_999 or args.citizens < 1 or args.concurrency < 1 or args.peppol < 0:
        parser.error("1 <= --municipalities <= 9999, --citizens >= 1, --concurrency >= 1, --peppol >= 0")
    asyncio.run(
        run(
            StackSettings(),
            args.municipalities,
            args.citizens,
            args.concurrency,
            args.peppol,
            args.seed_only,
            args.keep,
        )
    )


if __name__ == "__main__":
    cli()
