"""``vikar-invoicing close --through 2026-11-30``: finance's close from a terminal.

Does what ``POST /closes`` does (:func:`invoicing.ledger.service.close`, the same rules and the same
idempotence), as ``cli:<login name>`` with the finance role, on the database of the ``INVOICING_*``
settings (``INVOICING_DATABASE_URL``), with a progress bar per company and a summary table of the drafts
(rich). ``--through`` defaults to today (the agency's date); a later day is refused (exit 2, the problem's
message), as is a day that is not ``YYYY-MM-DD``. Exit 0 after a close, also one that drafted nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence
from datetime import date

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from invoicing.config import InvoicingSettings
from invoicing.ledger import service
from invoicing.ledger.models import Close
from vikar_shared.auth import Principal, Role
from vikar_shared.db import create_pool
from vikar_shared.errors import DomainError
from vikar_shared.types.periods import parse_day


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


async def run_close(settings: InvoicingSettings, through: date | None, console: Console) -> Close:
    today = settings.clock().today()
    actor = Principal(subject=f"cli:{getpass.getuser()}", role=Role.FINANCE)
    pool = await create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        with Progress(
            TextColumn("[bold]closing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("companies, {task.fields[drafted]} drafts"),
            TimeElapsedColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("close", total=None, drafted=0)

            def progress(done: int, total: int, drafted: int) -> None:
                bar.update(task, completed=done, total=total, drafted=drafted)

            return await service.close(
                pool,
                actor,
                through or today,
                today=today,
                anchor=settings.fortnight_anchor,
                progress=progress,
            )
    finally:
        await pool.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vikar-invoicing", description="Invoicing tasks for finance")
    commands = parser.add_subparsers(dest="command", required=True)
    close = commands.add_parser("close", help="draft invoices for every billing period ended on or before --through")
    close.add_argument("--through", help="YYYY-MM-DD, today or earlier (default: today)")
    args = parser.parse_args(argv)
    console = Console()
    try:
        through = None if args.through is None else parse_day(args.through, "through")
        closed = asyncio.run(run_close(InvoicingSettings(), through, console))
    except DomainError as error:
        console.print(f"[red]{error.code}[/red]: {error.detail}")
        return 2
    console.print(summary(closed))
    if closed.pending_entries:
        console.print(
            f"{len(closed.pending_entries)} approved entr(y/ies) still wait for their placement or municipality "
            "terms (not on any draft yet): GET /closes/" + str(closed.close_id)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
