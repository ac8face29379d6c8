"""``vikar-invoicing close --through 2026-11-30``: finance's close from a terminal;
``vikar-invoicing statements --through 2026-11-30``: the municipal statement run (issue 11); and
``vikar-invoicing stripe-event invoice.paid 2026-000001``: plays Stripe's part in the local demo.

Does what ``POST /closes`` does (:func:`invoicing.ledger.service.close`, the same rules and the same
idempotence), as ``cli:<login name>`` with the finance role, on the database of the ``INVOICING_*``
settings (``INVOICING_DATABASE_URL``), with a progress bar per company and a summary table of the drafts
(rich). ``--through`` defaults to today (the agency's date); a later day is refused (exit 2, the problem's
message), as is a day that is not ``YYYY-MM-DD``. Exit 0 after a close, also one that drafted nothing.

``peppol-validate FILE``: validates a UBL document (e.g. a statement's ``GET /statements/{id}/peppol.xml``) by
the official Peppol artefacts (:mod:`invoicing.peppol.validation`) and prints every finding; exit 0 when no
finding is fatal, 1 when one is, 2 when the file or the artefacts are missing.
``statements [--through YYYY-MM-DD]`` does what ``POST /statement-runs`` does
(:func:`invoicing.statements.service.run`) the same way: a progress bar per batch of municipalities, a summary
table of the drafts and correction statements, exit 2 for a day in the future or not ``YYYY-MM-DD``.

``stripe-event <type> <number> [--amount-paid ØRE] [--url URL]``: stripe-mock sends no webhooks, so this
builds the Stripe event about our issued invoice (:func:`invoicing.stripe_webhooks.service.simulated_event`),
signs it with ``INVOICING_STRIPE_WEBHOOK_SECRET`` as Stripe does (stripe-python's
``WebhookSignature.generate_signature_header``) and posts it to the webhook (default
``$VIKAR_PUBLIC_BASE_URL/api/invoicing/stripe/webhook``, the one origin). Prints the answer; exit 0 on 200,
2 when the invoice or type is refused, 1 when the webhook answers otherwise.

``pay-close --period-start 2026-11-01`` (issue 13) does what ``POST /pay-periods/{period_start}/close`` does
(:func:`invoicing.payroll.service.close_pay_period`, the same rules, one transaction) and prints the period's
totals; exit 2 with the problem's code when refused (not ended, not a period start, closed, an earlier one open) or
for a day that is not ``YYYY-MM-DD``.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TypeVar

import asyncpg
import httpx
import stripe
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from invoicing.config import InvoicingSettings
from invoicing.ledger import service
from invoicing.ledger.models import Close
from invoicing.payroll import service as payroll
from invoicing.payroll.models import PayPeriodView
from invoicing.statements import service as statements
from invoicing.statements.models import StatementRun
from invoicing.stripe_webhooks import service as stripe_webhooks
from vikar_shared.auth import Principal, Role
from vikar_shared.db import create_pool, transaction
from vikar_shared.errors import DomainError
from vikar_shared.types.periods import parse_day

_T = TypeVar("_T")


def kroner(ore: int) -> str:
    """Øre as Danish kroner text: 57473 -> ``574,73``; -1 -> ``-0,01`` (thousands with a dot)."""
    sign = "-" if ore < 0 else ""
    whole, cents = divmod(abs(ore), 100)
    return f"{sign}{whole:,}".replace(",", ".") + f",{cents:02d}"


def summary(close: Close) -> Table:
    table = Table(title=f"Close through {close.through}: {len(close.invoices)} draft invoice(s) and credit note(s)")
    for column in ("company", "period", "lines", "hours", "net kr.", "VAT kr.", "total kr."):
        table.add_column(column, justify="left" if column in ("company", "period") else "right")
    for invoice in close.invoices:
        minutes = sum(line.minutes for line in invoice.lines)
        credit = f" credit note of {invoice.credits_invoice_number}" if invoice.is_credit_note else ""
        table.add_row(
            str(invoice.company_id),
            invoice.period.label + credit,
            str(len(invoice.lines)),
            f"{minutes // 60}:{minutes % 60:02d}",
            kroner(invoice.net_ore),
            kroner(invoice.vat_ore),
            kroner(invoice.total_ore),
        )
    if close.invoices:
        table.add_section()
        table.add_row(
            "all",
            "",
            str(sum(len(i.lines) for i in close.invoices)),
            "",
            # Credit notes state positive amounts; in the sum they count against the invoices.
            kroner(sum(-i.net_ore if i.is_credit_note else i.net_ore for i in close.invoices)),
            kroner(sum(-i.vat_ore if i.is_credit_note else i.vat_ore for i in close.invoices)),
            kroner(sum(-i.total_ore if i.is_credit_note else i.total_ore for i in close.invoices)),
        )
    return table


# What a finance task run with a progress bar does: (pool, actor, today, progress) -> its result.
_Task = Callable[[asyncpg.Pool, Principal, date, Callable[[int, int, int], None]], Awaitable[_T]]


async def _with_progress(
    settings: InvoicingSettings, console: Console, label: str, counted: str, task: _Task[_T]
) -> _T:
    """Runs ``task`` as ``cli:<login name>`` (finance) on the settings' database with a progress bar: ``label``
    (e.g. ``closing``), ``counted`` the text after done/total (``{task.fields[drafted]}``: drafts so far)."""
    today = settings.clock().today()
    actor = Principal(subject=f"cli:{getpass.getuser()}", role=Role.FINANCE)
    pool = await create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        with Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(counted),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            bar_task = bar.add_task(label, total=None, drafted=0)

            def progress(done: int, total: int, drafted: int) -> None:
                bar.update(bar_task, completed=done, total=total, drafted=drafted)

            return await task(pool, actor, today, progress)
    finally:
        await pool.close()


async def run_close(settings: InvoicingSettings, through: date | None, console: Console) -> Close:
    async def close(
        pool: asyncpg.Pool, actor: Principal, today: date, progress: Callable[[int, int, int], None]
    ) -> Close:
        return await service.close(
            pool, actor, through or today, today=today, anchor=settings.fortnight_anchor, progress=progress
        )

    return await _with_progress(settings, console, "closing", "companies, {task.fields[drafted]} drafts", close)


def statements_summary(run: StatementRun) -> Table:
    table = Table(title=f"Statement run through {run.through}: {len(run.statements)} draft statement(s)")
    for column in ("municipality", "period", "lines", "hours", "amount kr.", "citizens", "to date / target"):
        table.add_column(column, justify="left" if column in ("municipality", "period") else "right")
    for s in run.statements:
        correction = f" correction of {s.corrects_statement_number}" if s.is_correction else ""
        target = "" if s.target_unique_citizens is None else f" / {s.target_unique_citizens}"
        table.add_row(
            s.municipality_name or str(s.municipality_id),
            f"{s.period.start}..{s.period.end}{correction}",
            str(len(s.lines)),
            f"{s.total_minutes // 60}:{s.total_minutes % 60:02d}",
            kroner(s.net_ore),
            str(s.unique_citizens),
            f"{s.unique_citizens_to_date}{target}",
        )
    if run.statements:
        table.add_section()
        # Correction statements state positive amounts; in the sum they count against the statements.
        total = sum(-s.net_ore if s.is_correction else s.net_ore for s in run.statements)
        table.add_row("all", "", str(sum(len(s.lines) for s in run.statements)), "", kroner(total), "", "")
    return table


async def run_statements(settings: InvoicingSettings, through: date | None, console: Console) -> StatementRun:
    """The statement run as ``cli:<login name>`` (finance), with a progress bar per batch of municipalities."""

    async def state(
        pool: asyncpg.Pool, actor: Principal, today: date, progress: Callable[[int, int, int], None]
    ) -> StatementRun:
        return await statements.run(pool, actor, through or today, today=today, progress=progress)

    return await _with_progress(
        settings, console, "stating", "municipalities, {task.fields[drafted]} statements", state
    )


async def post_stripe_event(
    settings: InvoicingSettings,
    event_type: str,
    number: str,
    amount_paid: int | None,
    url: str,
    client: httpx.AsyncClient | None = None,
) -> httpx.Response:
    """Builds, signs and posts the event (``client``: the HTTP client to post with; default a new one)."""
    now = settings.clock().now()  # the services' clock: the webhook checks the signature's time against it
    pool = await create_pool(settings.database_url, min_size=1, max_size=1)
    try:
        async with transaction(pool) as conn:
            event = await stripe_webhooks.simulated_event(
                conn, number, event_type, now=now, amount_paid_ore=amount_paid
            )
    finally:
        await pool.close()
    payload = json.dumps(event)
    secret = settings.stripe_webhook_secret.get_secret_value()
    signature = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=int(now.timestamp()))
    headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
    if client is not None:
        return await client.post(url, content=payload.encode(), headers=headers)
    async with httpx.AsyncClient(timeout=10) as own:
        return await own.post(url, content=payload.encode(), headers=headers)


def _stripe_event(args: argparse.Namespace, console: Console) -> int:
    url = args.url or os.environ.get("VIKAR_PUBLIC_BASE_URL", "http://127.0.0.1:8100").rstrip("/")
    if not args.url:
        url += "/api/invoicing/stripe/webhook"
    try:
        answer = asyncio.run(post_stripe_event(InvoicingSettings(), args.type, args.number, args.amount_paid, url))
    except DomainError as error:
        console.print(f"[red]{error.code}[/red]: {error.detail}")
        return 2
    console.print(f"{args.type} for {args.number} → {url}: {answer.status_code} {answer.text}")
    return 0 if answer.status_code == 200 else 1


def _peppol_validate(path: str, console: Console) -> int:
    from invoicing.peppol.validation import PeppolArtefactsMissingError, validate

    try:
        report = validate(Path(path).read_bytes())
    except (OSError, PeppolArtefactsMissingError) as error:
        console.print(str(error), style="red", markup=False, soft_wrap=True)
        return 2
    for finding in report.findings:
        console.print(str(finding), style="red" if finding.flag == "fatal" else "yellow", markup=False, soft_wrap=True)
    console.print(
        f"{path}: {'valid' if report.valid else 'INVALID'} ({len(report.fatal)} fatal, "
        f"{len(report.findings) - len(report.fatal)} warning(s))",
        soft_wrap=True,
    )
    return 0 if report.valid else 1


def pay_summary(view: PayPeriodView) -> Table:
    """The closed pay period's totals (employee numbers only)."""
    plan = view.plan
    table = Table(title=f"Pay period {plan.period.label} ({plan.period.start}..{plan.period.end}) closed")
    table.add_column("figure")
    table.add_column("value", justify="right")
    minutes = plan.total_minutes
    for name, value in (
        ("employees", str(len(plan.employees))),
        ("blocked employees", str(plan.blocked_employees)),
        ("hours", f"{minutes // 60}:{minutes % 60:02d}" if minutes >= 0 else f"-{-minutes // 60}:{-minutes % 60:02d}"),
        ("gross kr.", kroner(plan.gross_ore)),
        ("of which adjustments kr.", kroner(plan.adjustment_gross_ore)),
        ("holiday allowance kr.", kroner(plan.holiday_allowance_ore)),
        ("ATP employee kr.", kroner(plan.atp_employee_ore)),
        ("ATP employer kr.", kroner(plan.atp_employer_ore)),
        ("ATP band changes", str(plan.atp_band_changes)),
        ("submitted minutes (not paid)", str(plan.unapproved_minutes("submitted"))),
        ("rejected minutes (not paid)", str(plan.unapproved_minutes("rejected"))),
    ):
        table.add_row(name, value)
    return table


