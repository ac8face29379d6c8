"""The rules of payment reminders (*rykkere*) issued by the daily schedule, free of I/O.

Renteloven § 9 b, stk. 1 (https://www.retsinformation.dk/eli/lta/2014/459): a reminder fee only for a reminder
sent after the due date has passed, at least 10 days after the previous reminder, for at most three reminders, at
most 100 kr each. The schedule's settings (``InvoicingSettings.payment_reminder_*``) choose within those bounds.
Amounts integer øre; days are the agency's dates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

# Renteloven § 9 b: a fee on at most three reminders, at most 100 kr (10 000 øre) each, 10 days apart at least.
FEE_REMINDERS_MAX = 3
FEE_MAX_ORE = 10_000
DAYS_APART_MIN = 10


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """The schedule's settings: the first reminder ``first_after_days`` (>= 1) after the due date, each later one
    ``days_apart`` (>= 10) after the previous, a fee of ``fee_ore`` (0..10 000) on reminders 1..3, the
    ``before_collection``-th (>= 1) the last (``final``), each with a new deadline ``pay_within_days`` after it.
    Raises ValueError outside those bounds (the settings refuse them earlier, at start-up)."""

    first_after_days: int = 1
    days_apart: int = DAYS_APART_MIN
    fee_ore: int = FEE_MAX_ORE
    before_collection: int = 3
    pay_within_days: int = 10

    def __post_init__(self) -> None:
        if self.first_after_days < 1:
            raise ValueError("the first reminder comes after the due date has passed: first_after_days >= 1")
        if self.days_apart < DAYS_APART_MIN:
            raise ValueError(f"reminders are at least {DAYS_APART_MIN} days apart (renteloven § 9 b)")
        if not 0 <= self.fee_ore <= FEE_MAX_ORE:
            raise ValueError(f"a reminder fee is 0..{FEE_MAX_ORE} øre (renteloven § 9 b: at most 100 kr)")
        if self.before_collection < 1:
            raise ValueError("at least one reminder comes before collection")
        if self.pay_within_days < 1:
            raise ValueError("a reminder gives at least one day to pay")

    def next_on(self, due_date: date, sent: Sequence[date]) -> date | None:
        """The one rule of when the next reminder may be issued or recorded (the schedule's run, finance's manual
        record and the overdue list's ``next_reminder_on``): ``due_date + first_after_days`` for the first, then
        ``days_apart`` after the latest of ``sent`` (never before the first's day); None when
        ``before_collection`` were sent (next: collection)."""
        if len(sent) >= self.before_collection:
            return None
        first = due_date + timedelta(days=self.first_after_days)
        if not sent:
            return first
        return max(max(sent) + timedelta(days=self.days_apart), first)


@dataclass(frozen=True, slots=True)
class Earlier:
    """A reminder of the invoice issued (or recorded) before: its number, day and fee (øre)."""

    number: int
    sent_on: date
    fee_ore: int


@dataclass(frozen=True, slots=True)
class NextReminder:
    """The reminder to issue now: ``number`` (1-based), ``fee_ore``, ``fees_total_ore`` (this and the earlier
    ones' fees), ``pay_by`` and whether it is the ``final`` one before collection."""

    number: int
    issued_on: date
    fee_ore: int
    fees_total_ore: int
    pay_by: date
    final: bool


def earliest_next(policy: ReminderPolicy, due_date: date, earlier: list[Earlier]) -> date | None:
    """The first day the next reminder may be issued (:meth:`ReminderPolicy.next_on` of the earlier ones' days)."""
    return policy.next_on(due_date, [e.sent_on for e in earlier])


def fee_allowed(number: int, fee_ore: int) -> bool:
    """Whether reminder ``number`` (1-based) may carry a fee of ``fee_ore`` (renteloven § 9 b: 0..10 000 øre, and
    only on reminders 1..3; a later one carries none)."""
    return 0 <= fee_ore <= FEE_MAX_ORE and (fee_ore == 0 or number <= FEE_REMINDERS_MAX)


def next_reminder(
    policy: ReminderPolicy, *, due_date: date, earlier: list[Earlier], today: date, owing: bool
) -> NextReminder | None:
    """The reminder to issue on ``today`` for an invoice due on ``due_date`` with the reminders ``earlier``; None
    when nothing is ``owing`` (paid, overpaid, credited in full or voided), before :func:`earliest_next`, or after
    the last before collection. The fee: ``policy.fee_ore`` on reminders 1..3, 0 on later ones."""
    if not owing:
        return None
    earliest = earliest_next(policy, due_date, earlier)
    if earliest is None or today < earliest:
        return None
    number = max((e.number for e in earlier), default=0) + 1
    fee = policy.fee_ore if fee_allowed(number, policy.fee_ore) else 0
    return NextReminder(
        number=number,
        issued_on=today,
        fee_ore=fee,
        fees_total_ore=sum(e.fee_ore for e in earlier) + fee,
        pay_by=today + timedelta(days=policy.pay_within_days),
        final=number >= policy.before_collection,
    )


@dataclass(frozen=True, slots=True)
class IssuedReminder:
    """A payment reminder as finance sees it: ``source`` ``scheduled`` (the schedule, with its event) or
    ``manual`` (recorded by finance, issue 10: no ``pay_by``/``outstanding_ore``). Amounts øre."""

    reminder_id: UUID
    invoice_id: UUID
    number: int
    sent_on: date
    fee_ore: int
    source: str
    pay_by: date | None
    outstanding_ore: int | None
    final: bool
    recorded_by: str


@dataclass(frozen=True, slots=True)
class RemindedInvoice:
    """An issued invoice with its account (øre: ``total_ore``, ``credited_ore``, ``paid_ore``, ``outstanding_ore``;
    ``payment_status``), the fees of its reminders (``fees_ore``, owed by the company beside the invoice) and the
    reminders themselves."""

    invoice_id: UUID
    company_id: UUID
    number: str
    buyer_name: str
    due_date: date
    total_ore: int
    credited_ore: int
    paid_ore: int
    outstanding_ore: int
    payment_status: str
    voided: bool
    reminders: tuple[IssuedReminder, ...]

    @property
    def fees_ore(self) -> int:
        return sum(r.fee_ore for r in self.reminders)

    @property
    def owing(self) -> bool:
        """Something is still owed on the invoice itself (unpaid or partially paid, not voided)."""
        return not self.voided and self.payment_status in ("unpaid", "partially_paid")
