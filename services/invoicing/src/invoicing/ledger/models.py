"""The ledger's rules: which lines go on which draft, how lines are grouped, invoice numbers, due dates.

Pure functions over domain values (no database, no clock). Sources: momsbekendtgørelsen § 58 (what a full
invoice states), ``../shared/docs/domain.md`` rules 3, 4 and 8 (only approved hours; issued invoices are
immutable and numbered in one gap-free sequence; an approved hour on exactly one invoice line)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from invoicing.money import VAT_RATE_PERCENT, vat_on
from invoicing.periods import BillingPeriod, Period, periods_to_close

CURRENCY = "DKK"
NUMBER_DIGITS = 6


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"


class DocumentType(StrEnum):
    """An invoice charges; a credit note credits one issued invoice (positive amounts, the same sequence)."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


@dataclass(frozen=True, slots=True)
class UnbilledEntry:
    """An accrued billable line (one approved entry) or an adjustment of one entry's price that is on no
    document yet. For an adjustment ``entry_id`` is the adjustment's id, ``adjusts_entry_id`` the entry it
    settles, ``minutes`` 0 (the hours are on the entry's own line) and ``rate_ore_per_hour`` the new rate.
    ``credits_invoice_id``: the issued invoice it must be credited against (a correction lowering hours
    on it, or a negative adjustment of an entry on it), else None (it goes on a draft invoice)."""

    entry_id: UUID
    citizen_id: UUID
    citizen_name: str
    work_date: date
    minutes: int
    rate_ore_per_hour: int
    amount_ore: int
    adjusts_entry_id: UUID | None = None
    credits_invoice_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One citizen at one rate (late hours also per original work date): ``minutes`` and ``amount_ore``
    are plain sums of the entries' line amounts (each rounded once when accrued), never re-rounded.
    ``late``: hours worked in a period invoiced before, shown with their original dates
    (``first_work_date``..``last_work_date``)."""

    position: int
    citizen_id: UUID
    citizen_name: str
    rate_ore_per_hour: int
    minutes: int
    amount_ore: int
    late: bool
    first_work_date: date
    last_work_date: date
    entry_ids: tuple[UUID, ...] = ()
    adjusts_entry_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class Party:
    """Seller or buyer as an issued invoice states them (§ 58: name, address, CVR/VAT number)."""

    name: str
    street: str
    postcode: str
    city: str
    cvr: str
    contact_name: str | None = None
    contact_email: str | None = None


@dataclass(frozen=True, slots=True)
class Issue:
    """What issuing adds to a draft: number, dates, terms and the parties, frozen from then on."""

    number: str
    issue_date: date
    due_date: date
    payment_terms_days: int
    issued_at: datetime
    issued_by: str
    seller: Party
    buyer: Party


@dataclass(frozen=True, slots=True)
class Invoice:
    """A draft or issued invoice of one company and billing period. ``net_ore``: the sum of the lines;
    ``vat_ore``: VAT on that subtotal, rounded half up once (``invoicing.money.vat_on``)."""

    invoice_id: UUID
    company_id: UUID
    status: InvoiceStatus
    period: Period
    lines: tuple[InvoiceLine, ...]
    net_ore: int
    vat_rate_percent: int
    vat_ore: int
    total_ore: int
    currency: str = CURRENCY
    close_id: UUID | None = None
    created_at: datetime | None = None
    issue: Issue | None = None
    document_type: DocumentType = DocumentType.INVOICE
    credits_invoice_id: UUID | None = None
    credits_invoice_number: str | None = None

    @property
    def is_credit_note(self) -> bool:
        return self.document_type is DocumentType.CREDIT_NOTE

    @property
    def is_issued(self) -> bool:
        return self.status is InvoiceStatus.ISSUED

    @property
    def entry_count(self) -> int:
        return sum(len(line.entry_ids) for line in self.lines)


@dataclass(frozen=True, slots=True)
class PendingEntry:
    """An approved entry that has not accrued yet: ``waiting_for`` is ``placement`` or ``municipality-terms``."""

    entry_id: UUID
    company_id: UUID
    work_date: date
    minutes: int
    waiting_for: str


@dataclass(frozen=True, slots=True)
class Close:
    """One run of ``close(through)``: progress (companies done of total), the drafts it made, and the
    approved entries it found still waiting (never skipped silently)."""

    close_id: UUID
    through: date
    requested_by: str
    started_at: datetime
    finished_at: datetime | None
    companies_total: int
    companies_done: int
    invoices: tuple[Invoice, ...] = ()
    pending_entries: tuple[PendingEntry, ...] = field(default_factory=tuple)

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


@dataclass(frozen=True, slots=True)
class PlannedDraft:
    period: Period
    entries: tuple[UnbilledEntry, ...]
    late: frozenset[UUID]


def plan_drafts(
    entries: Sequence[UnbilledEntry],
    kind: BillingPeriod,
    *,
    through: date,
    closed_through: date | None,
    anchor: date,
) -> list[PlannedDraft]:
    """The drafts one company gets from ``close(through)``: one per period ended on or before ``through``
    and after ``closed_through`` that has lines; the late entries (work date on or before ``closed_through``,
    their period invoiced before) go on the first of those periods. A period with no lines drafts nothing;
    late entries with no ended period after ``closed_through`` wait for the next close. Entries in a period
    that has not ended stay for a later close."""
    if closed_through is None:
        late, current = [], list(entries)
    else:
        late = [e for e in entries if e.work_date <= closed_through]
        current = [e for e in entries if e.work_date > closed_through]
    if late and closed_through is not None:
        first_day = closed_through + timedelta(days=1)
    elif current:
        first_day = min(e.work_date for e in current)
    else:
        return []
    periods = periods_to_close(kind, first_day=first_day, through=through, closed_through=closed_through, anchor=anchor)
    planned: list[PlannedDraft] = []
    for index, period in enumerate(periods):
        own = [e for e in current if e.work_date in period]
        extra = late if index == 0 else []
        if own or extra:
            planned.append(PlannedDraft(period, tuple(extra + own), frozenset(e.entry_id for e in extra)))
    return planned


def group_lines(entries: Iterable[UnbilledEntry], late: frozenset[UUID] = frozenset()) -> tuple[InvoiceLine, ...]:
    """One line per citizen × rate in force (late entries: also per work date), minutes and øre summed.

    Order: the period's own lines by citizen name, citizen id and rate; then late lines by work date."""
    groups: dict[tuple[bool, date | None, str, UUID, int, str], list[UnbilledEntry]] = {}
    for e in entries:
        is_late = e.entry_id in late
        adjusts = "" if e.adjusts_entry_id is None else str(e.adjusts_entry_id)
        key = (is_late, e.work_date if is_late else None, e.citizen_name, e.citizen_id, e.rate_ore_per_hour, adjusts)
        groups.setdefault(key, []).append(e)
    ordered = sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or date.min, kv[0][2], str(kv[0][3]), kv[0][4], kv[0][5])
    )
    lines = []
    for position, ((is_late, _, name, citizen_id, rate, adjusts), members) in enumerate(ordered, start=1):
        members.sort(key=lambda e: (e.work_date, str(e.entry_id)))
        lines.append(
            InvoiceLine(
                position=position,
                citizen_id=citizen_id,
                citizen_name=name,
                rate_ore_per_hour=rate,
                minutes=sum(e.minutes for e in members),
                amount_ore=sum(e.amount_ore for e in members),
                late=is_late,
                first_work_date=members[0].work_date,
                last_work_date=members[-1].work_date,
                entry_ids=tuple(e.entry_id for e in members),
                adjusts_entry_id=UUID(adjusts) if adjusts else None,
            )
        )
    return tuple(lines)


