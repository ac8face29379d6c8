"""The payment reminder rules (issue 14, renteloven § 9 b) free of I/O: when the next reminder is due, its fee,
its deadline and whether it is the final one; the policy refuses values the law does not allow."""

from __future__ import annotations

from datetime import date

import pytest

from invoicing.payment_reminders.models import Earlier, ReminderPolicy, earliest_next, next_reminder

DUE = date(2026, 11, 18)


def _next(policy: ReminderPolicy, earlier: list[Earlier], today: date, owing: bool = True) -> object:
    return next_reminder(policy, due_date=DUE, earlier=earlier, today=today, owing=owing)


def test_the_first_only_after_the_due_date_then_ten_days_apart() -> None:
    policy = ReminderPolicy()
    assert _next(policy, [], DUE) is None
    first = next_reminder(policy, due_date=DUE, earlier=[], today=date(2026, 11, 19), owing=True)
    assert first is not None
    assert (first.number, first.fee_ore, first.fees_total_ore, first.pay_by, first.final) == (
        1,
        10_000,
        10_000,
        date(2026, 11, 29),
        False,
    )
    sent = [Earlier(1, date(2026, 11, 19), 10_000)]
    assert earliest_next(policy, DUE, sent) == date(2026, 11, 29)
    assert _next(policy, sent, date(2026, 11, 28)) is None
    second = next_reminder(policy, due_date=DUE, earlier=sent, today=date(2026, 11, 29), owing=True)
    assert second is not None and (second.number, second.fees_total_ore) == (2, 20_000)


def test_fees_on_three_at_most_and_the_last_before_collection_is_final() -> None:
    policy = ReminderPolicy(fee_ore=7_000, before_collection=4, first_after_days=3, days_apart=14)
    assert earliest_next(policy, DUE, []) == date(2026, 11, 21)
    sent = [
        Earlier(1, date(2026, 11, 21), 7_000),
        Earlier(2, date(2026, 12, 5), 7_000),
        Earlier(3, date(2026, 12, 19), 7_000),
    ]
    assert _next(policy, sent, date(2027, 1, 1)) is None
    fourth = next_reminder(policy, due_date=DUE, earlier=sent, today=date(2027, 1, 2), owing=True)
    assert fourth is not None
    assert (fourth.number, fourth.fee_ore, fourth.fees_total_ore, fourth.final) == (4, 0, 21_000, True)
    after = [*sent, Earlier(4, date(2027, 1, 2), 0)]
    assert earliest_next(policy, DUE, after) is None
    assert _next(policy, after, date(2027, 6, 1)) is None


def test_nothing_once_nothing_is_owed() -> None:
    assert _next(ReminderPolicy(), [], date(2026, 12, 1), owing=False) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"days_apart": 9}, "at least 10 days apart"),
        ({"fee_ore": 10_001}, "at most 100 kr"),
        ({"fee_ore": -1}, "at most 100 kr"),
        ({"first_after_days": 0}, "after the due date"),
        ({"before_collection": 0}, "before collection"),
        ({"pay_within_days": 0}, "at least one day"),
    ],
)
def test_the_policy_refuses_what_the_law_does_not_allow(changes: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ReminderPolicy(**changes)
