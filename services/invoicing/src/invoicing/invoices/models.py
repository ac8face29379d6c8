"""A draft company invoice: the accrued lines of one month, their subtotal, VAT and total."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from invoicing.money import VAT_RATE_PERCENT, vat_on
from invoicing.periods import Month


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    entry_id: UUID
    work_date: date
    citizen_name: str
    minutes: int
    rate_ore_per_hour: int
    amount_ore: int
    corrects_entry_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class InvoiceDraft:
    company_id: UUID
    month: Month
    lines: tuple[InvoiceLine, ...]
    subtotal_ore: int
    vat_rate_percent: int
    vat_ore: int
    total_ore: int
    pending_entries: int


def draft_invoice(company_id: UUID, month: Month, lines: Sequence[InvoiceLine], pending_entries: int) -> InvoiceDraft:
    """VAT is computed once on the subtotal, not per line, so line roundings never add up in VAT.

    A correction line (negative when it lowers the hours) is summed like any other, so the draft nets it."""
    ordered = tuple(sorted(lines, key=lambda line: (line.work_date, line.citizen_name, str(line.entry_id))))
    subtotal = sum(line.amount_ore for line in ordered)
    vat = vat_on(subtotal, VAT_RATE_PERCENT)
    return InvoiceDraft(
        company_id=company_id,
        month=month,
        lines=ordered,
        subtotal_ore=subtotal,
        vat_rate_percent=VAT_RATE_PERCENT,
        vat_ore=vat,
        total_ore=subtotal + vat,
        pending_entries=pending_entries,
    )
