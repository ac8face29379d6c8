"""Billing periods: calendar months, ISO weeks (week 53, New Year) and fortnights from one anchor Monday."""

from __future__ import annotations

from datetime import date

import pytest

from invoicing.periods import BillingPeriod, Period, period_containing, periods_to_close

ANCHOR = date(2024, 1, 1)  # a Monday
M, F, W = BillingPeriod.MONTHLY, BillingPeriod.FORTNIGHTLY, BillingPeriod.WEEKLY


def test_a_month_is_its_calendar_days_including_february_of_a_leap_year() -> None:
    assert period_containing(M, date(2026, 11, 17), anchor=ANCHOR) == Period(date(2026, 11, 1), date(2026, 11, 30), M)
    assert period_containing(M, date(2028, 2, 29), anchor=ANCHOR) == Period(date(2028, 2, 1), date(2028, 2, 29), M)
    assert period_containing(M, date(2026, 12, 31), anchor=ANCHOR).label == "2026-12"


@pytest.mark.parametrize(
    ("day", "start", "end", "label"),
    [
        (date(2026, 11, 30), date(2026, 11, 30), date(2026, 12, 6), "2026-W49"),
        (date(2026, 12, 6), date(2026, 11, 30), date(2026, 12, 6), "2026-W49"),
        # 2026 has 53 ISO weeks: W53 runs into 2027.
        (date(2026, 12, 31), date(2026, 12, 28), date(2027, 1, 3), "2026-W53"),
        (date(2027, 1, 3), date(2026, 12, 28), date(2027, 1, 3), "2026-W53"),
        (date(2027, 1, 4), date(2027, 1, 4), date(2027, 1, 10), "2027-W01"),
        # 1 January 2025 is a Wednesday of 2025-W01, which began in 2024.
        (date(2025, 1, 1), date(2024, 12, 30), date(2025, 1, 5), "2025-W01"),
        (date(2024, 12, 29), date(2024, 12, 23), date(2024, 12, 29), "2024-W52"),
    ],
)
def test_weeks_are_iso_weeks_across_new_year_and_week_53(day: date, start: date, end: date, label: str) -> None:
    period = period_containing(W, day, anchor=ANCHOR)
    assert (period.start, period.end, period.label) == (start, end, label)


def test_fortnights_count_from_the_anchor_not_from_pairs_of_week_numbers() -> None:
    # 2024-01-01 + 76 fortnights = 2026-11-30.
    assert period_containing(F, date(2026, 11, 30), anchor=ANCHOR) == Period(date(2026, 11, 30), date(2026, 12, 13), F)
    assert period_containing(F, date(2026, 11, 29), anchor=ANCHOR) == Period(date(2026, 11, 16), date(2026, 11, 29), F)
    # Across week 53: W53 of 2026 and W01 of 2027 share a fortnight (pairs of week numbers would split them).
    over_new_year = period_containing(F, date(2026, 12, 31), anchor=ANCHOR)
    assert over_new_year == Period(date(2026, 12, 28), date(2027, 1, 10), F)
    assert over_new_year.label == "2026-W53/2027-W01"
    assert period_containing(F, date(2027, 1, 10), anchor=ANCHOR) == over_new_year
    # Before the anchor, fortnights continue backwards.
    assert period_containing(F, date(2023, 12, 31), anchor=ANCHOR) == Period(date(2023, 12, 18), date(2023, 12, 31), F)


def test_fortnights_tile_the_calendar_with_no_gap_or_overlap_for_five_years() -> None:
    day, end = date(2024, 1, 1), date(2029, 1, 1)
    previous = period_containing(F, day, anchor=ANCHOR)
    while day < end:
        period = period_containing(F, day, anchor=ANCHOR)
        assert period.end - period.start == date(2000, 1, 15) - date(2000, 1, 2)
        assert period == previous or period.start == previous.end + (date(2000, 1, 2) - date(2000, 1, 1))
        assert period.start.isoweekday() == 1
        previous = period
        day = date.fromordinal(day.toordinal() + 1)


def test_the_anchor_must_be_a_monday() -> None:
    with pytest.raises(ValueError, match="Monday"):
        period_containing(F, date(2026, 11, 30), anchor=date(2024, 1, 2))


def test_periods_to_close_are_those_ended_on_or_before_through() -> None:
    found = periods_to_close(
        M, first_day=date(2026, 9, 14), through=date(2026, 11, 29), closed_through=None, anchor=ANCHOR
    )
    assert [p.label for p in found] == ["2026-09", "2026-10"]
    assert found[0].start == date(2026, 9, 1)
    found = periods_to_close(
        M, first_day=date(2026, 9, 14), through=date(2026, 11, 30), closed_through=None, anchor=ANCHOR
    )
    assert [p.label for p in found] == ["2026-09", "2026-10", "2026-11"]


def test_periods_to_close_start_after_the_last_closed_day_and_cut_a_changed_rhythm() -> None:
    # Closed monthly through October; now weekly: 2026-W44 (26 Oct..1 Nov) starts on 1 November.
    found = periods_to_close(
        W, first_day=date(2026, 10, 1), through=date(2026, 11, 15), closed_through=date(2026, 10, 31), anchor=ANCHOR
    )
    assert [(p.start, p.end) for p in found] == [
        (date(2026, 11, 1), date(2026, 11, 1)),
        (date(2026, 11, 2), date(2026, 11, 8)),
        (date(2026, 11, 9), date(2026, 11, 15)),
    ]
    assert (
        periods_to_close(
            W,
            first_day=date(2026, 11, 16),
            through=date(2026, 11, 21),
            closed_through=date(2026, 11, 15),
            anchor=ANCHOR,
        )
        == []
    )


def test_billing_period_names() -> None:
    assert BillingPeriod.of(None) is M
    assert BillingPeriod.of("weekly") is W
    with pytest.raises(ValueError, match="daily"):
        BillingPeriod.of("daily")
