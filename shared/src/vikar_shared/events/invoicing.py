"""Events published by the invoicing service on ``invoicing.events`` (key: company or municipality id)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

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


class InvoicePaid(EventData):
    """An issued invoice is paid: the payments recorded against it (bank transfers finance entered, and
    payments Stripe reported by ``invoice.paid``) now cover what is owed on it.

    Published by invoicing in the transaction that records the covering payment or issues the covering credit
    note (outbox), keyed by
    ``company_id``; once per invoice (a later payment on a paid invoice is an overpayment, not a second
    event). Amounts in øre: ``owed_ore`` is the invoice's ``total_ore`` less the totals of the credit notes
    issued against it; ``paid_ore`` the sum of its payments (``paid_ore - owed_ore`` > 0 is overpaid).
    ``paid_on``: the date of the payment that covered it, or the issue date of the credit note that lowered
    what is owed to what was paid. ``method``: ``bank_transfer`` or ``stripe`` (of the covering payment, or
    of the latest payment when a credit note covered it)."""

    event_type = "invoicing.invoice_paid"
    event_version = 1
    topic = TOPIC

    invoice_id: UUID
    company_id: UUID
    number: str
    owed_ore: int
    paid_ore: int
    paid_on: date
    method: str


class InvoicePaymentFailed(EventData):
    """Stripe reported a failed payment attempt on an issued invoice (``invoice.payment_failed``). The
    invoice stays owed; finance follows it up. Published once per Stripe event (the webhook inbox), keyed by
    ``company_id``. ``attempt_count``: Stripe's count of attempts on the invoice; ``reason``: Stripe's decline
    code or failure message class, never card or bank details."""

    event_type = "invoicing.invoice_payment_failed"
    event_version = 1
    topic = TOPIC

    invoice_id: UUID
    company_id: UUID
    number: str
    attempt_count: int
    reason: str | None = None


class InvoiceVoided(EventData):
    """An issued invoice was voided in Stripe (``invoice.voided``) or marked uncollectible there
    (``invoice.marked_uncollectible``). Our invoice is a fact and is never edited: the voiding is booked as
    a credit note of what is still owed on it (``credit_note_id``, ``credit_note_number`` of the one gap-free
    sequence), issued in the same transaction (``invoicing.credit_note_issued`` follows). Keyed by
    ``company_id``. ``reason``: ``voided`` or ``uncollectible``. ``credited_ore``: the credit note's total
    in øre (0 when nothing was still owed, then no credit note and both ids are null)."""

    event_type = "invoicing.invoice_voided"
    event_version = 1
    topic = TOPIC

    invoice_id: UUID
    company_id: UUID
    number: str
    reason: str
    credited_ore: int
    credit_note_id: UUID | None = None
    credit_note_number: str | None = None


# --- issue 11: co-financing statements -------------------------------------------------------------------------


class StatementLine(BaseModel):
    """One line of an issued (correction) statement: a citizen's co-financed minutes at one rate, by the
    ``citizen_reference`` the agreement chose (the municipality's case number, or name and birth year; never a
    CPR number). ``late``: hours approved after their period was stated, dated ``first_work_date``..
    ``last_work_date``. ``adjustment``: a line settling a retroactive rate change (``minutes`` 0,
    ``rate_ore_per_hour`` the new rate, ``amount_ore`` the difference)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    citizen_id: UUID
    citizen_reference: str
    rate_ore_per_hour: int
    minutes: int
    amount_ore: int
    late: bool
    adjustment: bool
    first_work_date: date
    last_work_date: date


class StatementIssued(EventData):
    """Finance issued a municipality's co-financing statement for one statement period (a calendar month, or a
    quarter where the agreement says so): a fact from now on, never edited or deleted.

    Published by invoicing in the issuing transaction (outbox), keyed by ``municipality_id``. ``number``:
    ``S-YYYY-NNNNNN``, the agency's one gap-free sequence of statements and correction statements, the year of
    ``issue_date``. Amounts in øre: ``net_ore`` the VAT-exclusive net: the sum of the lines (each entry's amount
    rounded half up once, when accrued), or, where the agreement's rate includes VAT, that sum × 100 / 125 rounded
    half up; ``vat_category`` (UNCL5305 ``S``, ``E`` or ``O``) and ``vat_rate_percent`` as the agreement
    states them, ``vat_ore`` rounded half up once on the subtotal; ``total_ore = net_ore + vat_ore``.
    ``total_minutes`` the hours stated; ``unique_citizens`` in the period, ``unique_citizens_to_date`` since
    the agreement started, against ``target_unique_citizens`` (null: no target)."""

    event_type = "invoicing.statement_issued"
    event_version = 1
    topic = TOPIC

    statement_id: UUID
    municipality_id: UUID
    number: str
    issue_date: date
    due_date: date
    period_start: date
    period_end: date
    net_ore: int
    vat_category: str
    vat_rate_percent: int
    vat_ore: int
    total_ore: int
    currency: str
    total_minutes: int
    unique_citizens: int
    unique_citizens_to_date: int
    target_unique_citizens: int | None
    lines: list[StatementLine]


