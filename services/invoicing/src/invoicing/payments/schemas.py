"""HTTP shapes of payments, accounts, overdue invoices and reminders. Money in integer øre, dates YYYY-MM-DD."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from invoicing.payment_reminders.models import ReminderPolicy
from invoicing.payments.models import (
    REMINDER_FEE_MAX_ORE,
    HistoryStep,
    OverdueInvoice,
    Payment,
    Reminder,
    Settlement,
    StripeState,
    age_bucket,
    days_overdue,
)
from vikar_shared.types.periods import Day
from vikar_shared.types.text import SingleLine

# The largest single payment accepted: 100 million kr. A typo of a few digits more is refused, not booked.
PAYMENT_MAX_ORE = 10_000_000_000
PAYER_REFERENCE_MAX = 140

Status = Literal["unpaid", "partially_paid", "paid", "overpaid", "credited"]


class AccountOut(BaseModel):
    """An issued invoice's account, øre: what it owes after credit notes, what is paid, what is outstanding."""

    total_ore: int = Field(description="The invoice's total as issued")
    credited_ore: int = Field(description="The totals of the credit notes issued against it")
    owed_ore: int = Field(description="total_ore - credited_ore")
    paid_ore: int = Field(description="The sum of its payments (bank transfers and Stripe)")
    outstanding_ore: int = Field(description="owed_ore - paid_ore; negative when overpaid")
    status: Status = Field(
        description="unpaid (nothing paid), partially_paid, paid (exactly covered), overpaid, credited (credit "
        "notes took everything owed away and nothing was paid)"
    )
    days_overdue: int = Field(description="Whole days past the due date while unpaid or partially paid, else 0")

    @classmethod
    def of(cls, account: Settlement, *, due_date: date, today: date) -> AccountOut:
        return cls(
            total_ore=account.total_ore,
            credited_ore=account.credited_ore,
            owed_ore=account.owed_ore,
            paid_ore=account.paid_ore,
            outstanding_ore=account.outstanding_ore,
            status=account.status.value,
            days_overdue=days_overdue(due_date, today, account.status),
        )


class PaymentIn(BaseModel):
    """A bank transfer finance saw on the agency's account."""

    model_config = ConfigDict(extra="forbid")
    amount_ore: Annotated[int, Field(strict=True, gt=0, le=PAYMENT_MAX_ORE)] = Field(
        description=f"Øre received, 1..{PAYMENT_MAX_ORE}; a part payment or more than owed is recorded as such",
        examples=[125_000],
    )
    paid_on: Day = Field(
        description="The day the money arrived (YYYY-MM-DD): not after today (422 `paid-on-future`), not before "
        "the invoice's issue date (422 `paid-on-before-issue`)",
        examples=["2026-11-20"],
    )
    payer_reference: Annotated[str, SingleLine(PAYER_REFERENCE_MAX)] = Field(
        description=f"The bank statement's reference or payer (1..{PAYER_REFERENCE_MAX} characters, trimmed)",
        examples=["FIK 71 2026000001 Bager Hansen"],
    )


class PaymentOut(BaseModel):
    payment_id: UUID
    invoice_id: UUID
    method: Literal["bank_transfer", "stripe"]
    amount_ore: int
    paid_on: date
    payer_reference: str | None
    stripe_invoice_id: str | None
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, payment: Payment) -> PaymentOut:
        return cls.model_validate(payment, from_attributes=True)


class PaymentRecordedOut(BaseModel):
    payment: PaymentOut
    account: AccountOut = Field(description="The invoice's account after this payment")


class ReminderIn(BaseModel):
    """That the next payment reminder of an invoice was sent (notifications sends it)."""

    model_config = ConfigDict(extra="forbid")
    sent_on: Day = Field(description="The day it was sent (YYYY-MM-DD), not after today", examples=["2026-12-01"])
    fee_ore: Annotated[int, Field(strict=True, ge=0, le=REMINDER_FEE_MAX_ORE)] = Field(
        description=f"The reminder fee, 0..{REMINDER_FEE_MAX_ORE} øre (renteloven § 9 b: at most 100 kr)",
        examples=[10_000],
    )


class ReminderOut(BaseModel):
    invoice_id: UUID
    number: int = Field(description="1.. the reminders before collection (payment_reminders_before_collection)")
    sent_on: date
    fee_ore: int
    recorded_by: str
    recorded_at: datetime

    @classmethod
    def of(cls, reminder: Reminder) -> ReminderOut:
        return cls.model_validate(reminder, from_attributes=True)


class OverdueOut(BaseModel):
    invoice_id: UUID
    company_id: UUID
    number: str
    buyer_name: str
    issue_date: date
    due_date: date
    days_overdue: int
    age_bucket: Literal["1-30", "31-60", "61-90", "90+"] | None = Field(
        description="Days overdue 1–30, 31–60, 61–90 or more than 90 (null: not overdue)"
    )
    account: AccountOut
    reminders_sent: int = Field(description="0.. the reminders before collection (scheduled and manual)")
    last_reminder_on: date | None
    next_reminder_on: date | None = Field(
        description="The first day the next reminder may be sent, by the reminder schedule's rule (renteloven "
        "§ 9 b: after the due date, then at least 10 days after the previous one; the payment_reminder_* "
        "settings); null once the reminders before collection were sent"
    )
    reminder_fees_ore: int = Field(
        default=0,
        description="Issue 14: the fees of its payment reminders (øre), owed by the company beside the invoice: "
        "`account` never includes them",
    )

    @classmethod
    def of(cls, item: OverdueInvoice, today: date, policy: ReminderPolicy) -> OverdueOut:
        days = item.days_overdue(today)
        bucket = age_bucket(days)
        return cls(
            invoice_id=item.invoice_id,
            company_id=item.company_id,
            number=item.number,
            buyer_name=item.buyer_name,
            issue_date=item.issue_date,
            due_date=item.due_date,
            days_overdue=days,
            age_bucket=None if bucket is None else bucket.value,
            account=AccountOut.of(item.settlement, due_date=item.due_date, today=today),
            reminders_sent=len(item.reminders_sent),
            last_reminder_on=max(item.reminders_sent, default=None),
            next_reminder_on=item.next_reminder_on(policy),
            reminder_fees_ore=item.reminder_fees_ore,
        )


class OverdueListOut(BaseModel):
    items: list[OverdueOut]


class ReminderRecordedOut(BaseModel):
    reminder: ReminderOut
    invoice: OverdueOut = Field(description="The invoice's overdue state after this reminder")


class HistoryStepOut(BaseModel):
    at: datetime
    kind: str = Field(description="issued, a Stripe step, payment, reminder, voided…", examples=["payment"])
    actor: str | None
    detail: dict[str, Any]

    @classmethod
    def of(cls, step: HistoryStep) -> HistoryStepOut:
        return cls(at=step.at, kind=step.kind, actor=step.actor, detail=step.detail)


class StripeStateOut(BaseModel):
    state: str = Field(description="issued, stripe_pending, stripe_synced or stripe_failed")
    stripe_invoice_id: str | None
    stripe_credit_note_id: str | None
    attempts: int
    last_error: str | None
    synced_at: datetime | None

    @classmethod
    def of(cls, stripe: StripeState) -> StripeStateOut:
        return cls.model_validate(stripe, from_attributes=True)
