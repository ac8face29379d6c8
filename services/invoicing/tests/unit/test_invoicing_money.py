"""Money rules with exact øre: line amounts, VAT, and the rounding of halves."""

from __future__ import annotations

import pytest

from invoicing.money import amount_for, divide_round_half_up, vat_on


@pytest.mark.parametrize(
    ("minutes", "rate", "expected"),
    [
        (7, 12_345, 1_440),  # 1440.25 rounds down
        (45, 17_999, 13_499),  # 13499.25 rounds down
        (90, 17_999, 26_999),  # 26998.5 is a half: up
        (30, 12_345, 6_173),  # 6172.5 is a half: up
        (16, 12_345, 3_292),  # exact
        (1, 30, 1),  # 0.5 øre: up
        (1, 29, 0),  # 0.4833 øre: down
        (1, 31, 1),  # 0.5166 øre: up
        (60, 17_999, 17_999),  # a whole hour is the rate
        (7, 10_000, 1_167),  # 1166.67 rounds up
        (0, 17_999, 0),
    ],
)
def test_line_amount_is_minutes_times_rate_over_sixty_rounded_half_up(minutes: int, rate: int, expected: int) -> None:
    assert amount_for(minutes, rate) == expected


def test_line_amount_equals_the_documented_integer_formula_for_every_minute_of_a_day() -> None:
    for minutes in range(0, 24 * 60 + 1):
        for rate in (1, 29, 30, 12_345, 17_999):
            assert amount_for(minutes, rate) == (minutes * rate * 2 + 60) // 120


def test_large_amounts_stay_exact_where_float_arithmetic_would_be_off_by_one() -> None:
    minutes, rate = 1_000_000_004, 100_000_007
    assert int(minutes * rate / 60 + 0.5) == 1_666_666_790_000_001  # what a float computation gives
    assert amount_for(minutes, rate) == 1_666_666_790_000_000


@pytest.mark.parametrize(
    ("subtotal", "expected_vat"),
    [
        (1, 0),  # 0.25
        (2, 1),  # 0.5 is a half: up
        (3, 1),  # 0.75
        (6, 2),  # 1.5 is a half: up
        (14_939, 3_735),  # 3734.75
        (55_230, 13_808),  # 13807.5 is a half: up
        (55_226, 13_807),  # 13806.5 is a half: up
        (55_224, 13_806),  # exact
        (0, 0),
    ],
)
def test_vat_is_twenty_five_percent_of_the_subtotal_rounded_half_up(subtotal: int, expected_vat: int) -> None:
    assert vat_on(subtotal) == expected_vat


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(5, 10, 1), (-5, 10, -1), (-4, 10, 0), (-6, 10, -1), (-86_415, 60, -1_440), (-30, 60, -1)],
)
def test_negative_amounts_round_half_away_from_zero_mirroring_positive_ones(
    numerator: int, denominator: int, expected: int
) -> None:
    assert divide_round_half_up(numerator, denominator) == expected
    assert divide_round_half_up(-numerator, denominator) == -expected


def test_a_zero_or_negative_denominator_is_refused() -> None:
    with pytest.raises(ValueError, match="denominator"):
        divide_round_half_up(1, 0)
