"""The payment rules: what an issued invoice owes, what is paid, and its payment status.

Pure functions over integer øre (no database, no clock). An invoice owes its ``total_ore`` less the totals
of the credit notes issued against it (a credit note never has a negative total: Peppol DK-R-016); it is
paid when its payments cover that (``shared/docs/domain.md``: finance follows payment). Partial payments and
overpayments are shown as such, never rounded away."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID


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