async def run_pay_close(settings: InvoicingSettings, period_start: date) -> PayPeriodView:
    """Closes the pay period starting ``period_start`` as ``cli:<login name>`` (finance)."""
    clock = settings.clock()
    actor = Principal(subject=f"cli:{getpass.getuser()}", role=Role.FINANCE)
    pool = await create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        return await payroll.close_pay_period(
            pool, actor, period_start, today=clock.today(), now=clock.now(), settings=settings
        )
    finally:
        await pool.close()


def _pay_close(args: argparse.Namespace, console: Console) -> int:
    try:
        period_start = parse_day(args.period_start, "period_start")
        view = asyncio.run(run_pay_close(InvoicingSettings(), period_start))
    except DomainError as error:
        console.print(f"[red]{error.code}[/red]: {error.detail}")
        return 2
    console.print(pay_summary(view))
    return 0


def _run(args: argparse.Namespace, console: Console) -> int:
    """``close`` or ``statements``: exit 2 with the problem's code for a bad ``--through``, else 0."""
    try:
        through = None if args.through is None else parse_day(args.through, "through")
        if args.command == "statements":
            stated = asyncio.run(run_statements(InvoicingSettings(), through, console))
        else:
            closed = asyncio.run(run_close(InvoicingSettings(), through, console))
    except DomainError as error:
        console.print(f"[red]{error.code}[/red]: {error.detail}")
        return 2
    if args.command == "statements":
        console.print(statements_summary(stated))
        return 0
    console.print(summary(closed))
    if closed.pending_entries:
        console.print(
            f"{len(closed.pending_entries)} approved entr(y/ies) still wait for their placement or municipality "
            "terms (not on any draft yet): GET /closes/" + str(closed.close_id)
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vikar-invoicing", description="Invoicing tasks for finance")
    commands = parser.add_subparsers(dest="command", required=True)
    close = commands.add_parser("close", help="draft invoices for every billing period ended on or before --through")
    close.add_argument("--through", help="YYYY-MM-DD, today or earlier (default: today)")
    stated = commands.add_parser(
        "statements", help="draft municipal co-financing statements for every period ended on or before --through"
    )
    stated.add_argument("--through", help="YYYY-MM-DD, today or earlier (default: today)")
    event = commands.add_parser("stripe-event", help="play Stripe: post a signed event about an issued invoice")
    event.add_argument("type", choices=stripe_webhooks.SIMULATED_TYPES)
    event.add_argument("number", help="our invoice number, e.g. 2026-000001")
    event.add_argument("--amount-paid", type=int, help="øre (invoice.paid: default the invoice's total)")
    event.add_argument("--url", help="the webhook (default: the one origin's /api/invoicing/stripe/webhook)")
    peppol = commands.add_parser("peppol-validate", help="validate a UBL file by the official Peppol artefacts")
    peppol.add_argument("file", help="the UBL Invoice or CreditNote XML")
    pay = commands.add_parser("pay-close", help="close the pay period starting --period-start (issue 13)")
    pay.add_argument("--period-start", required=True, help="YYYY-MM-DD, the first day of an ended pay period")
    args = parser.parse_args(argv)
    console = Console()
    if args.command == "pay-close":
        return _pay_close(args, console)
    if args.command == "stripe-event":
        return _stripe_event(args, console)
    if args.command == "peppol-validate":
        return _peppol_validate(args.file, console)
    return _run(args, console)


if __name__ == "__main__":
    sys.exit(main())
