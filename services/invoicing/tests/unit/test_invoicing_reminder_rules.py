"""Overdue ages and payment reminders (renteloven § 9 b): invoicing.payments.models, pure rules."""

from __future__ import annotations

from datetime import date

import pytest

from invoicing.payments.models import (
    AgeBucket,
    PaymentStatus,
    ReminderRefusal,
    age_bucket,
    next_reminder_on,
    reminder_refusal,
)

DUE = date(2026, 11, 14)
UNPAID = PaymentStatus.UNPAID


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-3, None),
        (0, None),
        (1, AgeBucket.DAYS_1_30),
        (30, AgeBucket.DAYS_1_30),
        (31, AgeBucket.DAYS_31_60),
        (60, AgeBucket.DAYS_31_60),
        (61, AgeBucket.DAYS_61_90),
        (90, AgeBucket.DAYS_61_90),
        (91, AgeBucket.OVER_90),
        (4000, AgeBucket.OVER_90),
    ],
)
def test_age_buckets_have_exact_edges(days: int, bucket: AgeBucket | None) -> None:
    assert age_bucket(days) is bucket


def test_the_first_reminder_only_after_the_due_date_then_ten_days_apart_at_most_three() -> None:
    assert next_reminder_on(DUE, []) == date(2026, 11, 15)
    assert next_reminder_on(DUE, [date(2026, 11, 15)]) == date(2026, 11, 25)
    assert next_reminder_on(DUE, [date(2026, 11, 15), date(2026, 11, 30)]) == date(2026, 12, 10)
    assert next_reminder_on(DUE, [date(2026, 11, 15), date(2026, 11, 25), date(2026, 12, 5)]) is None


@pytest.mark.parametrize(
    ("sent", "sent_on", "refusal"),
    [
        ([], date(2026, 11, 13), ReminderRefusal.BEFORE_DUE),
        ([], DUE, ReminderRefusal.BEFORE_DUE),  # on the due date the debt is not overdue yet
        ([], date(2026, 11, 15), None),
        ([date(2026, 11, 15)], date(2026, 11, 24), ReminderRefusal.TOO_SOON),  # 9 days
        ([date(2026, 11, 15)], date(2026, 11, 25), None),  # 10 days
        ([date(2026, 11, 15)], date(2026, 11, 10), ReminderRefusal.BEFORE_DUE),
        ([date(2026, 11, 15), date(2026, 11, 25)], date(2026, 12, 5), None),
        ([date(2026, 11, 15), date(2026, 11, 25), date(2026, 12, 5)], date(2027, 3, 1), ReminderRefusal.LIMIT_REACHED),
    ],
)
def test_reminder_refusals(sent: list[date], sent_on: date, refusal: ReminderRefusal | None) -> None:
    assert reminder_refusal(DUE, sent, sent_on, UNPAID) is refusal


@pytest.mark.parametrize(
    ("status", "refusal"),
    [
        (PaymentStatus.UNPAID, None),
        (PaymentStatus.PARTIALLY_PAID, None),
        (PaymentStatus.PAID, ReminderRefusal.SETTLED),
        (PaymentStatus.OVERPAID, ReminderRefusal.SETTLED),
        (PaymentStatus.CREDITED, ReminderRefusal.SETTLED),
    ],
)
def test_only_an_invoice_still_owed_gets_a_reminder(status: PaymentStatus, refusal: ReminderRefusal | None) -> None:
    assert reminder_refusal(DUE, [], date(2026, 12, 1), status) is refusal
