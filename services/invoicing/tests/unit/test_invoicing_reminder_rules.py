"""Overdue ages and payment reminders (renteloven § 9 b): invoicing.payments.models, pure rules."""

from __future__ import annotations

from datetime import date

import pytest

from invoicing.payment_reminders.models import ReminderPolicy
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
# The defaults: the first the day after the due date, 10 days apart, three before collection.
POLICY = ReminderPolicy()


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
    assert next_reminder_on(POLICY, DUE, []) == date(2026, 11, 15)
    assert next_reminder_on(POLICY, DUE, [date(2026, 11, 15)]) == date(2026, 11, 25)
    assert next_reminder_on(POLICY, DUE, [date(2026, 11, 15), date(2026, 11, 30)]) == date(2026, 12, 10)
    assert next_reminder_on(POLICY, DUE, [date(2026, 11, 15), date(2026, 11, 25), date(2026, 12, 5)]) is None


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
    assert reminder_refusal(POLICY, DUE, sent, sent_on, UNPAID) is refusal


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
    assert reminder_refusal(POLICY, DUE, [], date(2026, 12, 1), status) is refusal


def test_the_overdue_list_and_the_manual_record_follow_the_schedules_settings() -> None:
    # The scheduled policy's rule, one rule: five reminders before collection, 14 days apart, the first 3 days after.
    policy = ReminderPolicy(first_after_days=3, days_apart=14, before_collection=5)
    three = [date(2026, 11, 17), date(2026, 12, 1), date(2026, 12, 15)]
    assert next_reminder_on(policy, DUE, []) == date(2026, 11, 17)
    assert next_reminder_on(policy, DUE, three) == date(2026, 12, 29)  # not null after three
    assert next_reminder_on(policy, DUE, [*three, date(2026, 12, 29), date(2027, 1, 12)]) is None
    assert reminder_refusal(policy, DUE, [], date(2026, 11, 16), UNPAID) is ReminderRefusal.TOO_SOON
    assert reminder_refusal(policy, DUE, [], date(2026, 11, 17), UNPAID, 10_000) is None
    assert reminder_refusal(policy, DUE, three, date(2026, 12, 28), UNPAID) is ReminderRefusal.TOO_SOON
    # The fourth: allowed, but without a fee (renteloven § 9 b: a fee on at most three).
    assert reminder_refusal(policy, DUE, three, date(2026, 12, 29), UNPAID, 0) is None
    assert reminder_refusal(policy, DUE, three, date(2026, 12, 29), UNPAID, 1) is ReminderRefusal.FEE_NOT_ALLOWED
    assert reminder_refusal(policy, DUE, [*three, date(2026, 12, 29), date(2027, 1, 12)], date(2027, 3, 1), UNPAID) is (
        ReminderRefusal.LIMIT_REACHED
    )