def group_credit_lines(items: Iterable[UnbilledEntry]) -> tuple[InvoiceLine, ...]:
    """The lines of a credit note: per citizen, rate and original work date (an adjustment per entry it
    settles), with **positive** minutes and øre (the negated sums of the lowering items; a credit note never
    states a negative amount, Peppol DK-R-016). ``late`` is False: a credit note has no period of its own."""
    listed = list(items)
    grouped = group_lines(listed, frozenset(e.entry_id for e in listed))
    return tuple(replace(line, minutes=-line.minutes, amount_ore=-line.amount_ore, late=False) for line in grouped)


def credit_note(
    credit_note_id: UUID,
    credited: Invoice,
    lines: tuple[InvoiceLine, ...],
    close_id: UUID | None,
) -> Invoice:
    """A draft credit note of ``credited`` (an issued invoice): its period of supply, positive lines; net = sum
    of the lines, VAT 25 % on the net half up once, as on an invoice."""
    base = draft(credit_note_id, credited.company_id, credited.period, lines, close_id)
    number = credited.issue.number if credited.issue else None
    return replace(
        base,
        document_type=DocumentType.CREDIT_NOTE,
        credits_invoice_id=credited.invoice_id,
        credits_invoice_number=number,
    )


def draft(
    invoice_id: UUID, company_id: UUID, period: Period, lines: tuple[InvoiceLine, ...], close_id: UUID | None
) -> Invoice:
    """A draft of ``lines``: net = sum of line amounts; VAT 25 % on the net, rounded half up to whole øre
    once (``(net * 25 * 2 + 100) // 200``; never per line); total = net + VAT."""
    net = sum(line.amount_ore for line in lines)
    vat = vat_on(net, VAT_RATE_PERCENT)
    return Invoice(
        invoice_id=invoice_id,
        company_id=company_id,
        status=InvoiceStatus.DRAFT,
        period=period,
        lines=lines,
        net_ore=net,
        vat_rate_percent=VAT_RATE_PERCENT,
        vat_ore=vat,
        total_ore=net + vat,
        close_id=close_id,
    )


