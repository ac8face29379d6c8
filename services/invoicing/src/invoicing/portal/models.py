"""The invoices pages' rules free of I/O: which page of the list, and one row of the list as the company sees it.

Amounts stay integer øre here; the page writes them in kroner the page language's way (``t.kroner``:
``vikar_shared.web.formatting.kroner``, Babel: ``562,48 kr.`` / ``DKK 562.48``).
A row's payment status is the payments rules' (:class:`invoicing.payments.models.Settlement`), overdue days
by :func:`invoicing.payments.models.days_overdue` on the agency's date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from invoicing.ledger.models import Invoice
from invoicing.payment_reminders.models import IssuedReminder
from invoicing.payments.models import PaymentStatus, Settlement, days_overdue
from invoicing.periods import BillingPeriod, Period

# Invoices and credit notes per page of the list (the next page is offered when there are more).
PAGE_SIZE = 50
# The highest page number the list takes (50 × 100,000 documents: far beyond any company's).
MAX_PAGE = 100_000


class PortalError(Exception):
    """A request that ends on an explanatory page instead of the page asked for."""


class NoAccessError(PortalError):
    """A valid page session that does not open the invoices pages: not a company approver's, or its address is
    no longer listed for its company in invoicing's companies read model (refused at once)."""


class PageNumberError(PortalError):
    """``?page=`` is not a page number (ASCII digits, 1..MAX_PAGE): a 422 page saying so, never another page."""


def page_number(raw: str | None) -> int:
    """``?page=`` → 1..MAX_PAGE (absent: 1). Anything else (``0``, ``-1``, ``x``, full-width digits, more than
    six digits) raises PageNumberError."""
    if raw is None:
        return 1
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(MAX_PAGE)):
        raise PageNumberError(raw)
    number = int(raw)
    if not 1 <= number <= MAX_PAGE:
        raise PageNumberError(raw)
    return number


@dataclass(frozen=True)
class PeriodShown:
    """A billing period as a row shows it: a calendar month by its name (``month``), else its first and last
    day (``start``, ``end``)."""

    month: date | None
    start: date
    end: date


def period_shown(period: Period) -> PeriodShown:
    monthly = period.kind is BillingPeriod.MONTHLY
    return PeriodShown(month=period.start if monthly else None, start=period.start, end=period.end)


@dataclass(frozen=True)
class InvoiceRow:
    """One issued document of the list. ``status``: the payment status of an invoice, None for a credit note
    (which owes nothing; ``credits_number`` names the invoice it credits); ``days_overdue`` > 0 only for an
    invoice still owed after its due date."""

    invoice_id: UUID
    number: str
    credit_note: bool
    period: PeriodShown
    issue_date: date
    due_date: date
    total_ore: int
    status: PaymentStatus | None
    days_overdue: int
    credits_number: str | None


def row_of(invoice: Invoice, settlement: Settlement | None, today: date) -> InvoiceRow:
    """The row of an issued invoice or credit note (``settlement``: the invoice's account; None for a credit
    note). Raises ValueError for a draft (a draft is never shown to a company)."""
    issue = invoice.issue
    if issue is None:
        raise ValueError(f"invoice {invoice.invoice_id} is a draft")
    status = None if invoice.is_credit_note or settlement is None else settlement.status
    return InvoiceRow(
        invoice_id=invoice.invoice_id,
        number=issue.number,
        credit_note=invoice.is_credit_note,
        period=period_shown(invoice.period),
        issue_date=issue.issue_date,
        due_date=issue.due_date,
        total_ore=invoice.total_ore,
        status=status,
        days_overdue=0 if status is None else days_overdue(issue.due_date, today, status),
        credits_number=invoice.credits_invoice_number,
    )


# --- issue 14 (part E): one invoice's page (its lines, deemed approval, payment reminders) ----------------------

# EntryApproved.status_reason of hours approved when the company's approval deadline ran out.
DEEMED_APPROVED = "deemed_approved"


@dataclass(frozen=True)
class LineShown:
    """One line of the invoice as the company sees it: citizen, minutes, rate and amount (øre), and how many of
    its ``entries`` were approved when the deadline ran out (``deemed``: *godkendt ved fristudløb*)."""

    citizen_name: str
    minutes: int
    rate_ore_per_hour: int
    amount_ore: int
    first_work_date: date
    last_work_date: date
    entries: int
    deemed: int


@dataclass(frozen=True)
class InvoiceShown:
    """One issued invoice or credit note of the company: its row, its lines, its payment reminders (an invoice's;
    none for a credit note) and their fees (øre, owed beside the invoice)."""

    row: InvoiceRow
    net_ore: int
    vat_ore: int
    lines: tuple[LineShown, ...]
    reminders: tuple[IssuedReminder, ...]

    @property
    def fees_ore(self) -> int:
        return sum(r.fee_ore for r in self.reminders)

    @property
    def deemed(self) -> int:
        return sum(line.deemed for line in self.lines)


def invoice_shown(
    invoice: Invoice,
    settlement: Settlement | None,
    today: date,
    reasons: dict[UUID, str],
    reminders: tuple[IssuedReminder, ...],
) -> InvoiceShown:
    """The page of an issued document (``reasons``: its entries' status reasons; ``reminders``: its payment
    reminders). Raises ValueError for a draft."""
    return InvoiceShown(
        row=row_of(invoice, settlement, today),
        net_ore=invoice.net_ore,
        vat_ore=invoice.vat_ore,
        lines=tuple(
            LineShown(
                citizen_name=line.citizen_name,
                minutes=line.minutes,
                rate_ore_per_hour=line.rate_ore_per_hour,
                amount_ore=line.amount_ore,
                first_work_date=line.first_work_date,
                last_work_date=line.last_work_date,
                entries=len(line.entry_ids),
                deemed=sum(1 for e in line.entry_ids if reasons.get(e) == DEEMED_APPROVED),
            )
            for line in invoice.lines
        ),
        reminders=reminders,
    )
