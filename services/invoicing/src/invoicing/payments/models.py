"""The payment rules: what an issued invoice owes, what is paid, and its payment status.

Pure functions over integer øre (no database, no clock). An invoice owes its ``total_ore`` less the totals
of the credit notes issued against it (a credit note never has a negative total: Peppol DK-R-016); it is
paid when its payments cover that (``shared/docs/domain.md``: finance follows payment). Partial payments and
overpayments are shown as such, never rounded away."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from invoicing.payment_reminders.models import FEE_MAX_ORE, ReminderPolicy, fee_allowed


class PaymentMethod(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    STRIPE = "stripe"


class PaymentStatus(StrEnum):
    """``unpaid`` (nothing paid, something owed), ``partially_paid``, ``paid`` (exactly covered),
    ``overpaid`` (payments exceed what is owed), ``credited`` (credit notes took everything owed away and
    nothing was paid)."""

    UNPAID = "unpaid"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERPAID = "overpaid"
    CREDITED = "credited"


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment against an invoice, in øre (> 0). ``stripe_invoice_id`` only for ``method`` stripe."""

    payment_id: UUID
    invoice_id: UUID
    method: PaymentMethod
    amount_ore: int
    paid_on: date
    payer_reference: str | None
    recorded_by: str
    recorded_at: datetime
    stripe_invoice_id: str | None = None


@dataclass(frozen=True, slots=True)
class Settlement:
    """An issued invoice's account, øre: ``total_ore`` as issued, ``credited_ore`` the totals of the credit
    notes issued against it, ``owed_ore = total_ore - credited_ore``, ``paid_ore`` the sum of its payments,
    ``outstanding_ore = owed_ore - paid_ore`` (negative: overpaid)."""

    invoice_id: UUID
    total_ore: int
    credited_ore: int
    paid_ore: int

    @property
    def owed_ore(self) -> int:
        return self.total_ore - self.credited_ore

    @property
    def outstanding_ore(self) -> int:
        return self.owed_ore - self.paid_ore

    @property
    def status(self) -> PaymentStatus:
        return payment_status(self.owed_ore, self.paid_ore)

    @property
    def covered(self) -> bool:
        """Paid in full (or more): what makes ``invoicing.invoice_paid``. An invoice credited to nothing
        without payment is not paid, it is ``credited``."""
        return self.paid_ore > 0 and self.paid_ore >= self.owed_ore


def payment_status(owed_ore: int, paid_ore: int) -> PaymentStatus:
    """The status of an invoice owing ``owed_ore`` with ``paid_ore`` paid (both øre, ``paid_ore`` >= 0)."""
    if paid_ore < 0:
        raise ValueError("paid_ore cannot be negative")
    if paid_ore == 0:
        return PaymentStatus.CREDITED if owed_ore <= 0 else PaymentStatus.UNPAID
    if paid_ore < owed_ore:
        return PaymentStatus.PARTIALLY_PAID
    if paid_ore == owed_ore:
        return PaymentStatus.PAID
    return PaymentStatus.OVERPAID


def days_overdue(due_date: date, today: date, status: PaymentStatus) -> int:
    """Whole days past ``due_date`` for an invoice still owed (unpaid or partially paid), else 0. An invoice
    is overdue from the day after its due date."""
    if status not in (PaymentStatus.UNPAID, PaymentStatus.PARTIALLY_PAID):
        return 0
    return max((today - due_date).days, 0)


# --- overdue invoices and payment reminders (renteloven § 9 b) -------------------------------------------------

# Renteloven § 9 b, stk. 1: a reminder fee only for a reminder sent after the due date, at least 10 days after the
# previous reminder, for at most three reminders, at most 100 kr each (the amount of § 9 b, stk. 1). One rule for
# manual and scheduled reminders: invoicing.payment_reminders.models.ReminderPolicy (the payment_reminder_* settings).
REMINDER_FEE_MAX_ORE = FEE_MAX_ORE
OWING = frozenset({PaymentStatus.UNPAID, PaymentStatus.PARTIALLY_PAID})


class AgeBucket(StrEnum):
    """How long an invoice has been overdue, in whole days: 1–30, 31–60, 61–90, more than 90."""

    DAYS_1_30 = "1-30"
    DAYS_31_60 = "31-60"
    DAYS_61_90 = "61-90"
    OVER_90 = "90+"


def age_bucket(days: int) -> AgeBucket | None:
    """The bucket of an invoice ``days`` overdue; None when it is not overdue (``days`` <= 0)."""
    if days <= 0:
        return None
    if days <= 30:
        return AgeBucket.DAYS_1_30
    if days <= 60:
        return AgeBucket.DAYS_31_60
    if days <= 90:
        return AgeBucket.DAYS_61_90
    return AgeBucket.OVER_90


