"""HTTP shapes of closes and invoices (drafts and issued). Money in integer øre, time in minutes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from invoicing.ledger.models import Close, DocumentType, Invoice, InvoiceLine, Party, PendingEntry
from invoicing.payment_reminders.models import RemindedInvoice
from invoicing.payment_reminders.schemas import PaymentReminderOut
from invoicing.payments.models import FinanceDetails, Settlement
from invoicing.payments.schemas import AccountOut, HistoryStepOut, PaymentOut, StripeStateOut
from vikar_shared.types.periods import Day

# EntryApproved.status_reason of an entry approved when the company's approval deadline ran out (issue 14).
DEEMED_APPROVED = "deemed_approved"


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    through: Day = Field(
        description="Close every billing period that ended on or before this day (YYYY-MM-DD; today or earlier)",
        examples=["2026-11-30"],
    )


class InvoiceLineOut(BaseModel):
    position: int
    citizen_id: UUID
    citizen_name: str
    rate_ore_per_hour: int
    minutes: int = Field(description="Sum of the entries' minutes")
    amount_ore: int = Field(description="Sum of the entries' line amounts (each rounded once when accrued)")
    late: bool = Field(description="Hours of a period invoiced before, approved after it was invoiced")
    first_work_date: date
    last_work_date: date
    entry_ids: list[UUID] = Field(
        description="The approved entries behind the line (an adjustment line: its adjustments)"
    )
    adjusts_entry_id: UUID | None = Field(
        default=None,
        description="An adjustment line: the entry whose price a retroactive rate change settles (minutes 0, "
        "rate the new rate, amount the new amount minus the amount charged before)",
    )

    deemed_approved_entry_ids: list[UUID] = Field(
        default_factory=list,
        description="Issue 14: those of `entry_ids` approved when the company's approval deadline ran out (deemed "
        "approved: `EntryApproved.status_reason` `deemed_approved`), not by an approver; empty when none were",
    )

    @classmethod
    def of(cls, line: InvoiceLine, reasons: Mapping[UUID, str] | None = None) -> InvoiceLineOut:
        """``reasons``: the status reasons of the line's entries (``accruals.service.status_reasons``)."""
        out = cls.model_validate(line, from_attributes=True)
        if reasons:
            out.deemed_approved_entry_ids = [e for e in line.entry_ids if reasons.get(e) == DEEMED_APPROVED]
        return out


class PartyOut(BaseModel):
    name: str
    street: str
    postcode: str
    city: str
    cvr: str
    contact_name: str | None = None
    contact_email: str | None = None

    @classmethod
    def of(cls, party: Party) -> PartyOut:
        return cls.model_validate(party, from_attributes=True)


class InvoiceOut(BaseModel):
    invoice_id: UUID
    company_id: UUID
    status: Literal["draft", "issued"]
    document_type: Literal["invoice", "credit_note"] = Field(
        description="A credit note credits `credits_invoice_id` with positive amounts; same number sequence"
    )
    credits_invoice_id: UUID | None = Field(description="A credit note: the issued invoice it credits")
    credits_invoice_number: str | None = Field(description="A credit note: that invoice's number")
    billing_period: Literal["monthly", "fortnightly", "weekly"]
    period_label: str = Field(examples=["2026-11", "2026-W49", "2026-W47/2026-W48"])
    period_start: date = Field(description="First day of the period of supply")
    period_end: date = Field(description="Last day of the period of supply")
    lines: list[InvoiceLineOut] = Field(description="Per citizen and rate; late lines last, by work date")
    net_ore: int = Field(description="Sum of the line amounts (net at the one VAT rate)")
    vat_rate_percent: int
    vat_ore: int = Field(description="net_ore * vat_rate_percent / 100 rounded half up to whole øre, once")
    total_ore: int
    currency: str
    close_id: UUID | None
    number: str | None = Field(description="YYYY-NNNNNN once issued", examples=["2026-000123"])
    issue_date: date | None
    due_date: date | None = Field(description="issue_date + payment_terms_days")
    payment_terms_days: int | None
    seller: PartyOut | None
    buyer: PartyOut | None
    payment: AccountOut | None = Field(
        default=None,
        description="An issued invoice's account (owed, paid, outstanding øre, payment status, days overdue). Null "
        "for a draft (owed by nobody yet) and for a credit note (not applicable: it is owed to the company; it "
        "lowers the account of the invoice it credits)",
    )

    @classmethod
    def of(cls, invoice: Invoice, account: Settlement | None = None, *, today: date | None = None) -> InvoiceOut:
        """``account``: the invoice's (``invoicing.payments.service.settlements``), shown for an issued invoice
        with ``today`` (days overdue); ignored for drafts and credit notes."""
        return cls(**cls.fields_of(invoice, account, today=today))

    @staticmethod
    def fields_of(invoice: Invoice, account: Settlement | None, *, today: date | None) -> dict[str, Any]:
        issue = invoice.issue
        payment = None
        if issue is not None and invoice.document_type is DocumentType.INVOICE and account is not None:
            assert today is not None, "an account is shown with the day its days overdue count to"
            payment = AccountOut.of(account, due_date=issue.due_date, today=today)
        return dict(
            invoice_id=invoice.invoice_id,
            company_id=invoice.company_id,
            status=invoice.status.value,
            document_type=invoice.document_type.value,
            credits_invoice_id=invoice.credits_invoice_id,
            credits_invoice_number=invoice.credits_invoice_number,
            billing_period=invoice.period.kind.value,
            period_label=invoice.period.label,
            period_start=invoice.period.start,
            period_end=invoice.period.end,
            lines=[InvoiceLineOut.of(line) for line in invoice.lines],
            net_ore=invoice.net_ore,
            vat_rate_percent=invoice.vat_rate_percent,
            vat_ore=invoice.vat_ore,
            total_ore=invoice.total_ore,
            currency=invoice.currency,
            close_id=invoice.close_id,
            number=None if issue is None else issue.number,
            issue_date=None if issue is None else issue.issue_date,
            due_date=None if issue is None else issue.due_date,
            payment_terms_days=None if issue is None else issue.payment_terms_days,
            seller=None if issue is None else PartyOut.of(issue.seller),
            buyer=None if issue is None else PartyOut.of(issue.buyer),
            payment=payment,
        )