class CorrectionStatementIssued(EventData):
    """Finance issued a correction statement: hours taken away from an issued statement (a negative correction
    entry) or a retroactive rate decrease lowered what the municipality co-finances. It refers to the statement
    it corrects (``corrected_statement_id``, ``corrected_statement_number``, whose period ``period_start``..
    ``period_end`` is) and states **positive** amounts the municipality is credited (a Peppol CreditNote).

    Published by invoicing in the issuing transaction (outbox), keyed by ``municipality_id``; ``number`` of the
    same gap-free sequence as statements. Amounts and VAT as on :class:`StatementIssued`."""

    event_type = "invoicing.correction_statement_issued"
    event_version = 1
    topic = TOPIC

    statement_id: UUID
    municipality_id: UUID
    number: str
    corrected_statement_id: UUID
    corrected_statement_number: str
    issue_date: date
    period_start: date
    period_end: date
    net_ore: int
    vat_category: str
    vat_rate_percent: int
    vat_ore: int
    total_ore: int
    currency: str
    total_minutes: int
    lines: list[StatementLine]


class PayPeriodClosed(EventData):
    """Finance closed a pay period (issue 13): the wage basis of every employee for the period's work dates is a
    fact from now on; hours approved or corrected later land in a later period as adjustment lines.

    Published by invoicing in the closing transaction (outbox), keyed by ``pay_period_id``. Totals only, no
    personal data (the per-employee basis is downloaded from invoicing's API, by employee number).
    ``period_kind``: ``monthly``, ``fortnightly`` or ``weekly``; ``period_label`` e.g. ``2026-11``.
    Minutes are integer minutes; amounts integer øre: ``gross_ore`` the sum of the lines' gross wage (each
    entry's ``minutes × wage rate / 60`` rounded half up once, as billable lines), of which
    ``adjustment_gross_ore`` on adjustment lines of earlier periods; ``holiday_allowance_ore`` the sum over
    employees of their period gross × ``holiday_allowance_basis_points`` / 10 000 rounded half up (ferieloven
    § 16, stk. 2: 12.5 % = 1 250 basis points); ``atp_employee_ore`` / ``atp_employer_ore`` from the ATP band
    each employee's hours fall in (the official hour bands for the period's length, a data table);
    ``atp_band_changes`` how many earlier periods' bands the adjustments changed (reported, not settled);
    ``submitted_minutes`` / ``rejected_minutes`` the period's hours not approved (listed for finance, not paid);
    ``blocked_employees`` employees whose hours wait (no wage rate in force, no employee number)."""

    event_type = "invoicing.pay_period_closed"
    event_version = 1
    topic = TOPIC

    pay_period_id: UUID
    period_kind: str
    period_start: date
    period_end: date
    period_label: str
    closed_at: datetime
    employees: int
    blocked_employees: int
    total_minutes: int
    gross_ore: int
    adjustment_gross_ore: int
    holiday_allowance_basis_points: int
    holiday_allowance_basis_ore: int
    holiday_allowance_ore: int
    atp_employee_ore: int
    atp_employer_ore: int
    atp_band_changes: int
    submitted_minutes: int
    rejected_minutes: int


# --- issue 14: payment reminders (rykkere) ---------------------------------------------------------------------


class PaymentReminderIssued(EventData):
    """Invoicing issued a payment reminder (*rykker*) for an overdue invoice (renteloven § 9 b): the first only
    after ``due_date`` passed, each later one at least 10 days after the previous, a fee (``fee_ore``, at most
    10 000 øre = 100 kr) on at most three of them, recorded by invoicing as owed by the company. ``final``: the
    last before the claim goes to collection (it warns of further costs). None is issued once the invoice is
    paid, credited in full or voided.

    Published by invoicing in the issuing transaction (outbox), keyed by ``company_id``. Amounts in øre:
    ``outstanding_ore`` what is still owed on the invoice (its total less payments and credit notes, fees not
    included), ``fees_total_ore`` the fees of this and earlier reminders; ``pay_by`` the new deadline."""

    event_type = "invoicing.payment_reminder_issued"
    event_version = 1
    topic = TOPIC

    reminder_id: UUID
    invoice_id: UUID
    company_id: UUID
    invoice_number: str
    reminder_number: int = Field(ge=1)
    issued_on: date
    due_date: date
    pay_by: date
    outstanding_ore: int
    fee_ore: int = Field(ge=0, le=10_000)
    fees_total_ore: int = Field(ge=0)
    final: bool