@dataclass(frozen=True, slots=True)
class Reminder:
    """Reminder ``number`` (1..3) of an invoice, sent on ``sent_on`` with a fee of ``fee_ore`` (0..10 000)."""

    invoice_id: UUID
    number: int
    sent_on: date
    fee_ore: int
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class ScheduledReminder:
    """Issue 14: reminder ``number`` of an invoice issued by the daily schedule (``invoicing.payment_reminders``) on
    ``sent_on``: its fee (øre, 0..10 000; 0 after the third), new deadline ``pay_by``, what was outstanding on the
    invoice (øre, fees not included) and whether it is the ``final`` one before collection."""

    reminder_id: UUID
    invoice_id: UUID
    number: int
    sent_on: date
    fee_ore: int
    recorded_by: str
    pay_by: date
    outstanding_ore: int
    final: bool


class ReminderRefusal(StrEnum):
    """Why a reminder may not be sent (each a 409 problem code): ``reminder-before-due`` (the due date has not
    passed), ``reminder-too-soon`` (before the policy's next day: ``first_after_days`` after the due date, then
    ``days_apart`` (>= 10) after the previous one), ``reminder-limit-reached`` (the policy's
    ``before_collection`` were sent), ``reminder-fee-not-allowed`` (a fee on a reminder after the third),
    ``invoice-settled`` (nothing is owed any more: paid, overpaid or credited)."""

    BEFORE_DUE = "reminder-before-due"
    TOO_SOON = "reminder-too-soon"
    LIMIT_REACHED = "reminder-limit-reached"
    SETTLED = "invoice-settled"
    FEE_NOT_ALLOWED = "reminder-fee-not-allowed"


def next_reminder_on(policy: ReminderPolicy, due_date: date, sent: list[date]) -> date | None:
    """The first day the next reminder may be sent: the reminder policy's one rule
    (:meth:`invoicing.payment_reminders.models.ReminderPolicy.next_on`); None after ``before_collection``."""
    return policy.next_on(due_date, sent)


def reminder_refusal(
    policy: ReminderPolicy, due_date: date, sent: list[date], sent_on: date, status: PaymentStatus, fee_ore: int = 0
) -> ReminderRefusal | None:
    """Why a reminder sent on ``sent_on`` with a fee of ``fee_ore`` øre breaks the rules (renteloven § 9 b, as the
    ``policy`` the schedule follows too), given the reminders ``sent`` before and the invoice's payment ``status``;
    None when it may be sent. Checked in this order: settled, limit, before the due date, too soon, fee."""
    if status not in OWING:
        return ReminderRefusal.SETTLED
    earliest = next_reminder_on(policy, due_date, sent)
    if earliest is None:
        return ReminderRefusal.LIMIT_REACHED
    if sent_on <= due_date:
        return ReminderRefusal.BEFORE_DUE
    if sent_on < earliest:
        return ReminderRefusal.TOO_SOON
    if not fee_allowed(len(sent) + 1, fee_ore):
        return ReminderRefusal.FEE_NOT_ALLOWED
    return None


@dataclass(frozen=True, slots=True)
class OverdueInvoice:
    """An issued invoice still owed past its due date: its account, and the dates of the reminders sent."""

    invoice_id: UUID
    company_id: UUID
    number: str
    buyer_name: str
    issue_date: date
    due_date: date
    settlement: Settlement
    reminders_sent: tuple[date, ...]
    # Issue 14: the fees of its payment reminders, øre (owed by the company beside the invoice's account).
    reminder_fees_ore: int = 0

    def days_overdue(self, today: date) -> int:
        return days_overdue(self.due_date, today, self.settlement.status)

    def next_reminder_on(self, policy: ReminderPolicy) -> date | None:
        """The first day the next reminder may be sent under ``policy`` (None: the last before collection was)."""
        return next_reminder_on(policy, self.due_date, list(self.reminders_sent))


@dataclass(frozen=True, slots=True)
class HistoryStep:
    """One step of an issued invoice's history (``kind``: issued, a Stripe step, payment, reminder, voided…)."""

    history_id: int
    at: datetime
    kind: str
    actor: str | None
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StripeState:
    """Where the invoice is on its way to Stripe (``stripe_syncs``): state, ids, attempts, the last error."""

    state: str
    stripe_invoice_id: str | None
    stripe_credit_note_id: str | None
    attempts: int
    last_error: str | None
    synced_at: datetime | None


@dataclass(frozen=True, slots=True)
class FinanceDetails:
    """What finance sees of an issued document besides its lines: payments, history, its Stripe state."""

    payments: tuple[Payment, ...]
    history: tuple[HistoryStep, ...]
    stripe: StripeState | None