class InvoiceDetailOut(InvoiceOut):
    """One invoice as ``GET /invoices/{id}`` answers it: the invoice, and for finance and admin what happened to
    it after it was issued. A company approver (its own issued invoices) and a consultant get the account
    (``payment``) but null ``payments``, ``history`` and ``stripe``: internal records of the agency."""

    payments: list[PaymentOut] | None = Field(description="Payments received, by date paid (finance and admin)")
    history: list[HistoryStepOut] | None = Field(
        description="What happened to the issued document, in order: issued, Stripe steps, payments, reminders, "
        "voided… (finance and admin; empty for a draft)"
    )
    stripe: StripeStateOut | None = Field(
        description="Its way to Stripe: state and the last error (finance and admin; null before it is queued)"
    )
    pdf_path: str | None = Field(description="Where its PDF is (`GET …/pdf`); null for a draft")
    payment_reminders: list[PaymentReminderOut] | None = Field(
        default=None,
        description="Issue 14: the payment reminders (rykkere) of an issued invoice, in order (finance, admin and "
        "the invoice's company approver; null for others, drafts and credit notes)",
    )
    reminder_fees_ore: int | None = Field(
        default=None,
        description="The fees of those reminders, øre: owed by the company beside the invoice (its total and "
        "account never include them); null where `payment_reminders` is",
    )

    @classmethod
    def detail(
        cls,
        invoice: Invoice,
        account: Settlement | None,
        *,
        today: date,
        details: FinanceDetails | None,
        pdf_path: str | None,
        reasons: Mapping[UUID, str] | None = None,
        reminders: RemindedInvoice | None = None,
    ) -> InvoiceDetailOut:
        """``reasons``: the entries' status reasons (deemed approval, shown per line); ``reminders``: the issued
        invoice's payment reminders when the viewer may see them."""
        fields = cls.fields_of(invoice, account, today=today)
        fields["lines"] = [InvoiceLineOut.of(line, reasons) for line in invoice.lines]
        return cls(
            **fields,
            payment_reminders=None if reminders is None else [PaymentReminderOut.of(r) for r in reminders.reminders],
            reminder_fees_ore=None if reminders is None else reminders.fees_ore,
            payments=None if details is None else [PaymentOut.of(p) for p in details.payments],
            history=None if details is None else [HistoryStepOut.of(s) for s in details.history],
            stripe=None if details is None or details.stripe is None else StripeStateOut.of(details.stripe),
            pdf_path=pdf_path if invoice.is_issued else None,
        )


class InvoiceListOut(BaseModel):
    items: list[InvoiceOut]


class PendingEntryOut(BaseModel):
    entry_id: UUID
    company_id: UUID
    work_date: date
    minutes: int
    waiting_for: Literal["placement", "municipality-terms"]

    @classmethod
    def of(cls, entry: PendingEntry) -> PendingEntryOut:
        return cls.model_validate(entry, from_attributes=True)


class CloseOut(BaseModel):
    close_id: UUID
    through: date
    requested_by: str
    status: Literal["running", "finished"]
    started_at: datetime
    finished_at: datetime | None
    companies_total: int = Field(description="Companies with accrued lines on no invoice up to `through`")
    companies_done: int
    invoices: list[InvoiceOut] = Field(
        description="The drafts this close made or last changed (a correction netted on an earlier draft), "
        "as they are now"
    )
    pending_entries: list[PendingEntryOut] = Field(
        description="Approved entries up to `through` not accrued yet: waiting for their placement or terms"
    )

    @classmethod
    def of(cls, close: Close) -> CloseOut:
        return cls(
            close_id=close.close_id,
            through=close.through,
            requested_by=close.requested_by,
            status="finished" if close.finished else "running",
            started_at=close.started_at,
            finished_at=close.finished_at,
            companies_total=close.companies_total,
            companies_done=close.companies_done,
            invoices=[InvoiceOut.of(i) for i in close.invoices],
            pending_entries=[PendingEntryOut.of(p) for p in close.pending_entries],
        )
