"""HTTP shapes of payment reminders. Money integer øre, dates YYYY-MM-DD."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from invoicing.payment_reminders.models import IssuedReminder, RemindedInvoice


class PaymentReminderOut(BaseModel):
    reminder_id: UUID
    reminder_number: int = Field(description="1, 2, … in the order issued")
    sent_on: date = Field(description="The day it was issued (or, recorded by hand, sent)")
    fee_ore: int = Field(description="Its fee, 0..10 000 øre (renteloven § 9 b: at most 100 kr, on at most three)")
    source: Literal["scheduled", "manual"] = Field(
        description="scheduled: the daily schedule issued it; manual: finance recorded it"
    )
    pay_by: date | None = Field(description="The new deadline it gave (scheduled ones)")
    outstanding_ore: int | None = Field(description="Owed on the invoice when it was issued, fees not included")
    final: bool = Field(description="The last before collection (its mail warns of further costs)")

    @classmethod
    def of(cls, reminder: IssuedReminder) -> PaymentReminderOut:
        return cls(
            reminder_id=reminder.reminder_id,
            reminder_number=reminder.number,
            sent_on=reminder.sent_on,
            fee_ore=reminder.fee_ore,
            source="scheduled" if reminder.source == "scheduled" else "manual",
            pay_by=reminder.pay_by,
            outstanding_ore=reminder.outstanding_ore,
            final=reminder.final,
        )


class RemindedInvoiceOut(BaseModel):
    invoice_id: UUID
    company_id: UUID
    number: str
    buyer_name: str
    due_date: date
    total_ore: int = Field(description="The invoice's total as issued (fees never change it)")
    credited_ore: int
    paid_ore: int
    outstanding_ore: int = Field(description="Owed on the invoice: total - credited - paid (fees not included)")
    payment_status: Literal["unpaid", "partially_paid", "paid", "overpaid", "credited"]
    voided: bool = Field(description="Voided in Stripe (credited): no more reminders")
    reminder_fees_ore: int = Field(description="The fees of its reminders, owed by the company beside the invoice")
    owed_with_fees_ore: int = Field(description="outstanding_ore + reminder_fees_ore")
    reminders: list[PaymentReminderOut]

    @classmethod
    def of(cls, item: RemindedInvoice) -> RemindedInvoiceOut:
        return cls(
            invoice_id=item.invoice_id,
            company_id=item.company_id,
            number=item.number,
            buyer_name=item.buyer_name,
            due_date=item.due_date,
            total_ore=item.total_ore,
            credited_ore=item.credited_ore,
            paid_ore=item.paid_ore,
            outstanding_ore=item.outstanding_ore,
            payment_status=item.payment_status,
            voided=item.voided,
            reminder_fees_ore=item.fees_ore,
            owed_with_fees_ore=item.outstanding_ore + item.fees_ore,
            reminders=[PaymentReminderOut.of(r) for r in item.reminders],
        )


class RemindedInvoiceListOut(BaseModel):
    items: list[RemindedInvoiceOut]
