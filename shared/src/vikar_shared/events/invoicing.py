"""Events published by the invoicing service on ``invoicing.events`` (key: company or municipality id)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from vikar_shared.events.envelope import EventData

TOPIC = "invoicing.events"


class HoursAccrued(EventData):
    """An approved entry became a billable line (and, when eligible, a co-financing line)."""

    event_type = "invoicing.hours_accrued"
    event_version = 1
    topic = TOPIC

    entry_id: UUID
    company_id: UUID
    work_date: date
    minutes: int
    billable_amount_ore: int
    municipality_id: UUID | None
    co_financing_amount_ore: int | None
    corrects_entry_id: UUID | None = None


class IssuedInvoiceLine(BaseModel):
    """One line of an issued invoice or credit note: a citizen's hours at one rate (no name, never a CPR
    number). ``late``: hours of a period invoiced before, dated ``first_work_date``..``last_work_date``.
    ``adjusts_entry_id``: an adjustment line settling a retroactive rate change of that entry (``minutes``
    0, ``rate_ore_per_hour`` the new rate, ``amount_ore`` the difference)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    citizen_id: UUID
    rate_ore_per_hour: int
    minutes: int
    amount_ore: int
    late: bool
    first_work_date: date
    last_work_date: date
    adjusts_entry_id: UUID | None = None


class InvoiceIssued(EventData):
    """Finance issued an invoice: it has its number and is a fact from now on (never edited or deleted).

    Published by invoicing in the issuing transaction (outbox), keyed by ``company_id``. ``number``:
    ``YYYY-NNNNNN``, one gap-free sequence shared with credit notes, the year of ``issue_date``. Amounts
    in øre: ``net_ore`` is the sum of the lines; ``vat_ore`` is ``vat_rate_percent`` of it, rounded half up
    to whole øre once on the subtotal; ``total_ore = net_ore + vat_ore``. ``due_date`` = ``issue_date`` +
    the company's payment terms. Carries no citizen name and no CPR number."""

    event_type = "invoicing.invoice_issued"
    event_version = 1
    topic = TOPIC

    invoice_id: UUID
    company_id: UUID
    number: str
    issue_date: date
    due_date: date
    period_start: date
    period_end: date
    net_ore: int
    vat_rate_percent: int
    vat_ore: int
    total_ore: int
    currency: str
    lines: list[IssuedInvoiceLine]


class CreditNoteIssued(EventData):
    """Finance issued a credit note: a correction lowered hours, or a retroactive rate change lowered the price
    of hours, on an issued invoice. A fact from now on (never edited or deleted).

    Published by invoicing in the issuing transaction (outbox), keyed by ``company_id``. ``number``:
    ``YYYY-NNNNNN`` of the one gap-free sequence shared with invoices (the year of ``issue_date``);
    ``credited_invoice_number`` the invoice it credits, whose period of supply ``period_start``..``period_end``
    is. Amounts are **positive** øre credited to the company: ``net_ore`` the sum of the lines, ``vat_ore``
    ``vat_rate_percent`` of it rounded half up once, ``total_ore = net_ore + vat_ore``. Carries no citizen
    name and no CPR number."""

    event_type = "invoicing.credit_note_issued"
    event_version = 1
    topic = TOPIC

    credit_note_id: UUID
    company_id: UUID
    number: str
    credited_invoice_id: UUID
    credited_invoice_number: str
    issue_date: date
    period_start: date
    period_end: date
    net_ore: int
    vat_rate_percent: int
    vat_ore: int
    total_ore: int
    currency: str
    lines: list[IssuedInvoiceLine]
