"""The statements core's pure rules: statement periods (a change of kind mid-way), which items go on which draft,
line grouping with exact øre, correction lines, and what issuing needs from the terms."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from invoicing.statements.models import (
    MISSING_REFERENCE,
    AgreementTerms,
    StatementItem,
    StatementPeriod,
    StatementPeriodKind,
    group_correction_lines,
    group_statement_lines,
    missing_issue_terms,
    plan_statements,
    statement_periods,
    terms_in_force,
)

MONTHLY, QUARTERLY = StatementPeriodKind.MONTHLY, StatementPeriodKind.QUARTERLY
ANNA, BO = uuid.UUID(int=1), uuid.UUID(int=2)


def spans(periods: list[StatementPeriod]) -> list[tuple[str, str, str]]:
    return [(p.kind.value, p.start.isoformat(), p.end.isoformat()) for p in periods]


def quarterly_from(day: date) -> Callable[[date], StatementPeriodKind]:
    return lambda d: QUARTERLY if d >= day else MONTHLY


def test_months_and_quarters_up_to_the_last_period_ended() -> None:
    assert spans(
        statement_periods(
            lambda d: MONTHLY, first_day=date(2026, 9, 14), through=date(2026, 11, 29), stated_through=None
        )
    ) == [("monthly", "2026-09-01", "2026-09-30"), ("monthly", "2026-10-01", "2026-10-31")]
    assert spans(
        statement_periods(
            lambda d: QUARTERLY, first_day=date(2026, 8, 10), through=date(2026, 12, 31), stated_through=None
        )
    ) == [("quarterly", "2026-07-01", "2026-09-30"), ("quarterly", "2026-10-01", "2026-12-31")]


def test_terms_turning_quarterly_mid_quarter_stay_monthly_until_the_next_quarter() -> None:
    kind = quarterly_from(date(2026, 2, 1))
    assert spans(
        statement_periods(kind, first_day=date(2026, 2, 1), through=date(2026, 6, 30), stated_through=date(2026, 1, 31))
    ) == [
        ("monthly", "2026-02-01", "2026-02-28"),
        ("monthly", "2026-03-01", "2026-03-31"),
        ("quarterly", "2026-04-01", "2026-06-30"),
    ]
    # The same within one run: January drafted monthly, so Q1 is not stated twice.
    assert spans(
        statement_periods(kind, first_day=date(2026, 1, 5), through=date(2026, 3, 31), stated_through=None)
    ) == [
        ("monthly", "2026-01-01", "2026-01-31"),
        ("monthly", "2026-02-01", "2026-02-28"),
        ("monthly", "2026-03-01", "2026-03-31"),
    ]


def item(
    citizen: uuid.UUID, day: date, minutes: int, rate: int, amount: int, *, adjustment: bool = False
) -> StatementItem:
    return StatementItem(uuid.uuid4(), adjustment, citizen, "x", day, minutes, rate, amount)


def test_late_items_go_on_the_first_new_period_and_an_empty_period_drafts_nothing() -> None:
    late = item(ANNA, date(2026, 9, 3), 30, 10_000, 5_000)
    november = item(BO, date(2026, 11, 2), 60, 10_000, 10_000)
    open_december = item(BO, date(2026, 12, 1), 60, 10_000, 10_000)
    planned = plan_statements(
        [late, november, open_december], lambda d: MONTHLY, through=date(2026, 11, 30), stated_through=date(2026, 9, 30)
    )
    # October has no items of its own but takes the late one; November its own; December has not ended.
    assert [(p.period.start.isoformat(), [i.item_id for i in p.items], p.late) for p in planned] == [
        ("2026-10-01", [late.item_id], frozenset({late.item_id})),
        ("2026-11-01", [november.item_id], frozenset()),
    ]
    assert plan_statements([open_december], lambda d: MONTHLY, through=date(2026, 11, 30), stated_through=None) == []


def test_lines_per_citizen_and_rate_sum_the_amounts_without_rounding_again() -> None:
    items = [
        item(ANNA, date(2026, 10, 5), 45, 9_999, 7_499),
        item(ANNA, date(2026, 10, 6), 50, 9_999, 8_333),
        item(ANNA, date(2026, 10, 20), 90, 12_345, 18_518),
        item(ANNA, date(2026, 10, 21), 0, 12_000, 2_000, adjustment=True),
        item(BO, date(2026, 9, 2), 30, 9_999, 4_999),
        item(BO, date(2026, 9, 9), 30, 9_999, 5_000),
    ]
    late = frozenset(i.item_id for i in items[4:])
    grouped = group_statement_lines(items, {ANNA: "Anna (1979)"}, late)
    assert [
        (
            d.line.position,
            d.line.citizen_reference,
            d.line.rate_ore_per_hour,
            d.line.minutes,
            d.line.amount_ore,
            d.line.late,
            d.line.adjustment,
            d.line.first_work_date.isoformat(),
            len(d.item_ids),
        )
        for d in grouped
    ] == [
        (1, "Anna (1979)", 9_999, 95, 15_832, False, False, "2026-10-05", 2),
        (2, "Anna (1979)", 12_000, 0, 2_000, False, True, "2026-10-21", 1),
        (3, "Anna (1979)", 12_345, 90, 18_518, False, False, "2026-10-20", 1),
        # Late: one line per original work date; Bo's reference is not known.
        (4, MISSING_REFERENCE, 9_999, 30, 4_999, True, False, "2026-09-02", 1),
        (5, MISSING_REFERENCE, 9_999, 30, 5_000, True, False, "2026-09-09", 1),
    ]


def test_correction_lines_are_positive_per_work_date() -> None:
    grouped = group_correction_lines(
        [
            item(ANNA, date(2026, 10, 5), -30, 10_000, -5_000),
            item(ANNA, date(2026, 10, 6), 0, 9_000, -3_000, adjustment=True),
        ],
        {ANNA: "A"},
    )
    assert [(d.line.minutes, d.line.amount_ore, d.line.late, d.line.adjustment) for d in grouped] == [
        (30, 5_000, False, False),
        (0, 3_000, False, True),
    ]


def complete(**fields: object) -> AgreementTerms:
    values: dict[str, object] = {
        "vat_category": "S",
        "rate_excludes_vat": True,
        "payment_means_code": "58",
        "payee_iban": "DK5000400440116243",
        "ean": "5798000420000",
        "person_reference": "Jobcenter",
        **fields,
    }
    return AgreementTerms(uuid.uuid4(), ANNA, "Aalborg", date(2026, 1, 1), 10_000, 52, **values)


def test_what_issuing_needs_from_the_terms() -> None:
    assert missing_issue_terms(complete()) == []
    names = lambda t: [name for name, _ in missing_issue_terms(t)]  # noqa: E731
    assert names(
        complete(vat_category=None, rate_excludes_vat=None, payment_means_code=None, ean=None, person_reference=None)
    ) == [
        "vat_category",
        "rate_excludes_vat",
        "payment_means_code",
        "ean",
        "person_reference",
    ]
    assert names(complete(vat_category="E")) == ["vat_exemption_reason"]
    assert names(complete(vat_category="O", vat_exemption_reason="Uden for")) == []
    assert names(complete(payee_iban=None)) == ["payee_iban"]
    assert names(complete(payment_means_code="42", payee_iban=None)) == [
        "payee_bank_registration",
        "payee_bank_account",
    ]
    assert names(complete(payment_means_code="31", payee_bank_registration="1234", payee_bank_account="12")) == []
    assert names(complete(payment_means_code="30")) == ["payment_means_code"]
    # Danish codes (DK-R-005) a statement cannot state: direct debit needs a mandate, giro/FIK a payment id.
    for code in ("49", "50", "59", "93"):
        assert names(complete(payment_means_code=code)) == ["payment_means_code"], code


def test_terms_in_force_on_a_day_later_recorded_wins_a_tie() -> None:
    first, second = complete(), complete()
    later = AgreementTerms(uuid.uuid4(), ANNA, "Aalborg", date(2026, 1, 1), 9_000, 26, recorded_seq=5)
    assert terms_in_force([first, later, second], date(2026, 3, 1)) is later
    assert terms_in_force([first], date(2025, 12, 31)) is None


def test_an_adjustment_line_of_an_earlier_period_is_never_late() -> None:
    # A retroactive rate change of hours approved on time, settled on a later statement: its own line per original
    # work date, marked an adjustment, not late (CSV "Sen", JSON, PDF and Peppol all read line.late).
    hours = item(ANNA, date(2026, 9, 2), 30, 9_999, 4_999)
    adjustment = item(ANNA, date(2026, 9, 2), 0, 11_111, 556, adjustment=True)
    grouped = group_statement_lines(
        [hours, adjustment], {ANNA: "Anna (1979)"}, frozenset({hours.item_id, adjustment.item_id})
    )
    assert [(d.line.late, d.line.adjustment, d.line.first_work_date.isoformat()) for d in grouped] == [
        (True, False, "2026-09-02"),
        (False, True, "2026-09-02"),
    ]


def test_a_period_whose_items_net_to_nothing_drafts_nothing_and_they_wait_for_the_next_draft() -> None:
    # A rate change's adjustments of an entry (-500) and of its correction (+500) cancel out: a draft of them alone
    # could never be issued (statement-empty), so October drafts nothing and November takes them as late.
    down = item(ANNA, date(2026, 10, 5), 0, 0, -500, adjustment=True)
    up = item(ANNA, date(2026, 10, 5), 0, 0, 500, adjustment=True)
    november = item(BO, date(2026, 11, 2), 60, 10_000, 10_000)
    only_october = plan_statements([down, up], lambda d: MONTHLY, through=date(2026, 10, 31), stated_through=None)
    assert only_october == []
    planned = plan_statements(
        [down, up, november], lambda d: MONTHLY, through=date(2026, 11, 30), stated_through=date(2026, 9, 30)
    )
    assert [(p.period.start.isoformat(), {i.item_id for i in p.items}, p.late) for p in planned] == [
        ("2026-11-01", {down.item_id, up.item_id, november.item_id}, frozenset({down.item_id, up.item_id}))
    ]
