"""What an invoice's documents hold: the stored PDF and the entry-level detail behind each line.

Pure values (no database, no framework)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

PDF_MEDIA_TYPE = "application/pdf"


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    """The rendered PDF of an issued invoice: ``content`` bytes, ``sha256`` their digest (32 bytes),
    ``renderer`` e.g. ``weasyprint 70.0``."""

    invoice_id: UUID
    media_type: str
    content: bytes
    sha256: bytes
    renderer: str
    rendered_at: datetime

    @property
    def sha256_hex(self) -> str:
        return self.sha256.hex()


@dataclass(frozen=True, slots=True)
class EntryDetail:
    """One approved entry behind an invoice line: ``minutes`` and ``amount_ore`` as accrued (the amount
    rounded once, half up: ``invoicing.money``); the line's minutes and amount are plain sums of these."""

    position: int
    entry_id: UUID
    work_date: date
    citizen_id: UUID
    citizen_name: str
    minutes: int
    rate_ore_per_hour: int
    amount_ore: int


@dataclass(frozen=True, slots=True)
class BookkeepingDocument:
    """An issued invoice or credit note as bookkeeping books it, per VAT rate: ``net_ore`` at
    ``vat_rate_percent`` with ``vat_ore`` (the document's amounts as it states them: a credit note's positive).
    ``credits_number``: a credit note's invoice."""

    number: str
    issue_date: date
    due_date: date
    is_credit_note: bool
    buyer_name: str
    buyer_cvr: str
    net_ore: int
    vat_rate_percent: int
    vat_ore: int
    total_ore: int
    currency: str
    credits_number: str | None
