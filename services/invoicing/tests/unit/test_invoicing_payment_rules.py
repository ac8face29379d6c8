"""The payment rules (invoicing.payments.models): owed, paid, status, days overdue, in øre."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from invoicing.payments.models import PaymentStatus, Settlement, days_overdue, payment_status


@pytest.mark.parametrize(
    ("owed", "paid", "status"),
    [
        (125_000, 0, PaymentStatus.UNPAID),
        (125_000, 1, PaymentStatus.PARTIALLY_PAID),
        (125_000, 124_999, PaymentStatus.PARTIALLY_PAID),
        (125_000, 125_000, PaymentStatus.PAID),
        (125_000, 125_001, PaymentStatus.OVERPAID),
        (0, 0, PaymentStatus.CREDITED),
        (0, 500, PaymentStatus.OVERPAID),
    ],
)
def test_status_from_owed_and_paid(owed: int, paid: int, status: PaymentStatus) -> None:
    assert payment_status(owed, paid) is status


def test_credit_notes_lower_what_is_owed() -> None:
    account = Settlement(uuid.uuid4(), total_ore=125_000, credited_ore=25_000, paid_ore=100_000)
    assert (account.owed_ore, account.outstanding_ore, account.status, account.covered) == (
        100_000,
        0,
        PaymentStatus.PAID,
        True,
    )
    short = Settlement(uuid.uuid4(), total_ore=125_000, credited_ore=0, paid_ore=100_000)
    assert (short.outstanding_ore, short.status, short.covered) == (25_000, PaymentStatus.PARTIALLY_PAID, False)
    credited = Settlement(uuid.uuid4(), total_ore=125_000, credited_ore=125_000, paid_ore=0)
    assert (credited.status, credited.covered) == (PaymentStatus.CREDITED, False)


def test_overdue_from_the_day_after_the_due_date() -> None:
    due = date(2026, 11, 20)
    assert days_overdue(due, date(2026, 11, 20), PaymentStatus.UNPAID) == 0
    assert days_overdue(due, date(2026, 11, 21), PaymentStatus.UNPAID) == 1
    assert days_overdue(due, date(2026, 11, 30), PaymentStatus.PARTIALLY_PAID) == 10
    assert days_overdue(due, date(2026, 11, 30), PaymentStatus.PAID) == 0
    assert days_overdue(due, date(2026, 11, 30), PaymentStatus.OVERPAID) == 0


def test_negative_paid_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        payment_status(100, -1)