def invoice_number(year: int, sequence: int) -> str:
    """``YYYY-NNNNNN``: the issue date's year and the year's sequence number, e.g. ``2026-000123``.
    Raises ValueError past 999 999 in a year."""
    if not 1 <= sequence < 10**NUMBER_DIGITS:
        raise ValueError(f"invoice sequence {sequence} does not fit in {NUMBER_DIGITS} digits")
    return f"{year:04d}-{sequence:0{NUMBER_DIGITS}d}"


def due_date(issue_date: date, payment_terms_days: int) -> date:
    """Issue date + the company's payment terms (calendar days; § 58 payment terms)."""
    return issue_date + timedelta(days=payment_terms_days)


# --- issue 10: an invoice voided in Stripe ------------------------------------------------------------------

# The remainder line of a credit note has no citizen: the nil UUID stands for "the rest of the invoice".
NO_CITIZEN = UUID(int=0)


def credit_of_what_is_owed(
    credit_note_id: UUID, credited: Invoice, *, credited_net_ore: int, credited_vat_ore: int
) -> Invoice | None:
    """A draft credit note of all that is still owed on ``credited`` (an issued invoice), whose issued credit
    notes so far credited ``credited_net_ore`` net and ``credited_vat_ore`` VAT (øre); None when nothing is
    owed any more (``total - credited`` <= 0).

    Nothing credited before: the note repeats the invoice's lines (without their entries, which stay on the
    invoice), so its net, VAT (25 % of the same net, rounded half up once) and total are the invoice's.

    Credited before: one line for the remainder (no citizen, :data:`NO_CITIZEN`; the invoice's period as its
    dates; 0 minutes). Its total is exactly what is owed (``total - credited total``). VAT rounding: each
    earlier credit note rounded its own VAT once, so ``25 % of the remaining net`` can differ by an øre from
    the VAT not yet reversed; the note states the VAT not yet reversed (``invoice VAT - credited VAT``), so
    the invoice and its credit notes together cancel to exactly 0 in net, VAT and total (what the VAT
    return and the books need), and the net is the rest. That VAT is kept between 0 and ``owed - 1`` øre,
    so a note never states negative VAT or a net of 0 (possible only after many tiny credit notes)."""
    owed = credited.total_ore - credited_net_ore - credited_vat_ore
    if owed <= 0:
        return None
    if credited_net_ore == 0 and credited_vat_ore == 0:
        lines = tuple(replace(line, entry_ids=()) for line in credited.lines)
        return credit_note(credit_note_id, credited, lines, None)
    vat = min(max(credited.vat_ore - credited_vat_ore, 0), owed - 1)
    net = owed - vat
    line = InvoiceLine(
        position=1,
        citizen_id=NO_CITIZEN,
        citizen_name=f"Restbeløb af faktura {credited.issue.number if credited.issue else ''}".strip(),
        rate_ore_per_hour=0,
        minutes=0,
        amount_ore=net,
        late=False,
        first_work_date=credited.period.start,
        last_work_date=credited.period.end,
    )
    note = credit_note(credit_note_id, credited, (line,), None)
    return replace(note, net_ore=net, vat_ore=vat, total_ore=owed)
