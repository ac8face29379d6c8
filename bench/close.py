"""The ledger's close and issuing, timed: 100,000 accrued billable lines over 1,000 companies.

A fresh database (migrated like bench/pipeline's) is seeded directly with COPY: the companies read model
(monthly, with an address), one placement per citizen, and per company ``lines / companies`` approved and
accrued entries in November 2026 (each with its billable line, amounts rounded like accrual does). Then:

close: ``invoicing.ledger.service.close(through=2026-11-30)`` in-process (one draft per company);
       prints seconds and lines/s. Goal: draft <= 5 s.
issue: every draft issued with ``invoicing.ledger.service.issue``, each in its own transaction, by
       ``--concurrency`` tasks (the year's counter row serialises the numbering); prints invoices/s and
       checks the numbers are 1..N with no gap. Goal: >= 200 invoices/s.
render (``--render K``, default 20): the worker's document job renders K of the issued invoices' PDFs;
       prints documents/s (not a goal: rendering runs after issuing, off its path).
stripe (``--stripe N``, default 1000: all): the worker's Stripe sync (``invoicing.stripe_sync``) carries N
       issued invoices to stripe-mock through the recording proxy (started here, in front of the stack's
       stripe-mock; ``--stripe-api URL`` names another, e.g. stripe-mock itself, where every invoice is
       refused at the totals check), by ``--stripe-concurrency`` workers; prints calls/s and invoices/s and
       checks every one is ``stripe_synced`` with one Stripe invoice created each (the proxy's record).

The machine is shared: the load average is printed before and after.

    bench/close [--companies 1000] [--lines 100000] [--concurrency 4] [--render 20] [--stripe 1000]
                [--stripe-concurrency 4] [--stripe-api URL] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from concurrently import invoicing_database, timed_concurrently  # bench/concurrently.py (the script's own directory)

from invoicing.documents import service as documents
from invoicing.ledger import service as ledger
from invoicing.ledger.models import Party
from invoicing.money import amount_for
from invoicing.stripe_sync import service as stripe_sync
from invoicing.stripe_sync.client import StripeGateway
from vikar_shared.auth import Principal, Role
from vikar_shared.db import transaction
from vikar_shared.testing.plugin import StackSettings, running_stripe_proxy

FINANCE = Principal(subject="bench", role=Role.FINANCE)
SELLER = Party(name="Fokus Folkeoplysning", street="Søndergade 1", postcode="9000", city="Aalborg", cvr="29403473")
THROUGH = date(2026, 11, 30)
TODAY = date(2026, 12, 1)
ANCHOR = date(2024, 1, 1)
CITIZENS_PER_COMPANY = 10


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


async def seed(pool: asyncpg.Pool, companies: int, lines: int) -> int:
    """Companies, placements, approved and accrued entries with their billable lines; returns the net øre."""
    per_company = lines // companies
    company_ids = [uuid.uuid4() for _ in range(companies)]
    approved_at = datetime(2026, 12, 1, 8, tzinfo=UTC)
    company_rows, placement_rows, entry_rows, line_rows = [], [], [], []
    net = 0
    for c, company_id in enumerate(company_ids):
        company_rows.append(
            (company_id, f"Firma {c:04d} ApS", "12345674", "monthly", 14, f"Algade {c + 1}", "9000", "Aalborg")
        )
        citizens = []
        for k in range(CITIZENS_PER_COMPANY):
            placement_id, citizen_id = uuid.uuid4(), uuid.uuid4()
            rate = 15_000 + 7 * ((c * CITIZENS_PER_COMPANY + k) % 500)
            name = f"Borger {c:04d}-{k}"
            citizens.append((placement_id, citizen_id, name, rate))
            placement_rows.append(
                (placement_id, company_id, citizen_id, name, uuid.uuid4(), False, rate, date(2026, 1, 1))
            )
        for i in range(per_company):
            placement_id, citizen_id, name, rate = citizens[i % CITIZENS_PER_COMPANY]
            entry_id = uuid.uuid4()
            work_date = date(2026, 11, 1) + timedelta(days=(i // CITIZENS_PER_COMPANY) % 30)
            minutes = 15 + (i * 37) % 466
            amount = amount_for(minutes, rate)
            net += amount
            entry_rows.append(
                (entry_id, placement_id, company_id, work_date, minutes, approved_at, uuid.uuid4(), approved_at)
            )
            line_rows.append((entry_id, company_id, placement_id, citizen_id, name, work_date, minutes, rate, amount))
    async with pool.acquire() as conn:
        await conn.copy_records_to_table(
            "companies",
            records=company_rows,
            columns=["company_id", "name", "cvr", "billing_period", "payment_terms_days", "street", "postcode", "city"],
        )
        await conn.copy_records_to_table(
            "placements",
            records=placement_rows,
            columns=[
                "placement_id",
                "company_id",
                "citizen_id",
                "citizen_name",
                "municipality_id",
                "co_financing_eligible",
                "bill_rate_ore_per_hour",
                "start_date",
            ],
        )
        await conn.copy_records_to_table(
            "approved_entries",
            records=entry_rows,
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
            records=line_rows,
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
        await conn.execute("analyze")
    return net


@contextlib.contextmanager
def stripe_api(stack: StackSettings, url: str | None) -> Iterator[tuple[str, bool]]:
    """The Stripe API to sync to and whether it is the recording proxy started here."""
    if url is not None:
        yield url, False
        return
    with (
        tempfile.TemporaryDirectory() as directory,
        running_stripe_proxy(stack.stripe_api_base, Path(directory) / "stripe-proxy.log") as proxy,
    ):
        yield proxy, True


async def sync_to_stripe(
    pool: asyncpg.Pool, stack: StackSettings, count: int, concurrency: int, url: str | None
) -> None:
    """``count`` issued invoices through the Stripe sync (the others are set aside first)."""
    await pool.execute(
        """update stripe_syncs set due_at = now() + interval '1 day'
           where invoice_id not in (select invoice_id from stripe_syncs order by invoice_id limit $1)""",
        count,
    )
    policy = stripe_sync.SyncPolicy()
    with stripe_api(stack, url) as (api, proxied):
        gateways = [StripeGateway(api_base=api, secret_key="sk_test_vikarmodel") for _ in range(concurrency)]
        try:
            started = time.perf_counter()
            outcomes = await asyncio.gather(*(stripe_sync.sync_all(pool, g, policy) for g in gateways))
            seconds = time.perf_counter() - started
        finally:
            for gateway in gateways:
                await gateway.close()
        calls = sum(g.calls for g in gateways)
        states: dict[str, int] = {}
        for outcome in (o for per_worker in outcomes for o in per_worker):
            states[outcome.state.value] = states.get(outcome.state.value, 0) + 1
        done = sum(states.values())
        assert done == count, f"{done} of {count} invoices attempted"
        checked = ""
        if proxied:
            async with httpx.AsyncClient(base_url=api) as client:
                record = (await client.get("/__proxy/calls")).json()
            creates = sum(1 for c in record if c["method"] == "POST" and c["path"] == "/v1/invoices" and c["forwarded"])
            assert creates == count, f"{creates} Stripe invoices created for {count}"
            assert states == {"stripe_synced": count}, f"not all synced: {states}"
            checked = f", one Stripe invoice each ({creates} created)"
        where = "stripe-mock through the recording proxy" if proxied else api
        print(
            f"stripe: {count} invoices to {where} in {seconds:.2f} s = {count / seconds:,.1f} invoices/s, "
            f"{calls} calls = {calls / seconds:,.0f} calls/s with {concurrency} workers; states {states}{checked}",
            flush=True,
        )


async def run(
    stack: StackSettings,
    companies: int,
    lines: int,
    concurrency: int,
    render: int,
    keep: bool,
    stripe: int = 0,
    stripe_concurrency: int = 4,
    stripe_url: str | None = None,
) -> None:
    async with invoicing_database(stack, min_size=2, max_size=max(4, concurrency + 1), keep=keep) as pool:
        started = time.perf_counter()
        net = await seed(pool, companies, lines)
        total_lines = (lines // companies) * companies
        print(f"seeded {total_lines} accrued lines over {companies} companies in {time.perf_counter() - started:.1f} s")
        print(f"before: {load()}", flush=True)

        started = time.perf_counter()
        closed = await ledger.close(pool, FINANCE, THROUGH, today=TODAY, anchor=ANCHOR)
        seconds = time.perf_counter() - started
        drafts = [i.invoice_id for i in closed.invoices]
        assert len(drafts) == companies, f"{len(drafts)} drafts for {companies} companies"
        drafted_net = await pool.fetchval("select sum(net_ore) from invoices")
        assert drafted_net == net, f"drafted net {drafted_net} != accrued {net}"
        verdict = "ok" if seconds <= 5 else "MISSED"
        print(
            f"close:  {total_lines} lines -> {len(drafts)} drafts in {seconds:.2f} s = "
            f"{total_lines / seconds:,.0f} lines/s  (goal <= 5 s: {verdict})",
            flush=True,
        )

        now = datetime.now(UTC)

        async def issue(invoice_id: uuid.UUID) -> None:
            async with transaction(pool) as conn:
                await ledger.issue(conn, FINANCE, invoice_id, today=TODAY, now=now, seller=SELLER)

        seconds = await timed_concurrently(drafts, concurrency, issue)
        numbers = [r["number"] for r in await pool.fetch("select number from invoices order by number")]
        assert numbers == [f"2026-{n:06d}" for n in range(1, companies + 1)], "the numbers have a gap"
        rate = companies / seconds
        verdict = "ok" if rate >= 200 else "MISSED"
        print(
            f"issue:  {companies} invoices in {seconds:.2f} s = {rate:,.0f} invoices/s with {concurrency} concurrent "
            f"issuers, numbers 2026-000001..{numbers[-1]} with no gap  (goal >= 200/s: {verdict})",
            flush=True,
        )

        if render:
            started = time.perf_counter()
            for invoice_id in drafts[:render]:
                async with transaction(pool) as conn:
                    await documents.render_invoice(conn, invoice_id, now=now)
            seconds = time.perf_counter() - started
            print(f"render: {render} invoice PDFs in {seconds:.2f} s = {render / seconds:.1f} documents/s (worker job)")
        if stripe:
            await sync_to_stripe(pool, stack, stripe, stripe_concurrency, stripe_url)
        print(f"after:  {load()}")


def cli() -> None:
    parser = argparse.ArgumentParser(prog="bench/close", description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=1_000, help="companies, one draft each (1000)")
    parser.add_argument("--lines", type=int, default=100_000, help="accrued lines in all (100000)")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent issuers (4)")
    parser.add_argument("--render", type=int, default=20, help="invoice PDFs to render after issuing (20; 0: none)")
    parser.add_argument("--stripe", type=int, default=1_000, help="issued invoices to sync to Stripe (1000; 0: none)")
    parser.add_argument("--stripe-concurrency", type=int, default=4, help="concurrent Stripe sync workers (4)")
    parser.add_argument("--stripe-api", default=None, help="Stripe API base (default: a recording proxy started here)")
    parser.add_argument("--keep", action="store_true", help="keep the database (for profiling queries)")
    args = parser.parse_args()
    if args.companies < 1 or args.lines < args.companies or args.concurrency < 1 or args.render < 0:
        parser.error("--companies >= 1, --lines >= --companies, --concurrency >= 1, --render >= 0")
    if args.stripe < 0 or args.stripe_concurrency < 1:
        parser.error("--stripe >= 0, --stripe-concurrency >= 1")
    asyncio.run(
        run(
            StackSettings(),
            args.companies,
            args.lines,
            args.concurrency,
            min(args.render, args.companies),
            args.keep,
            stripe=min(args.stripe, args.companies),
            stripe_concurrency=args.stripe_concurrency,
            stripe_url=args.stripe_api,
        )
    )


if __name__ == "__main__":
    cli()
